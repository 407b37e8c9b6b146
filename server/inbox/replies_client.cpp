#include "server/inbox/replies_client.hpp"

#include <boost/json.hpp>

namespace copsched::server {
namespace {

namespace json = boost::json;

std::string field(const json::value& v, const char* key) {
    const auto* o = v.if_object();
    const auto* f = o ? o->if_contains(key) : nullptr;
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
}

} // namespace

replies_api::replies_api(std::string base_url, std::string token, std::chrono::milliseconds timeout)
    : api_(std::move(base_url), std::move(token), timeout) {}

reply_post_outcome replies_api::post(const std::string& raw_ical, const std::string& envelope_to,
                                     const std::string& from, const std::string& message_id,
                                     const std::string& idempotency_key) {
    const std::string payload = json::serialize(
        json::object{{"raw_ical", raw_ical}, {"envelope_to", envelope_to}, {"from", from}, {"message_id", message_id}});
    const std::string key_header = "Idempotency-Key: " + idempotency_key;
    const auto a = api_.post("/api/v1/replies", payload, {key_header.c_str()});
    reply_post_outcome out;
    if (!a.completed) {
        out.detail = a.error;
        return out;
    }
    out.http_status = a.http_status;
    out.retry_after = a.retry_after;
    json::error_code ec;
    const auto doc = json::parse(a.body, ec);
    const long s = out.http_status;
    if (s >= 200 && s <= 299) {
        out.status = reply_post_status::recorded;
        out.state = field(doc, "state");
        out.reason = field(doc, "reason");
        out.detail = field(doc, "detail");
        return out;
    }
    out.detail = field(doc, "detail");
    if (out.detail.empty()) out.detail = field(doc, "title");
    if (!ec)
        if (const auto* o = doc.if_object())
            if (const auto* errs = o->if_contains("errors"); errs && errs->is_array() && !errs->get_array().empty())
                out.detail +=
                    " (" + field(errs->get_array()[0], "field") + ": " + field(errs->get_array()[0], "problem") + ")";
    if (s == 401 || s == 403)
        out.status = reply_post_status::unauthorized;
    else if (s == 409 || s == 429 || s >= 500)
        out.status = reply_post_status::retry_later;
    else
        out.status = reply_post_status::rejected;
    return out;
}

} // namespace copsched::server
