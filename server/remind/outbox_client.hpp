#pragma once
// The reminder job's client for the service's outbox API (POST /api/v1/reminders/claim,
// /{id}/sent, /{id}/failed), over libcurl with one handle kept alive, so every call after
// the first reuses the same HTTP connection.
//
// Not thread-safe: one thread uses a client at a time. The token is sent only in the
// Authorization header and never logged.

#include "server/remind/mime.hpp"
#include "server/remind/service_api.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::server {

// One claimed outbox message, as the claim answer describes it.
struct reminder_item {
    std::string id;
    std::string kind;     // invitation | update | cancellation | reminder
    std::string lease_id; // echoed in the sent/failed report
    std::string lease_until;
    int attempt = 0;
    std::string message_id;
    mail_address from;
    mail_address to;
    std::string reply_to; // the tagged reply mailbox of an invitation; empty: none
    std::string language;
    std::string subject;
    std::string text;
    std::optional<mail_calendar> calendar;
    std::string invalid; // non-empty: the item has an id and lease but cannot be read; why
};

enum class api_status {
    ok,
    lease_lost,   // 409 on a report: another job holds the message now
    unauthorized, // 401 or 403: the token is wrong; retrying will not help
    retry_later,  // 429, 502, 503, 504 or no connection: back off and try again
    failed,       // any other answer, or an unreadable one
};

struct api_outcome {
    api_status status = api_status::failed;
    long http_status = 0;                // 0 when no answer came
    std::string detail;                  // problem+json detail/title, or libcurl's error
    std::chrono::seconds retry_after{0}; // from a Retry-After header in seconds; 0 when absent
};

// Reads a claim answer into `items` (replacing them). Items without an id or lease_id are
// dropped (nothing can be reported for them); other unreadable items are kept with
// `invalid` set. Returns the error text when the document itself is not a claim answer.
[[nodiscard]] std::optional<std::string> parse_claim_answer(std::string_view json, std::vector<reminder_item>& items);

class reminder_api {
public:
    // base_url: "http://host:port" (a trailing '/' is ignored). Throws std::runtime_error
    // when the URL is not http(s):// or libcurl cannot make a handle.
    reminder_api(std::string base_url, std::string token, std::chrono::milliseconds timeout);
    reminder_api(const reminder_api&) = delete;
    reminder_api& operator=(const reminder_api&) = delete;

    // Claims up to `limit` due messages, leased for `lease`.
    [[nodiscard]] api_outcome claim(int limit, std::chrono::seconds lease, std::vector<reminder_item>& items);
    [[nodiscard]] api_outcome report_sent(const reminder_item& item);
    [[nodiscard]] api_outcome report_failed(const reminder_item& item, std::string_view error, bool permanent);

private:
    [[nodiscard]] api_outcome post(const std::string& path, const std::string& json, std::string& body);

    service_api api_;
};

} // namespace copsched::server
