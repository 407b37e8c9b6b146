#pragma once
// RFC 9457 application/problem+json bodies (type, title, status, detail and any extra
// members) and plain JSON responses. Knows HTTP only: domain errors become problems in
// server/api/errors.hpp.

#include "server/http/http.hpp"

#include <boost/json/value.hpp>

#include <string>

namespace copsched::server {

// A problem response for an HTTP-level failure (404, 405, 413, ...). `extra` members
// (an object) are merged into the body.
response problem(http::status s, std::string detail, unsigned version, bool keep_alive,
                 const boost::json::value& extra = nullptr);

// A JSON response.
response json_response(http::status s, const boost::json::value& body, unsigned version, bool keep_alive);

} // namespace copsched::server
