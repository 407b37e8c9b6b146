#pragma once
// The admin commands: migrate, token create/list/revoke, seed-demo, backup FILE. Each
// takes the configuration and the arguments after its name and returns the exit code
// (2 for a usage error). Those that change data hold the writer lock (with_writer_lock).

#include "server/options/config.hpp"

#include <string>
#include <vector>

namespace copsched::server {

int cmd_migrate(const config& cfg);
int cmd_token(const config& cfg, std::vector<std::string> args);
int cmd_seed_demo(const config& cfg, std::vector<std::string> args);
int cmd_backup(const config& cfg, std::vector<std::string> args);

} // namespace copsched::server
