#pragma once
// The PostgreSQL server of a test run: ctest's postgres_server fixture starts it
// (tests/support/postgres.sh) and writes its URL to the file COPSCHED_TEST_POSTGRES_FILE
// names. Shared by the unit tests (test_database.hpp) and the integration tests
// (postgres_database.hpp).

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace copsched::test {

// The server's URL, or "" when the run is SQLite's (no COPSCHED_TEST_POSTGRES_FILE). A
// named file that holds no URL throws: a PostgreSQL run never falls back to SQLite.
inline std::string postgres_url() {
    const char* file = std::getenv("COPSCHED_TEST_POSTGRES_FILE");
    if (!file || !*file) return "";
    std::ifstream in(file);
    std::string url;
    if (!std::getline(in, url) || url.empty())
        throw std::runtime_error(std::string("COPSCHED_TEST_POSTGRES_FILE: no URL in ") + file +
                                 " (is the postgres_server fixture running?)");
    return url;
}

} // namespace copsched::test
