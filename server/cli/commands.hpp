#pragma once
// The copsched command line: serve | migrate | token create/list/revoke | seed-demo |
// backup FILE | plan | remind | routes | version. Returns the process exit code.

namespace copsched::server {

int run_cli(int argc, char** argv);

} // namespace copsched::server
