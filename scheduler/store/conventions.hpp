#pragma once
// What every store interface in scheduler/store/ shares. scheduler/store.hpp composes the
// interfaces into `store`; storage/ implements each on SQLite in the file of its concern,
// and a second engine can implement and test them one concern at a time.
//
// Threading: an implementation is bound to one database connection and is only ever
// called by the thread that owns that connection. Callers reach it through a
// store_executor (scheduler/store.hpp), which runs jobs on the right thread; nothing here
// blocks an HTTP I/O thread. Writes need a writable instance (store_executor::write gives
// one); on the read-only instances of store_executor::read they fail.
//
// Ownership: arguments are only read during the call; every answer is a value the caller
// owns. No interface keeps a reference to an argument after the call.
//
// Errors: each method says when it gives errc::not_found, errc::conflict,
// errc::invalid_input or errc::precondition_failed. Any method may also give
// errc::unavailable (the database is busy or cannot be reached) or errc::internal (an
// unexpected storage failure).

#include "scheduler/result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace copsched::scheduler {

// Keyset pagination over ids (ids are opaque and unique; order is by id). `after` is
// the last id of the previous page; `limit` is already clamped by the caller.
struct page_request {
    std::optional<std::string> after;
    std::size_t limit = 50;
};

template <class T>
struct page {
    std::vector<T> items;
    std::optional<std::string> next_cursor; // the last id when more may follow
};

// Version check for updates and deletes: nullopt = unconditional; otherwise the
// stored version must equal it (If-Match), else errc::precondition_failed.
using expected_version = std::optional<int>;

// The error for an expected_version that names an older version than the stored one.
inline error stale_version(std::int64_t stored_version) {
    return {errc::precondition_failed,
            "The resource has changed (version " + std::to_string(stored_version) + "); fetch it again and retry.",
            {}};
}

} // namespace copsched::scheduler
