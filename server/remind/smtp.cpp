#include "server/remind/smtp.hpp"

#include "server/remind/mime.hpp"

#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>

namespace copsched::server {

struct smtp_client_replies {
    std::string last;         // the last reply line
    std::string last_failure; // the last 4xx/5xx reply line: libcurl may QUIT or RSET after it
};

namespace {

struct upload {
    const std::string* data;
    std::size_t offset = 0;
};

std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* u = static_cast<upload*>(user);
    const std::size_t n = std::min(size * count, u->data->size() - u->offset);
    std::memcpy(buffer, u->data->data() + u->offset, n);
    u->offset += n;
    return n;
}

// Keeps the server's last reply line (CURLINFO_HEADER_IN). Only incoming lines are looked
// at: the outgoing ones include AUTH credentials.
int record_reply(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
    if (type != CURLINFO_HEADER_IN) return 0;
    std::string_view line(data, size);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.size() > 512) line = line.substr(0, 512);
    auto* replies = static_cast<smtp_client_replies*>(user);
    replies->last = line;
    if (!line.empty() && (line[0] == '4' || line[0] == '5')) replies->last_failure = line;
    return 0;
}

long as_millis(std::chrono::milliseconds d) { return static_cast<long>(d.count()); }

} // namespace

smtp_client::smtp_client(smtp_options options)
    : options_(std::move(options)), replies_(std::make_unique<smtp_client_replies>()) {
    if (options_.url.rfind("smtp://", 0) != 0 && options_.url.rfind("smtps://", 0) != 0)
        throw std::runtime_error("the SMTP URL must start with smtp:// or smtps://");
    CURL* h = handle_.get();
    curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, as_millis(options_.connect_timeout));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, as_millis(options_.connect_timeout + options_.transfer_timeout));
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     options_.starttls == starttls_mode::required        ? long(CURLUSESSL_ALL)
                     : options_.starttls == starttls_mode::opportunistic ? long(CURLUSESSL_TRY)
                                                                         : long(CURLUSESSL_NONE));
    if (!options_.username.empty()) {
        curl_easy_setopt(h, CURLOPT_USERNAME, options_.username.c_str());
        curl_easy_setopt(h, CURLOPT_PASSWORD, options_.password.c_str());
    }
    // The debug callback is how libcurl hands over the server's reply text; VERBOSE only
    // routes it there, nothing is printed.
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, record_reply);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, replies_.get());
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
}

smtp_client::~smtp_client() = default;

smtp_outcome smtp_client::send(const std::string& envelope_from, const std::string& recipient,
                               const std::string& message) {
    // libcurl writes these into MAIL FROM / RCPT TO as they are: a CR or LF would add commands.
    const auto& sender = options_.envelope_from.empty() ? envelope_from : options_.envelope_from;
    if (!valid_mail_address(sender) || !valid_mail_address(recipient))
        return {false, 0, true, "invalid envelope address"};
    CURL* h = handle_.get();
    const std::string from = "<" + (options_.envelope_from.empty() ? envelope_from : options_.envelope_from) + ">";
    const std::string rcpt = "<" + recipient + ">";
    curl_slist* rcpts = curl_slist_append(nullptr, rcpt.c_str());
    if (!rcpts) return {false, 0, false, "out of memory"};
    upload body{&message};
    char error[CURL_ERROR_SIZE] = {};
    *replies_ = {};
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(h, CURLOPT_READDATA, &body);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(h);
    // The handle must not keep pointers to these locals after this call.
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(h, CURLOPT_READDATA, nullptr);
    curl_slist_free_all(rcpts);

    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    long connects = 0;
    if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK) connections_opened_ += connects;

    smtp_outcome out;
    out.code = code;
    if (rc == CURLE_OK) {
        out.ok = true;
        out.text = replies_->last;
        return out;
    }
    out.permanent = code >= 500 && code <= 599;
    // A reply line that carries the failing code says most; otherwise libcurl's own words.
    if (code >= 400 && replies_->last_failure.rfind(std::to_string(code), 0) == 0)
        out.text = replies_->last_failure;
    else
        out.text = error[0] ? std::string(error) : std::string(curl_easy_strerror(rc));
    return out;
}

} // namespace copsched::server
