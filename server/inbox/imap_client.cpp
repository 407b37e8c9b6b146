#include "server/inbox/imap_client.hpp"

#include <curl/curl.h>

#include <charconv>
#include <stdexcept>

namespace copsched::server {
namespace {

std::size_t on_data(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

struct bounded_body {
    std::string* out;
    std::size_t max;
    bool too_large = false;
};

// Returning less than given makes libcurl stop the transfer (CURLE_WRITE_ERROR).
std::size_t on_bounded_data(char* data, std::size_t size, std::size_t count, void* user) {
    auto* b = static_cast<bounded_body*>(user);
    if (b->out->size() + size * count > b->max) {
        b->too_large = true;
        return 0;
    }
    b->out->append(data, size * count);
    return size * count;
}

// The numbers after "* SEARCH" in the untagged lines.
std::vector<std::uint32_t> search_numbers(const std::string& text) {
    std::vector<std::uint32_t> out;
    std::size_t at = 0;
    while ((at = text.find("* SEARCH", at)) != std::string::npos) {
        at += 8;
        const auto end = text.find('\n', at);
        const auto line = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
        const char* p = line.data();
        const char* e = p + line.size();
        while (p < e) {
            while (p < e && (*p < '0' || *p > '9')) ++p;
            std::uint32_t n = 0;
            const auto [q, ec] = std::from_chars(p, e, n);
            if (ec == std::errc{}) out.push_back(n);
            p = q == p ? p + 1 : q;
        }
    }
    return out;
}

// The number after `name ` in `s` from `from`, or false.
bool number_after(const std::string& s, std::string_view name, std::size_t from, std::size_t to, std::uint64_t& out) {
    const auto at = s.find(name, from);
    if (at == std::string::npos || at >= to) return false;
    const char* p = s.data() + at + name.size();
    while (*p == ' ') ++p;
    const auto [q, ec] = std::from_chars(p, s.data() + to, out);
    return ec == std::errc{} && q != p;
}

// "1,2,5" for a UID set; the lists are a round's (at most inbox_max_batch UIDs).
std::string uid_set(const std::vector<std::uint32_t>& uids) {
    std::string set;
    for (auto u : uids) {
        if (!set.empty()) set += ',';
        set += std::to_string(u);
    }
    return set;
}

} // namespace

imap_client::imap_client(imap_options o) : o_(std::move(o)) {
    if (o_.url.rfind("imap://", 0) != 0 && o_.url.rfind("imaps://", 0) != 0)
        throw std::runtime_error("the IMAP URL must start with imap:// or imaps://");
    mailbox_url_ = o_.url;
    while (!mailbox_url_.empty() && mailbox_url_.back() == '/') mailbox_url_.pop_back();
    const auto scheme_end = mailbox_url_.find("://") + 3;
    if (mailbox_url_.find('/', scheme_end) == std::string::npos) mailbox_url_ += "/INBOX";
    CURL* h = handle_.get();
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "imap,imaps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(o_.timeout.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<long long>(o_.timeout.count(), 10'000)));
    if (!o_.username.empty()) {
        curl_easy_setopt(h, CURLOPT_USERNAME, o_.username.c_str());
        curl_easy_setopt(h, CURLOPT_PASSWORD, o_.password.c_str());
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
}

imap_outcome imap_client::command(const std::string& request, std::string& untagged) {
    CURL* h = handle_.get();
    untagged.clear();
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(h, CURLOPT_URL, mailbox_url_.c_str());
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.c_str());
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &untagged);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, nullptr);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    if (rc != CURLE_OK) return {false, error[0] ? std::string(error) : std::string(curl_easy_strerror(rc))};
    return {true, {}};
}

imap_outcome imap_client::unhandled(std::vector<std::uint32_t>& uids) {
    std::string untagged;
    auto r = command(std::string("UID SEARCH UNDELETED UNKEYWORD ") + inbox_done_keyword + " UNKEYWORD " +
                         inbox_skipped_keyword,
                     untagged);
    uids = r.ok ? search_numbers(untagged) : std::vector<std::uint32_t>{};
    return r;
}

imap_outcome imap_client::sizes(const std::vector<std::uint32_t>& uids, std::map<std::uint32_t, std::uint64_t>& out) {
    out.clear();
    if (uids.empty()) return {true, {}};
    std::string untagged;
    auto r = command("UID FETCH " + uid_set(uids) + " (UID RFC822.SIZE)", untagged);
    if (!r.ok) return r;
    // "* 3 FETCH (UID 17 RFC822.SIZE 1234)", one per line, in any order of the items.
    std::size_t at = 0;
    while ((at = untagged.find("FETCH (", at)) != std::string::npos) {
        const auto end = untagged.find(')', at);
        if (end == std::string::npos) break;
        std::uint64_t uid = 0, size = 0;
        if (number_after(untagged, "UID", at, end, uid) && number_after(untagged, "RFC822.SIZE", at, end, size))
            out[static_cast<std::uint32_t>(uid)] = size;
        at = end;
    }
    return r;
}

imap_outcome imap_client::fetch(std::uint32_t uid, std::string& message, std::size_t max_bytes) {
    CURL* h = handle_.get();
    message.clear();
    bounded_body body{&message, max_bytes};
    // libcurl's IMAP URL: ";UID=n" fetches BODY[] ("/;SECTION=" narrows it); PEEK is not
    // spelt in URLs, so the message may become \Seen: the keywords, not \Seen, are the record.
    const std::string url = mailbox_url_ + "/;UID=" + std::to_string(uid);
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_bounded_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    if (body.too_large) return {false, "more than " + std::to_string(max_bytes) + " bytes", true};
    if (rc != CURLE_OK) return {false, error[0] ? std::string(error) : std::string(curl_easy_strerror(rc))};
    return {true, {}};
}

imap_outcome imap_client::mark(const std::vector<std::uint32_t>& uids, const char* keyword,
                               const std::string& move_to) {
    if (uids.empty()) return {true, {}};
    const std::string set = uid_set(uids);
    std::string untagged;
    // The keyword first, also before a move: a server that copies but fails to expunge
    // leaves the originals marked as handled. A server without keywords refuses the STORE;
    // with --move-to the move alone then records the messages as handled.
    auto r = command("UID STORE " + set + " +FLAGS.SILENT (" + keyword + ")", untagged);
    if (move_to.empty()) return r;
    return command("UID MOVE " + set + " \"" + move_to + "\"", untagged);
}

} // namespace copsched::server
