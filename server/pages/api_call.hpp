#pragma once
// The pages act through the API's own handlers, in this process: a page's button runs the
// same route as a client's request would (same validation, authorization, audit trail and
// feed invalidation), as the signed-in organiser or the participant of a personal link.
// Nothing goes over the network; the answer is the response the API would have sent.

#include "scheduler/model.hpp"
#include "server/api/dispatch.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string>

namespace copsched::server::pages {

struct api_answer {
    unsigned status = 0;
    std::string content_type;
    std::string body;
    std::string content_disposition;
    // The body as JSON; null when it is not JSON.
    boost::json::value json() const;
    bool ok() const { return status >= 200 && status < 300; }
    // The problem's detail and the first field problem ("field: problem"), for a note.
    std::string problem_text() const;
    // The status of a page that shows this failed answer: the API's own 4xx or 5xx.
    http::status failed_status() const {
        return status >= 400 && status < 600 ? static_cast<http::status>(status) : http::status::internal_server_error;
    }
    // The status of a page shown again after a form the API refused: the refusal's 4xx, or
    // 500 when the API failed.
    http::status refused_status() const {
        return status >= 400 && status < 500 ? static_cast<http::status>(status) : http::status::internal_server_error;
    }
};

// Runs `method target` (path and query, percent-encoded) of the API route table as
// `caller`, with `body` as application/json unless `content_type` says otherwise. A
// target no route matches answers 404.
task<api_answer> call_api(const request_context& ctx, const scheduler::api_token& caller, http::verb method,
                          std::string target, std::string body = {}, std::string accept = {});

// The caller a personal link acts as: the person's participant identity in its programme
// (id "personal-link", so the audit trail says where a change came from).
scheduler::api_token participant_caller(const scheduler::person& p);

// Percent-encodes `s` for a query value or path segment.
std::string url_encode(std::string_view s);

} // namespace copsched::server::pages
