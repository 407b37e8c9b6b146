#pragma once
// Wall-clock helpers. Instants are exchanged as UTC ISO-8601 strings with a 'Z'.

#include <chrono>
#include <string>

namespace copsched::scheduler {

// "2026-11-27T20:49:39Z" for the given instant (seconds precision).
std::string format_utc(std::chrono::system_clock::time_point t);
inline std::string now_utc() { return format_utc(std::chrono::system_clock::now()); }

} // namespace copsched::scheduler
