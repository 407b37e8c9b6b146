#include "server/inbox/replies_client.hpp"

#include <boost/json.hpp>
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <stdexcept>

namespace copsched::server {
namespace {

namespace json = boost::json;

struct slist_free {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using slist_ptr = std::unique_ptr<curl_slist, slist_free>;

struct answer {
    std::string body;
    std::chrono::seconds retry_after{0};
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<answer*>(user)->body.append(data, size * count);
    return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    std::string line(data, size * count);
    for (auto& c : line) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (line.rfind("retry-after:", 0) == 0) {
        long secs = 0;
        for (char c : line.substr(12))
            if (c >= '0' && c <= '9') secs = std::min(secs * 10 + (c - '0'), 3600L);
        static_cast<answer*>(user)->retry_after = std::chrono::seconds(secs);
    }
    return size * count;
}

std::string field(const json::value& v, const char* key) {
    const auto* o = v.if_object();
    const auto* f = o ? o->if_contains(key) : nullptr;
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
}

} // namespace

replies_api::replies_api(std::string base_url, std::string token, std::chrono::milliseconds timeout)
    : authorization_("Authorization: Bearer " + std::move(token)) {
    while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
    if (base_url.rfind("http://", 0) != 0 && base_url.rfind("https://", 0) != 0)
        throw std::runtime_error("the server URL must start with http:// or https://");
    url_ = base_url + "/api/v1/replies";
    CURL* h = handle_.get();
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<long long>(timeout.count(), 10'000)));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
}

reply_post_outcome replies_api::post(const std::string& raw_ical, const std::string& envelope_to,
                                     const std::string& from, const std::string& message_id,
                                     const std::string& idempotency_key) {
    CURL* h = handle_.get();
    const std::string payload = json::serialize(
        json::object{{"raw_ical", raw_ical}, {"envelope_to", envelope_to}, {"from", from}, {"message_id", message_id}});
    const std::string key_header = "Idempotency-Key: " + idempotency_key;
    slist_ptr headers(curl_slist_append(nullptr, authorization_.c_str()));
    for (const char* line : {"Content-Type: application/json", "Accept: application/json, application/problem+json",
                             "Expect:", key_header.c_str()})
        if (headers) curl_slist_append(headers.get(), line);
    if (!headers) throw std::bad_alloc();
    answer a;
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &a);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, nullptr);

    reply_post_outcome out;
    if (rc != CURLE_OK) {
        out.detail = error[0] ? std::string(error) : std::string(curl_easy_strerror(rc));
        return out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.http_status);
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
