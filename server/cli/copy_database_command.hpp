#pragma once
// `copsched copy-database --from FILE --to postgresql://...`: moves a SQLite deployment
// to an empty PostgreSQL database (storage/copy_database.hpp does the work). Shows the
// progress on a terminal, a line per table otherwise, and the summary on stdout.
// Returns the exit code: 0 copied, 1 refused or failed (nothing copied), 2 usage.

#include "server/options/config.hpp"

#include <string>
#include <vector>

namespace copsched::server {

int cmd_copy_database(const config& cfg, std::vector<std::string> args);

} // namespace copsched::server
