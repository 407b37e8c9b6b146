#pragma once
// A fresh database for a store test, on the engine this run is for: a SQLite file in a
// temporary directory, or, when COPSCHED_TEST_POSTGRES_FILE names a file holding a
// PostgreSQL URL (ctest's "unit-postgresql:" run, whose fixture starts its own server with
// tests/support/postgres.sh), a new schema on that server, dropped afterwards. A named
// file that cannot be read fails the test: a PostgreSQL run never falls back to SQLite. Tests tagged [store] run on both engines;
// the same test code asserts the same behaviour on each.

#include "storage/postgres.hpp"
#include "storage/sqlite.hpp"
#include "tests/support/postgres_url.hpp"
#include "tests/support/temp_dir.hpp"

#include <atomic>
#include <memory>
#include <string>

#include <unistd.h>

namespace copsched::test {

class store_database {
public:
    explicit store_database(const temp_dir& dir, const std::string& name = "copsched.db") {
        const auto server = postgres_url();
        if (server.empty()) {
            location_ = dir.file(name);
            conn_ = std::make_unique<storage::sqlite_connection>(location_,
                                                                 storage::sqlite_connection::mode::read_write, 2000);
            return;
        }
        static std::atomic<unsigned> counter{0};
        schema_ = "t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
        admin_ = std::make_unique<storage::pg_connection>(server);
        admin_->exec(("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " + schema_).c_str());
        location_ = server + (server.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
        conn_ = std::make_unique<storage::pg_connection>(location_);
    }
    store_database(const store_database&) = delete;
    store_database& operator=(const store_database&) = delete;
    ~store_database() {
        conn_.reset();
        if (!admin_) return;
        try {
            admin_->exec(("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE").c_str());
        } catch (...) {}
    }

    storage::connection& connection() { return *conn_; }
    // What storage::sql_database::options::path takes: the file or the URL.
    const std::string& location() const { return location_; }
    bool postgresql() const { return admin_ != nullptr; }
    // Another connection to the same database (e.g. to read what another wrote).
    std::unique_ptr<storage::connection> open() const {
        if (admin_) return std::make_unique<storage::pg_connection>(location_);
        return std::make_unique<storage::sqlite_connection>(location_, storage::sqlite_connection::mode::read_write,
                                                            2000);
    }

private:
    std::string location_;
    std::string schema_;
    std::unique_ptr<storage::pg_connection> admin_;
    std::unique_ptr<storage::connection> conn_;
};

} // namespace copsched::test
