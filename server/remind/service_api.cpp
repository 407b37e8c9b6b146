#include "server/remind/service_api.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <stdexcept>
#include <string_view>

namespace copsched::server {
namespace {

struct slist_free {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using slist_ptr = std::unique_ptr<curl_slist, slist_free>;

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<api_exchange*>(user)->body.append(data, size * count);
    return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    const std::string_view line(data, size * count);
    constexpr std::string_view name = "retry-after:";
    if (line.size() > name.size()) {
        bool match = true;
        for (std::size_t i = 0; i < name.size() && match; ++i)
            match = std::tolower(static_cast<unsigned char>(line[i])) == name[i];
        if (match) {
            long secs = 0;
            for (char c : line.substr(name.size())) {
                if (c >= '0' && c <= '9')
                    secs = std::min(secs * 10 + (c - '0'), 3600L);
                else if (c != ' ' && c != '\r' && c != '\n') {
                    secs = 0;
                    break;
                } // an HTTP date: use our own back-off
            }
            static_cast<api_exchange*>(user)->retry_after = std::chrono::seconds(secs);
        }
    }
    return size * count;
}

} // namespace

service_api::service_api(std::string base_url, std::string token, std::chrono::milliseconds timeout)
    : base_url_(std::move(base_url)), authorization_("Authorization: Bearer " + std::move(token)) {
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
    if (base_url_.rfind("http://", 0) != 0 && base_url_.rfind("https://", 0) != 0)
        throw std::runtime_error("the server URL must start with http:// or https://");
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

api_exchange service_api::post(const std::string& path, const std::string& payload,
                               std::initializer_list<const char*> extra_headers) {
    CURL* h = handle_.get();
    api_exchange out;
    slist_ptr headers(curl_slist_append(nullptr, authorization_.c_str()));
    for (const char* line :
         {"Content-Type: application/json", "Accept: application/json, application/problem+json", "Expect:"})
        if (headers) curl_slist_append(headers.get(), line);
    for (const char* line : extra_headers)
        if (headers) curl_slist_append(headers.get(), line);
    if (!headers) throw std::bad_alloc();
    const std::string url = base_url_ + path;
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &out);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, nullptr);
    if (rc != CURLE_OK) {
        out.error = error[0] ? std::string(error) : std::string(curl_easy_strerror(rc));
        return out;
    }
    out.completed = true;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.http_status);
    return out;
}

} // namespace copsched::server
