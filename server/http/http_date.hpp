#pragma once
// HTTP-dates (RFC 9110 section 5.6.7, IMF-fixdate) for Date and Last-Modified headers.

#include <ctime>
#include <string>

namespace copsched::server {

// An HTTP-date (IMF-fixdate), e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::time_t t);

// The Date header value for now, cached per second and thread. Thread-safe; the text
// is the calling thread's and stays valid until that thread's next call.
const std::string& http_date_now();

} // namespace copsched::server
