#pragma once
// Command-line flags as every copsched command takes them: "--name value" or
// "--name=value", removed from `args` once taken.

#include <string>
#include <vector>

namespace copsched::server {

// The flag's value, or "" when absent. A "--name" without a value sets *missing (when
// given) and returns "".
std::string take_flag(std::vector<std::string>& args, const std::string& name, bool* missing = nullptr);

// True (and removed) when the switch is present.
bool take_switch(std::vector<std::string>& args, const std::string& name);

} // namespace copsched::server
