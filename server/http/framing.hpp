#pragma once
// Request framing checks of RFC 9112 that Boost.Beast 1.81's parser leaves to the server.
//
// Beast already refuses a bad Content-Length (sign, hex, spaces, empty, different
// values), Transfer-Encoding after Content-Length, chunked twice in two fields, bad chunk
// sizes and extensions, bare LF line endings and whitespace before a field's colon. It
// accepts what these functions refuse: codings other than chunked (it then reads no body,
// so the body would be taken for the next request), obs-fold, repeated Content-Length
// fields with one value, Host twice or missing. Every refusal is a 400 after which the
// connection closes: once the framing is in doubt, nothing more on it can be trusted.
// Pure functions; any thread.

#include "server/http/http.hpp"

#include <string>
#include <string_view>

namespace copsched::server {

// The bytes of a request header (request line to the blank line) as received: the
// problem's detail text, or empty. Refuses obs-fold (a field line starting with a space
// or tab), RFC 9112 section 5.2.
std::string raw_header_problem(std::string_view raw);

// The parsed header: the problem's detail text, or empty when the body's length is
// unambiguous (RFC 9112 sections 3.2, 6.1 and 6.3):
// - Transfer-Encoding must be exactly "chunked" (one coding, once; others are not
//   supported), only in HTTP/1.1, and never beside Content-Length;
// - at most one Content-Length field, whose value is decimal digits only (identical
//   duplicates and lists such as "2, 2" are refused too, not collapsed);
// - exactly one Host field in HTTP/1.1 (at most one in HTTP/1.0).
std::string framing_problem(const http::request_header<fields>& h);

} // namespace copsched::server
