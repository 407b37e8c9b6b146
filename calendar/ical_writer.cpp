#include "calendar/ical_writer_internal.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace copsched::calendar::detail {
namespace {

using scheduler::error;
using scheduler::result;

// RFC 5545 3.1: a physical line is at most 75 octets, not counting its CRLF.
constexpr std::size_t max_line_octets = 75;

constexpr std::string_view replacement_character = "\xEF\xBF\xBD"; // U+FFFD

// Octets at line[i] that a fold must not separate: an escape pair or one UTF-8 character.
// A '\' before a non-ASCII byte (possible in parameter values, which have no escapes)
// stands alone so the character after it stays whole. The line is our own output, so it
// is well-formed UTF-8.
std::size_t unit_length(std::string_view line, std::size_t i) {
    const auto b = static_cast<unsigned char>(line[i]);
    const bool escape_pair = b == '\\' && i + 1 < line.size() && static_cast<unsigned char>(line[i + 1]) < 0x80;
    const std::size_t length = escape_pair ? 2 : b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    return std::min(length, line.size() - i);
}

std::string field(std::string_view prefix, std::string_view member) {
    return std::string(prefix) + std::string(member);
}

bool is_uri_text(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

} // namespace

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto lead = static_cast<unsigned char>(s[i]);
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    unsigned char second_min = 0x80, second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) second_min = 0xA0;
        if (lead == 0xED) second_max = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) second_min = 0x90;
        if (lead == 0xF4) second_max = 0x8F;
    } else {
        return 0;
    }
    if (s.size() - i < length) return 0;
    const auto second = static_cast<unsigned char>(s[i + 1]);
    if (second < second_min || second > second_max) return 0;
    for (std::size_t k = 2; k < length; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if (b < 0x80 || b > 0xBF) return 0;
    }
    return length;
}

void append_text(std::string& out, std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        switch (c) {
        case '\\':
            out += "\\\\";
            ++i;
            continue;
        case ';':
            out += "\\;";
            ++i;
            continue;
        case ',':
            out += "\\,";
            ++i;
            continue;
        case '\n':
            out += "\\n";
            ++i;
            continue;
        case '\r': // CRLF or a lone CR: one line break
            out += "\\n";
            i += i + 1 < text.size() && text[i + 1] == '\n' ? 2 : 1;
            continue;
        case '\t':
            out += c;
            ++i;
            continue;
        default: break;
        }
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) { // RFC 5545 TEXT admits no other control character
            ++i;
            continue;
        }
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            out += replacement_character; // for one stray byte
            ++i;
            continue;
        }
        out.append(text, i, length);
        i += length;
    }
}

void append_param_value(std::string& out, std::string_view text) {
    std::string value;
    bool printable = false;
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\r') { // CRLF or a lone CR: one space
            value += ' ';
            i += i + 1 < text.size() && text[i + 1] == '\n' ? 2 : 1;
            continue;
        }
        if (c == '\n' || c == '\t') {
            value += ' ';
            ++i;
            continue;
        }
        if (byte < 0x20 || byte == 0x7F) { // no control character is a QSAFE-CHAR
            ++i;
            continue;
        }
        printable |= c != ' ';
        if (c == '"') {
            value += '\''; // no escape exists for '"' outside RFC 6868
            ++i;
            continue;
        }
        if (c == '^') { // RFC 6868: "^^" is one '^'; a bare "^n" would read as a line break
            value += "^^";
            ++i;
            continue;
        }
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            value += replacement_character;
            ++i;
            continue;
        }
        value.append(text, i, length);
        i += length;
    }
    if (!printable) return;
    const bool quote = value.find_first_of(":;,") != std::string::npos;
    if (quote) out += '"';
    out += value;
    if (quote) out += '"';
}

void append_folded(std::string& out, std::string_view line) {
    if (line.size() <= max_line_octets) {
        out += line;
        out += "\r\n";
        return;
    }
    std::size_t width = 0;
    for (std::size_t i = 0; i < line.size();) {
        const std::size_t length = unit_length(line, i);
        if (width + length > max_line_octets) {
            out += "\r\n ";
            width = 1;
        }
        out.append(line, i, length);
        width += length;
        i += length;
    }
    out += "\r\n";
}

void ical_writer::line(std::string_view name, std::string_view value) {
    line_.assign(name);
    line_ += ':';
    line_ += value;
    append_folded(out_, line_);
}

namespace {

// True when an escaped TEXT value is empty or only spaces and tabs: libical drops the
// blanks at the end of a value and then reports "LOCATION:" with nothing after the colon as
// an X-LIC-ERROR, so such values are left out (found by tests/fuzz, fuzz_feed_writer).
bool blank(std::string_view escaped) { return escaped.find_first_not_of(" \t") == std::string_view::npos; }

} // namespace

// A value that is blank once control characters are dropped leaves the line out.
void ical_writer::text(std::string_view name, std::string_view value) {
    line_.assign(name);
    line_ += ':';
    append_text(line_, value);
    if (!blank(std::string_view(line_).substr(name.size() + 1))) append_folded(out_, line_);
}

void ical_writer::text_list(std::string_view name, const std::vector<std::string>& values) {
    line_.assign(name);
    line_ += ':';
    bool any = false;
    for (const auto& v : values) {
        const std::size_t before = line_.size();
        if (any) line_ += ',';
        const std::size_t value_start = line_.size();
        append_text(line_, v);
        if (blank(std::string_view(line_).substr(value_start))) { // as text() leaves it out
            line_.resize(before);
            continue;
        }
        any = true;
    }
    if (any) append_folded(out_, line_);
}

// parse_date and parse_local_time accept only four-digit years, so the buffers are large
// enough.
std::string basic_date(const scheduler::civil_date& d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d%02d%02d", d.year, d.month, d.day);
    return buf;
}

std::string basic_time(const scheduler::civil_time& t) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d", t.date.year, t.date.month, t.date.day, t.hour, t.minute,
                  t.second);
    return buf;
}

std::string_view status_name(scheduler::event_status s) {
    switch (s) {
    case scheduler::event_status::tentative: return "TENTATIVE";
    case scheduler::event_status::confirmed: return "CONFIRMED";
    case scheduler::event_status::cancelled: return "CANCELLED";
    }
    return "CONFIRMED"; // not reached: every enumerator is handled above
}

result<checked_item> check_item(const feed_item& item, std::string_view prefix, std::string_view zone) {
    std::string uid_text;
    append_text(uid_text, item.uid);
    if (blank(uid_text)) return error::invalid(field(prefix, "uid"), "must not be empty");
    if (item.sequence < 0) return error::invalid(field(prefix, "sequence"), "must not be negative");
    const auto stamp = scheduler::parse_instant(item.stamp_utc);
    if (!stamp) return error::invalid(field(prefix, "stamp_utc"), "must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
    checked_item out;
    out.stamp = basic_time(scheduler::civil_from_seconds(*stamp)) + "Z";

    if (item.all_day) {
        const auto start = scheduler::parse_date(item.start_local);
        if (!start)
            return error::invalid(field(prefix, "start_local"), "must be a date YYYY-MM-DD for an all-day item");
        const auto end = scheduler::parse_date(item.end_local);
        if (!end)
            return error::invalid(field(prefix, "end_local"),
                                  "must be a date YYYY-MM-DD (exclusive) for an all-day item");
        if (*end <= *start)
            return error::invalid(field(prefix, "end_local"), "must be after start_local (the end date is exclusive)");
        out.start_name = "DTSTART;VALUE=DATE";
        out.end_name = "DTEND;VALUE=DATE";
        out.start = basic_date(*start);
        out.end = basic_date(*end);
    } else {
        const auto start = scheduler::parse_local_time(item.start_local);
        if (!start)
            return error::invalid(field(prefix, "start_local"),
                                  "must be a local time YYYY-MM-DDTHH:MM for a timed item");
        const auto end = scheduler::parse_local_time(item.end_local);
        if (!end)
            return error::invalid(field(prefix, "end_local"), "must be a local time YYYY-MM-DDTHH:MM for a timed item");
        if (*end <= *start) return error::invalid(field(prefix, "end_local"), "must be after start_local");
        const std::string tzid = ";TZID=" + std::string(zone);
        out.start_name = "DTSTART" + tzid;
        out.end_name = "DTEND" + tzid;
        out.start = basic_time(*start);
        out.end = basic_time(*end);
    }

    if (!is_uri_text(item.url))
        return error::invalid(field(prefix, "url"), "must be printable ASCII without spaces (percent-encode the rest)");
    return out;
}

void write_item_properties(ical_writer& w, const feed_item& item, const checked_item& checked, bool last_modified,
                           std::string_view status) {
    w.text("UID", item.uid);
    w.line("SEQUENCE", std::to_string(item.sequence));
    w.line("DTSTAMP", checked.stamp);
    if (last_modified) w.line("LAST-MODIFIED", checked.stamp);
    w.line(checked.start_name, checked.start);
    w.line(checked.end_name, checked.end);
    if (!item.summary.empty()) w.text("SUMMARY", item.summary);
    if (!item.description.empty()) w.text("DESCRIPTION", item.description);
    if (!item.location.empty()) w.text("LOCATION", item.location);
    if (!item.url.empty()) w.line("URL", item.url);
    w.text_list("CATEGORIES", item.categories);
    w.line("STATUS", status);
}

} // namespace copsched::calendar::detail
