#include "storage/database_file.hpp"

#include "storage/migrations.hpp"
#include "storage/sqlite.hpp"
#include "storage/sqlite_store.hpp"

#include <filesystem>

namespace copsched::storage {

using scheduler::errc;
using scheduler::error;

scheduler::result<schema_state> migrate_file(const std::string& path, int busy_timeout_ms) {
    try {
        connection c(path, connection::mode::read_write, busy_timeout_ms);
        const auto m = migrate(c);
        return schema_state{m.from_version, m.to_version, m.applied};
    } catch (const sqlite_error& e) {
        // At start the operator reads this: say which file and what to do about it.
        switch (e.primary_code()) {
        case SQLITE_MISMATCH: return error{errc::internal, e.what(), {}};
        case SQLITE_NOTADB:
            return error{errc::unavailable,
                         "database " + path + " is not an SQLite database (" + e.what() +
                             "): check --database, or restore the file from a backup",
                         {}};
        case SQLITE_READONLY:
        case SQLITE_CANTOPEN:
        case SQLITE_PERM:
            return error{errc::unavailable,
                         "database " + path + " cannot be written (" + e.what() +
                             "): copsched needs write access to the file and to its directory (for the -wal and "
                             "-shm files)",
                         {}};
        case SQLITE_FULL:
            return error{errc::unavailable, "database " + path + ": the disk is full (" + e.what() + ")", {}};
        default: return to_error(e);
        }
    }
}

scheduler::status write_once(const std::string& path, int busy_timeout_ms,
                             const std::function<scheduler::status(scheduler::store&)>& work) {
    try {
        connection c(path, connection::mode::read_write, busy_timeout_ms);
        sqlite_store s(c);
        transaction tx(c);
        auto st = work(s);
        if (st.ok()) tx.commit();
        return st;
    } catch (const sqlite_error& e) {
        return to_error(e);
    }
}

scheduler::status read_once(const std::string& path, int busy_timeout_ms,
                            const std::function<scheduler::status(scheduler::store&)>& work) {
    try {
        if (!std::filesystem::exists(path)) return error{errc::unavailable, "database " + path + " does not exist", {}};
        connection c(path, connection::mode::read_only, busy_timeout_ms);
        sqlite_store s(c);
        return work(s);
    } catch (const sqlite_error& e) {
        return to_error(e);
    }
}

scheduler::status backup_file(const std::string& path, const std::string& target, int busy_timeout_ms) {
    if (std::filesystem::exists(target))
        return error::invalid("FILE", "the backup target " + target + " already exists");
    if (!std::filesystem::exists(path)) return error{errc::unavailable, "database " + path + " does not exist", {}};
    try {
        connection source(path, connection::mode::read_only, busy_timeout_ms);
        source.prepare("VACUUM INTO ?").bind(1, target).run();
        return scheduler::ok();
    } catch (const sqlite_error& e) {
        return to_error(e);
    }
}

scheduler::result<std::string> integrity_check(const std::string& path, int busy_timeout_ms) {
    try {
        connection c(path, connection::mode::read_only, busy_timeout_ms);
        auto s = c.prepare("PRAGMA integrity_check");
        std::string out;
        while (s.step()) {
            if (!out.empty()) out += '\n';
            out += s.text(0);
        }
        return out;
    } catch (const sqlite_error& e) {
        return to_error(e);
    }
}

} // namespace copsched::storage
