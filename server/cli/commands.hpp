#pragma once
// The copsched command line: serve | migrate | token create/list/revoke | seed-demo |
// backup FILE | plan | remind | routes | version. Reads the options (environment, then
// flags) and hands the rest to the command: serve.hpp, admin_commands.hpp,
// plan_command.hpp, server/remind/job.hpp. Returns the process exit code.

namespace copsched::server {

int run_cli(int argc, char** argv);

} // namespace copsched::server
