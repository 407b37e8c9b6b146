#pragma once
// `copsched plan --programme SLUG --year YEAR [--count N] [--start-times HH:MM,...]
// [--apply]`: prints the CoP year plan as a table; --apply books it (tentative CoP
// meetings, all or nothing, under the writer lock). Returns the exit code (2 for a usage
// error).

#include "server/options/config.hpp"

#include <string>
#include <vector>

namespace copsched::server {

int cmd_plan(const config& cfg, std::vector<std::string> args);

} // namespace copsched::server
