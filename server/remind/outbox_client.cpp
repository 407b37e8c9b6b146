#include "server/remind/outbox_client.hpp"

#include <boost/json.hpp>
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <stdexcept>

namespace copsched::server {
namespace {

namespace json = boost::json;

// Longest error text sent back in a failed report.
constexpr std::size_t max_error_text = 1000;

const json::string* string_field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v ? v->if_string() : nullptr;
}

std::string text(const json::object& o, std::string_view key) {
    const auto* s = string_field(o, key);
    return s ? std::string(*s) : std::string();
}

bool read_address(const json::object& o, std::string_view key, mail_address& out) {
    const auto* v = o.if_contains(key);
    const auto* a = v ? v->if_object() : nullptr;
    if (!a || !string_field(*a, "email")) return false;
    out.email = text(*a, "email");
    out.name = text(*a, "name");
    return true;
}

// The problem+json detail (or title) of an error answer, else a short piece of the body.
std::string problem_detail(const std::string& body) {
    json::error_code ec;
    const auto v = json::parse(body, ec);
    if (!ec && v.is_object()) {
        for (auto key : {"detail", "title"})
            if (auto s = text(v.as_object(), key); !s.empty()) return s;
    }
    return body.substr(0, 200);
}

std::string escape_segment(CURL* h, const std::string& s) {
    char* e = curl_easy_escape(h, s.c_str(), static_cast<int>(s.size()));
    if (!e) throw std::bad_alloc();
    std::string out(e);
    curl_free(e);
    return out;
}

} // namespace

std::optional<std::string> parse_claim_answer(std::string_view body, std::vector<reminder_item>& items) {
    items.clear();
    json::error_code ec;
    const auto doc = json::parse(body, ec);
    if (ec || !doc.is_object()) return "the claim answer is not a JSON object";
    const auto* list_v = doc.as_object().if_contains("items");
    const auto* list = list_v ? list_v->if_array() : nullptr;
    if (!list) return "the claim answer has no items array";
    for (const auto& v : *list) {
        const auto* o = v.if_object();
        if (!o || !string_field(*o, "id") || !string_field(*o, "lease_id")) continue;
        reminder_item r;
        r.id = text(*o, "id");
        r.lease_id = text(*o, "lease_id");
        r.kind = text(*o, "kind");
        r.lease_until = text(*o, "lease_until");
        if (const auto* a = o->if_contains("attempt"); a && a->is_int64()) r.attempt = static_cast<int>(a->as_int64());
        r.message_id = text(*o, "message_id");
        r.language = text(*o, "language");
        r.subject = text(*o, "subject");
        r.text = text(*o, "text");
        r.reply_to = text(*o, "reply_to");
        if (!read_address(*o, "from", r.from))
            r.invalid = "from has no email";
        else if (!read_address(*o, "to", r.to))
            r.invalid = "to has no email";
        else if (r.message_id.empty())
            r.invalid = "message_id is missing";
        if (const auto* c = o->if_contains("calendar"); c && !c->is_null()) {
            const auto* cal = c->if_object();
            if (cal && string_field(*cal, "method") && string_field(*cal, "content"))
                r.calendar = mail_calendar{text(*cal, "method"), text(*cal, "content")};
            else if (r.invalid.empty())
                r.invalid = "calendar needs method and content";
        }
        items.push_back(std::move(r));
    }
    return std::nullopt;
}

reminder_api::reminder_api(std::string base_url, std::string token, std::chrono::milliseconds timeout)
    : api_(std::move(base_url), std::move(token), timeout) {}

api_outcome reminder_api::post(const std::string& path, const std::string& payload, std::string& body) {
    auto ex = api_.post(path, payload);
    body = std::move(ex.body);
    api_outcome out;
    if (!ex.completed) {
        out.status = api_status::retry_later;
        out.detail = std::move(ex.error);
        return out;
    }
    out.http_status = ex.http_status;
    out.retry_after = ex.retry_after;
    const long s = out.http_status;
    if (s >= 200 && s <= 299)
        out.status = api_status::ok;
    else if (s == 401 || s == 403)
        out.status = api_status::unauthorized;
    else if (s == 409)
        out.status = api_status::lease_lost;
    else if (s == 429 || s == 502 || s == 503 || s == 504)
        out.status = api_status::retry_later;
    else
        out.status = api_status::failed;
    if (out.status != api_status::ok) out.detail = problem_detail(body);
    return out;
}

api_outcome reminder_api::claim(int limit, std::chrono::seconds lease, std::vector<reminder_item>& items) {
    items.clear();
    std::string body;
    auto out = post("/api/v1/reminders/claim",
                    json::serialize(json::object{{"limit", limit}, {"lease_seconds", lease.count()}}), body);
    if (out.status != api_status::ok) return out;
    if (auto problem = parse_claim_answer(body, items)) {
        out.status = api_status::failed;
        out.detail = *problem;
    }
    return out;
}

api_outcome reminder_api::report_sent(const reminder_item& item) {
    std::string body;
    return post("/api/v1/reminders/" + escape_segment(api_.handle(), item.id) + "/sent",
                json::serialize(json::object{{"message_id", item.message_id}, {"lease_id", item.lease_id}}), body);
}

api_outcome reminder_api::report_failed(const reminder_item& item, std::string_view error, bool permanent) {
    std::string body;
    auto short_error = error.substr(0, max_error_text);
    // Cut between whole UTF-8 characters: the server rejects malformed JSON strings.
    if (short_error.size() < error.size())
        while (!short_error.empty() && (static_cast<unsigned char>(error[short_error.size()]) & 0xC0) == 0x80)
            short_error.remove_suffix(1);
    return post(
        "/api/v1/reminders/" + escape_segment(api_.handle(), item.id) + "/failed",
        json::serialize(json::object{{"error", short_error}, {"permanent", permanent}, {"lease_id", item.lease_id}}),
        body);
}

} // namespace copsched::server
