#pragma once
// The mail jobs' HTTP client of the service's JSON API (copsched remind's reminder_api,
// server/remind/outbox_client.hpp, and copsched inbox's replies_api,
// server/inbox/replies_client.hpp): one libcurl handle kept alive for the job's life (one
// connection), the bearer token in the Authorization header only, a JSON body POSTed, the
// answer's status, body and Retry-After (delta-seconds; an HTTP date reads as 0, so the job
// uses its own back-off). What an answer means is the caller's.
//
// Not thread-safe: one thread uses a client at a time.

#include "server/remind/curl_handle.hpp"

#include <chrono>
#include <initializer_list>
#include <string>

namespace copsched::server {

// One POST's outcome: an HTTP answer (`completed`), or libcurl's reason why none came.
struct api_exchange {
    bool completed = false;
    std::string error; // libcurl's error text when not completed
    long http_status = 0;
    std::string body;
    std::chrono::seconds retry_after{0};
};

class service_api {
public:
    // base_url: "http://host:port" (a trailing '/' is ignored). Throws std::runtime_error
    // when the URL is not http(s):// or libcurl cannot make a handle.
    service_api(std::string base_url, std::string token, std::chrono::milliseconds timeout);
    service_api(const service_api&) = delete;
    service_api& operator=(const service_api&) = delete;

    // POSTs `payload` (JSON) to base URL + `path`, with `extra_headers` ("Name: value").
    [[nodiscard]] api_exchange post(const std::string& path, const std::string& payload,
                                    std::initializer_list<const char*> extra_headers = {});
    // The CURL* (e.g. for curl_easy_escape).
    [[nodiscard]] void* handle() const noexcept { return handle_.get(); }

private:
    std::string base_url_; // constant after construction
    std::string authorization_;
    curl_handle handle_;
};

} // namespace copsched::server
