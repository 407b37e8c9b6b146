#include "server/http/http_date.hpp"

#include <ctime>

namespace copsched::server {

std::string http_date(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    return std::string(buf, std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm));
}

const std::string& http_date_now() {
    thread_local std::time_t cached_second = 0;
    thread_local std::string cached;
    const std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        cached = http_date(now);
        cached_second = now;
    }
    return cached;
}

} // namespace copsched::server
