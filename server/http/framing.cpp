#include "server/http/framing.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace copsched::server {
namespace {

std::string_view trim(std::string_view s) {
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

// The codings of every Transfer-Encoding field, in order; empty list elements skipped
// (RFC 9110 section 5.6.1).
std::vector<std::string_view> transfer_codings(const http::request_header<fields>& h) {
    std::vector<std::string_view> out;
    const auto [first, last] = h.equal_range(http::field::transfer_encoding);
    for (auto f = first; f != last; ++f) {
        std::string_view v = f->value();
        for (;;) {
            const auto comma = v.find(',');
            if (auto item = trim(v.substr(0, comma)); !item.empty()) out.push_back(item);
            if (comma == std::string_view::npos) break;
            v.remove_prefix(comma + 1);
        }
    }
    return out;
}

std::string transfer_encoding_problem(const http::request_header<fields>& h) {
    if (h.version() < 11) return "Transfer-Encoding is not allowed in an HTTP/1.0 request.";
    if (h.count(http::field::content_length) > 0)
        return "The request has both Transfer-Encoding and Content-Length, so its length is ambiguous.";
    const auto codings = transfer_codings(h);
    const auto is_chunked = [](std::string_view c) { return boost::beast::iequals(c, "chunked"); };
    if (codings.empty() || !is_chunked(codings.back()))
        return "Transfer-Encoding must end with chunked, or the request's length is unknown.";
    if (const auto other = std::find_if_not(codings.begin(), codings.end(), is_chunked); other != codings.end())
        return "The transfer coding '" + std::string(other->substr(0, 40)) + "' is not supported; only chunked is.";
    if (codings.size() > 1) return "The chunked transfer coding may be applied only once.";
    return {};
}

} // namespace

std::string raw_header_problem(std::string_view raw) {
    // A line break followed by a space or tab starts a folded line; the final blank line
    // is "\r\n\r\n", never followed by whitespace inside the header.
    for (auto at = raw.find('\n'); at != std::string_view::npos && at + 1 < raw.size(); at = raw.find('\n', at + 1))
        if (raw[at + 1] == ' ' || raw[at + 1] == '\t')
            return "A header field line starts with whitespace (obs-fold), which RFC 9112 does not allow.";
    return {};
}

std::string framing_problem(const http::request_header<fields>& h) {
    // One pass over the fields: this runs for every request, and each count() by name
    // searches the fields' tree.
    std::size_t hosts = 0, encodings = 0, lengths = 0;
    std::string_view length;
    for (const auto& f : h) {
        switch (f.name()) {
        case http::field::host: ++hosts; break;
        case http::field::transfer_encoding: ++encodings; break;
        case http::field::content_length:
            ++lengths;
            length = f.value();
            break;
        default: break;
        }
    }
    if (hosts > 1) return "The request has more than one Host field.";
    if (hosts == 0 && h.version() >= 11) return "An HTTP/1.1 request must have a Host field.";
    if (encodings > 0) return transfer_encoding_problem(h);
    if (lengths > 1) return "The request has more than one Content-Length field.";
    if (lengths == 1) {
        const auto v = trim(length);
        if (v.empty() || v.size() > 18 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return "Content-Length must be a decimal number of bytes.";
    }
    return {};
}

} // namespace copsched::server
