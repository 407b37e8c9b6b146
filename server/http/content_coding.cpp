#include "server/http/content_coding.hpp"

#include <algorithm>
#include <optional>

namespace copsched::server {
namespace {

constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
std::optional<int> parse_qvalue(std::string_view s) noexcept {
    if (s.empty() || (s[0] != '0' && s[0] != '1')) return std::nullopt;
    int q = (s[0] - '0') * 1000;
    if (s.size() == 1) return q;
    if (s[1] != '.' || s.size() > 5) return std::nullopt;
    int scale = 100;
    for (std::size_t i = 2; i < s.size(); ++i, scale /= 10) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        q += (s[i] - '0') * scale;
    }
    if (q > 1000) return std::nullopt;
    return q;
}

} // namespace

content_coding preferred_coding(std::string_view accept_encoding) noexcept {
    std::optional<int> gzip, identity, any; // qualities in thousandths
    while (!accept_encoding.empty()) {
        const auto comma = accept_encoding.find(',');
        auto item = accept_encoding.substr(0, comma);
        accept_encoding = comma == std::string_view::npos ? std::string_view{} : accept_encoding.substr(comma + 1);
        const auto semi = item.find(';');
        const auto coding = trim(item.substr(0, semi));
        if (coding.empty()) continue;
        std::optional<int> q = 1000;
        if (semi != std::string_view::npos) {
            // Only the weight is defined as a parameter: "q=" value; anything else is malformed.
            const auto param = trim(item.substr(semi + 1));
            const auto eq = param.find('=');
            if (eq == std::string_view::npos || !iequals(trim(param.substr(0, eq)), "q")) continue;
            q = parse_qvalue(trim(param.substr(eq + 1)));
            if (!q) continue;
        }
        if (iequals(coding, "gzip") || iequals(coding, "x-gzip"))
            gzip = gzip ? std::max(*gzip, *q) : *q;
        else if (iequals(coding, "identity"))
            identity = *q;
        else if (coding == "*")
            any = *q;
    }
    const int gzip_q = gzip.value_or(any.value_or(0));
    // Identity is acceptable unless refused, but outranks gzip only when the client says so.
    const int identity_q = identity.value_or(any.value_or(0));
    return gzip_q > 0 && gzip_q >= identity_q ? content_coding::gzip : content_coding::identity;
}

} // namespace copsched::server
