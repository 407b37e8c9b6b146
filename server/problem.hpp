#pragma once
// The one place that turns errors into HTTP: RFC 9457 application/problem+json bodies
// with type, title, status, detail and, for validation, errors: [{field, problem}].

#include "scheduler/result.hpp"
#include "server/http.hpp"

#include <boost/json/value.hpp>

#include <string>

namespace copsched::server {

// The status a domain error maps to.
http::status status_for(scheduler::errc e) noexcept;

// The error as a client may see it: internal errors and the database's own messages
// (SQL, table and column names) become plain sentences; the originals are logged on
// standard error. A UNIQUE violation on a name, e-mail or slug names that field.
scheduler::error public_error(const scheduler::error& e);

// A problem response for a domain error, made from public_error(e).
response problem(const scheduler::error& e, unsigned version, bool keep_alive);

// A problem response for an HTTP-level failure (404, 405, 413, ...). `extra` members
// (an object) are merged into the body.
response problem(http::status s, std::string detail, unsigned version, bool keep_alive,
                 const boost::json::value& extra = nullptr);

// A JSON response.
response json_response(http::status s, const boost::json::value& body, unsigned version, bool keep_alive);

} // namespace copsched::server
