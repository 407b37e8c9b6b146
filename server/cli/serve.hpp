#pragma once
// `copsched serve`: the HTTP service. Holds the writer lock for its whole life, migrates
// the database, brings the personal feed URLs in line with the feed key, listens, and on
// SIGINT/SIGTERM lets in-flight requests finish (up to --shutdown-timeout) before it
// closes the database cleanly. Returns the exit code.

#include "server/options/config.hpp"

#include <string>
#include <vector>

namespace copsched::server {

int cmd_serve(config cfg, std::vector<std::string> args);

} // namespace copsched::server
