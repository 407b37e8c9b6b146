#pragma once
// The one place that turns domain errors into HTTP: the status of each scheduler::errc,
// and an RFC 9457 problem+json body with, for validation, errors: [{field, problem}].
// Internal errors and the database's own messages never reach a client.

#include "scheduler/result.hpp"
#include "server/http/problem.hpp"

namespace copsched::server {

// The status a domain error maps to.
http::status status_for(scheduler::errc e) noexcept;

// The error as a client may see it: internal errors and the database's own messages
// (SQL, table and column names) become plain sentences; the originals are logged on
// standard error. A UNIQUE violation on a name, e-mail or slug names that field.
scheduler::error public_error(const scheduler::error& e);

// A problem response for a domain error, made from public_error(e).
response problem(const scheduler::error& e, unsigned version, bool keep_alive);

} // namespace copsched::server
