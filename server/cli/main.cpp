#include "server/cli/commands.hpp"

int main(int argc, char** argv) { return copsched::server::run_cli(argc, argv); }
