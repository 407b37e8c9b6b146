#pragma once
// A database of its own on the PostgreSQL server of ctest's postgres_server fixture
// (tests/support/postgres.sh), for the integration tests tagged [postgresql]: created
// empty, dropped afterwards. The fixture's URL comes from the file
// COPSCHED_TEST_POSTGRES_FILE names; a run without it fails rather than skips.

#include "tests/support/postgres_url.hpp"
#include "tests/support/shell.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <string>

#include <unistd.h>

namespace copsched::testing {

// The fixture's server (tests/support/postgres_url.hpp); a run without it fails.
inline std::string postgres_server_url() {
    INFO("COPSCHED_TEST_POSTGRES_FILE names the URL file of the postgres_server fixture");
    const auto url = copsched::test::postgres_url();
    REQUIRE(url.starts_with("postgresql://"));
    return url;
}

// A new, empty database on the test server, dropped afterwards.
class scratch_database {
public:
    scratch_database() : server_(postgres_server_url()) {
        static std::atomic<int> counter{0};
        name_ = "scratch_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
        run_shell("psql -X -q -v ON_ERROR_STOP=1 -d '" + server_ + "' -c 'DROP DATABASE IF EXISTS " + name_ +
                  "' -c 'CREATE DATABASE " + name_ + "' 2>&1");
        // postgresql://user@/copsched_test?host=DIR -> the same with this database.
        url_ = server_;
        const auto path = url_.find('/', url_.find("://") + 3);
        const auto query = url_.find('?', path);
        url_.replace(path + 1, (query == std::string::npos ? url_.size() : query) - path - 1, name_);
    }
    scratch_database(const scratch_database&) = delete;
    scratch_database& operator=(const scratch_database&) = delete;
    ~scratch_database() {
        const auto drop =
            "psql -X -q -d '" + server_ + "' -c 'DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)' >/dev/null 2>&1";
        [[maybe_unused]] const int rc = std::system(drop.c_str());
    }

    const std::string& url() const { return url_; }
    // One value from this database (psql's unaligned output).
    std::string scalar(const std::string& query) const {
        auto out = run_shell("psql -X -q -A -t -v ON_ERROR_STOP=1 -d '" + url_ + "' -c \"" + query + "\"");
        while (!out.empty() && out.back() == '\n') out.pop_back();
        return out;
    }
    // Rows in all tables (schema_migrations aside): 0 for a target nothing was copied to.
    std::string rows() const {
        return scalar("SELECT COALESCE(SUM((xpath('/row/c/text()', query_to_xml('SELECT COUNT(*) AS c FROM ' || "
                      "quote_ident(table_name), false, true, '')))[1]::text::bigint), 0) FROM "
                      "information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE "
                      "TABLE' AND table_name <> 'schema_migrations'");
    }

private:
    std::string server_;
    std::string name_;
    std::string url_;
};

} // namespace copsched::testing
