#pragma once
// What every copsched command shares: the error line on stderr with its exit code, the
// check that nothing is left over after a command's own arguments, and the writer lock
// that data-changing commands hold (the server is the only writer while it runs).

#include "scheduler/result.hpp"
#include "server/options/config.hpp"

#include <functional>
#include <string>
#include <vector>

namespace copsched::server {

// Prints "copsched: MESSAGE" to stderr and returns `code`.
int fail(const std::string& message, int code = 1);
// The error's detail and one line per field problem; returns 1.
int fail(const scheduler::error& e);

// 0 when `args` is empty, else the usage error's exit code (2) after printing it.
int check_no_more(const std::vector<std::string>& args);

// Creates the directory a file will live in, when there is one.
void ensure_parent(const std::string& path);

// Runs `f` holding the database's writer lock after migrating it; fails (1) without
// calling `f` while a server holds the database. Returns f's exit code.
int with_writer_lock(const config& cfg, const std::function<int()>& f);

} // namespace copsched::server
