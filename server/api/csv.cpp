#include "server/api/csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <system_error>

namespace copsched::server {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// An optional '-', digits, and optionally one '.' or ',' followed by digits.
bool is_plain_number(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && s[i] == '-') ++i;
    const std::size_t int_start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == int_start) return false;
    if (i == s.size()) return true;
    if (s[i] != '.' && s[i] != ',') return false;
    const std::size_t frac_start = ++i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i > frac_start && i == s.size();
}

// What a spreadsheet would evaluate as a formula (or a DDE command) when the field starts so.
bool starts_like_formula(std::string_view s) {
    if (s.empty()) return false;
    switch (s.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r': return !is_plain_number(s);
    default: return false;
    }
}

void append_field(std::string& out, std::string_view field, char delimiter) {
    const bool guard = starts_like_formula(field);
    const bool quote = field.find_first_of(std::string{delimiter, '"', '\r', '\n'}) != std::string_view::npos;
    if (quote) out += '"';
    if (guard) out += '\'';
    for (const char c : field) {
        if (c == '"') out += '"';
        out += c;
    }
    if (quote) out += '"';
}

} // namespace

std::string csv_document(const std::vector<std::vector<std::string>>& rows, char delimiter) {
    std::string out = "\xEF\xBB\xBF";
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (i > 0) out += delimiter;
            append_field(out, row[i], delimiter);
        }
        out += "\r\n";
    }
    return out;
}

std::string csv_number(double value, int decimals, char decimal_separator) {
    if (!std::isfinite(value)) return {};
    decimals = std::clamp(decimals, 0, 15);
    char buf[400]; // DBL_MAX in fixed notation has 309 digits
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, decimals);
    if (ec != std::errc{}) return {};
    std::string text(buf, end);
    if (text.front() == '-' && text.find_first_not_of("-0.") == std::string::npos) text.erase(0, 1);
    std::replace(text.begin(), text.end(), '.', decimal_separator);
    return text;
}

} // namespace copsched::server
