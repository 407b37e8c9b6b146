// What sql_store's concerns share: new ids, the mapping of SQLite failures to domain
// errors, and the connection's health check. Each store interface is implemented in the
// file of its concern (see storage/sql_store.hpp).
#include "storage/sql_store.hpp"

#include "storage/sql_store_internal.hpp"

#include <chrono>
#include <cstdint>
#include <random>
#include <string>

namespace copsched::storage {

using detail::guarded;
using scheduler::errc;
using scheduler::error;
using scheduler::status;

std::string new_id(std::string_view kind) {
    // Ids are opaque, not secret: a seeded PRNG per thread is enough. The first 10 digits
    // are the milliseconds since 1970 (50 bits, most significant first), so ids made later
    // sort later: a new row's key lands on the right-most page of each index over ids
    // instead of a random one, which keeps the pages a commit writes few.
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuv";
    const auto ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    std::string id(kind);
    id += '_';
    for (int shift = 45; shift >= 0; shift -= 5) id += digits[(ms >> shift) & 31];
    auto bits = rng();
    for (int i = 0; i < 10; ++i, bits >>= 5) id += digits[bits & 31];
    return id;
}

error to_error(const database_error& e) {
    switch (e.primary_code()) {
    case SQLITE_CONSTRAINT:
        return {errc::conflict, std::string("The change conflicts with stored data: ") + e.what(), {}};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL: return {errc::unavailable, std::string("The database is full: ") + e.what(), {}};
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY: return {errc::unavailable, std::string("The database is unavailable: ") + e.what(), {}};
    default: return {errc::internal, e.what(), {}};
    }
}

status sql_store::ping() {
    return guarded([&]() -> status {
        auto s = db_.prepare("SELECT 1");
        s.step();
        return scheduler::ok();
    });
}

} // namespace copsched::storage
