#include "server/http/text.hpp"

#include <cstdint>

namespace copsched::server {
namespace {

// The length of the valid UTF-8 sequence at s[i], 0 when there is none.
std::size_t sequence_at(std::string_view s, std::size_t i, std::uint32_t& cp) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > s.size()) return 0;
    cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b >> 6) != 0x2) return 0;
        cp = (cp << 6) | (b & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    constexpr std::uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[len] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
    return len;
}

} // namespace

std::string text_problem(std::string_view s, std::size_t max_chars, bool multiline) {
    std::size_t chars = 0;
    for (std::size_t i = 0; i < s.size(); ++chars) {
        std::uint32_t cp = 0;
        const auto len = sequence_at(s, i, cp);
        if (len == 0) return "is not valid UTF-8";
        if (len == 1 && (cp < 0x20 || cp == 0x7f) && !(multiline && (cp == '\n' || cp == '\t')))
            return multiline ? "contains a control character (only newline and tab are allowed)"
                             : "contains a control character";
        i += len;
    }
    if (chars > max_chars) return "is longer than " + std::to_string(max_chars) + " characters";
    return {};
}

std::string valid_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        std::uint32_t cp = 0;
        if (const auto len = sequence_at(s, i, cp); len > 0) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD"; // U+FFFD REPLACEMENT CHARACTER
            ++i;
        }
    }
    return out;
}

} // namespace copsched::server
