#include "server/cli/command_support.hpp"

#include "storage/database_file.hpp"
#include "storage/sql_database.hpp"

#include <filesystem>
#include <iostream>

namespace copsched::server {

int fail(const std::string& message, int code) {
    std::cerr << "copsched: " << message << "\n";
    return code;
}

int fail(const scheduler::error& e) {
    std::string text = e.detail;
    for (const auto& f : e.fields) text += "\n  " + f.field + ": " + f.problem;
    return fail(text);
}

int check_no_more(const std::vector<std::string>& args) {
    if (!args.empty()) return fail("unexpected argument '" + args.front() + "' (see copsched --help)", 2);
    return 0;
}

void ensure_parent(const std::string& path) {
    if (storage::is_postgresql_url(path)) return; // not a file
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
}

int with_writer_lock(const config& cfg, const std::function<int()>& f) {
    ensure_parent(cfg.database);
    storage::writer_lock lock(cfg.database);
    if (!lock.acquire())
        return fail("the database " + cfg.database +
                    " is in use by a running copsched server; stop it first or use the HTTP API");
    auto m = storage::migrate_file(cfg.database, cfg.db_busy_timeout_ms);
    if (!m) return fail(m.err());
    return f();
}

} // namespace copsched::server
