#pragma once
// The reply job's client for POST /api/v1/replies, over libcurl with one handle kept
// alive (one HTTP connection for the job's life).
//
// Every reply goes with an Idempotency-Key made from the message's bytes, so handing the
// same message in twice (the job was killed after the service answered and before the
// message was marked) replays the first answer: the reply is applied and recorded once.
//
// Not thread-safe: one thread uses a client at a time. The token is sent only in the
// Authorization header and never logged.

#include "server/remind/service_api.hpp"

#include <chrono>
#include <string>

namespace copsched::server {

enum class reply_post_status {
    recorded,     // 201: the service applied or refused it and recorded that
    rejected,     // 4xx other than 401/403/409/429: the body was refused (e.g. not UTF-8); retrying will not help
    unauthorized, // 401 or 403
    retry_later,  // 409 (same key still running), 429, 5xx or no connection
};

struct reply_post_outcome {
    reply_post_status status = reply_post_status::retry_later;
    long http_status = 0;
    std::string state;  // "applied" | "refused" when recorded
    std::string reason; // the refusal reason when refused
    std::string detail; // the service's detail, or libcurl's error
    std::chrono::seconds retry_after{0};
};

class replies_api {
public:
    // Throws std::runtime_error for a base URL that is not http(s)://.
    replies_api(std::string base_url, std::string token, std::chrono::milliseconds timeout);
    replies_api(const replies_api&) = delete;
    replies_api& operator=(const replies_api&) = delete;

    [[nodiscard]] reply_post_outcome post(const std::string& raw_ical, const std::string& envelope_to,
                                          const std::string& from, const std::string& message_id,
                                          const std::string& idempotency_key);

private:
    service_api api_;
};

} // namespace copsched::server
