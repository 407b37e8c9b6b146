#pragma once
// What the two mail jobs (copsched remind, server/remind/job.cpp, and copsched inbox,
// server/inbox/job.cpp) share: reading a secret from a file and an interruptible pause.

#include <atomic>
#include <chrono>
#include <string>

namespace copsched::server {

// The first line of a secret file, without trailing white space; false when unreadable.
bool read_secret_file(const std::string& path, std::string& out);

// Sleeps for `d` or until `stop`, whichever comes first.
void pause_for(std::chrono::milliseconds d, const std::atomic<bool>& stop);

} // namespace copsched::server
