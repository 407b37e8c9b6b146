#pragma once
// Content negotiation for compressed answers: which content coding a request's
// Accept-Encoding prefers (RFC 9110, 12.5.3). Pure functions, callable from any thread.

#include <string_view>

namespace copsched::server {

enum class content_coding { identity, gzip };

// The coding to answer with when the server has both identity and gzip: gzip when its
// quality ("gzip", "x-gzip", else "*") is above 0 and not below a quality the client
// states for identity ("identity", else "*"); identity otherwise. No header, an empty
// header, "gzip;q=0" or a malformed entry give identity: a client gets compressed bytes
// only when it asked for them.
content_coding preferred_coding(std::string_view accept_encoding) noexcept;

} // namespace copsched::server
