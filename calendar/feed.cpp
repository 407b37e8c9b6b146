#include "calendar/feed.hpp"

#include "calendar/vtimezone.hpp"
#include "scheduler/civil_time.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <string_view>
#include <utility>

// The lines are written here rather than by libical's serialiser. libical 3.0.16 leaves
// ';' and ',' unescaped in CATEGORIES and X- properties (so "WG, textiles" turns into two
// categories and X-WR-CALNAME cannot be escaped at all: a pre-escaped value gets its
// backslash doubled), passes most control characters through raw, needs its builtin zone
// table (global, lazily loaded) for every UTC time, and takes about 25 ms for 1,000
// events. Written by hand, the feed touches no libical state and needs about 2 ms; the
// tests re-parse every kind of output with libical and demand zero X-LIC-ERROR.

namespace copsched::calendar {
namespace {

using scheduler::error;
using scheduler::result;

// RFC 5545 3.1: a physical line is at most 75 octets, not counting its CRLF.
constexpr std::size_t max_line_octets = 75;

// Length of the well-formed UTF-8 sequence at s[i] (1 to 4 bytes), or 0 when the bytes
// there are not one (Unicode table 3-7: no overlong forms, surrogates or values above
// U+10FFFF).
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

// Appends text as an RFC 5545 TEXT value (3.3.11); see the guarantees in feed.hpp.
void append_text(std::string& out, std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        switch (c) {
        case '\\': out += "\\\\"; ++i; continue;
        case ';': out += "\\;"; ++i; continue;
        case ',': out += "\\,"; ++i; continue;
        case '\n': out += "\\n"; ++i; continue;
        case '\r': // CRLF or a lone CR: one line break
            out += "\\n";
            i += i + 1 < text.size() && text[i + 1] == '\n' ? 2 : 1;
            continue;
        case '\t': out += c; ++i; continue;
        default: break;
        }
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) { // RFC 5545 TEXT admits no other control character
            ++i;
            continue;
        }
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            out += "\xEF\xBF\xBD"; // U+FFFD REPLACEMENT CHARACTER, for one stray byte
            ++i;
            continue;
        }
        out.append(text, i, length);
        i += length;
    }
}

// Octets at line[i] that a fold must not separate: an escape pair or one UTF-8 character.
// The line is our own output, so it is well-formed UTF-8.
std::size_t unit_length(std::string_view line, std::size_t i) {
    const auto b = static_cast<unsigned char>(line[i]);
    const std::size_t length = b == '\\' ? 2 : b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    return std::min(length, line.size() - i);
}

// Appends one content line, folded (RFC 5545 3.1: CRLF and a space), and its CRLF.
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

// Builds the output one content line at a time.
class feed_writer {
public:
    explicit feed_writer(std::size_t items) { out_.reserve(1024 + items * 640); }

    // A line whose name, parameters and value need no escaping.
    void line(std::string_view name, std::string_view value) {
        line_.assign(name);
        line_ += ':';
        line_ += value;
        append_folded(out_, line_);
    }

    // name:value with value escaped as TEXT.
    void text(std::string_view name, std::string_view value) {
        line_.assign(name);
        line_ += ':';
        append_text(line_, value);
        append_folded(out_, line_);
    }

    // name:a,b,c with each value escaped as TEXT; nothing when every value is empty.
    void text_list(std::string_view name, const std::vector<std::string>& values) {
        line_.assign(name);
        line_ += ':';
        bool any = false;
        for (const auto& v : values) {
            if (v.empty()) continue;
            if (any) line_ += ',';
            append_text(line_, v);
            any = true;
        }
        if (any) append_folded(out_, line_);
    }

    // Lines already in their final form (CRLF ends, folded).
    void verbatim(std::string_view lines) { out_ += lines; }

    std::string take() && { return std::move(out_); }

private:
    std::string out_;
    std::string line_; // one unfolded line, reused
};

// A positive RFC 5545 dur-value (3.3.6) without sign: "P1W", "P1D", "P1DT12H", "PT1H30M",
// "PT45S". Designators come in the grammar's order; "T" needs a time part after it.
bool is_positive_duration(std::string_view d) {
    if (!d.starts_with('P')) return false;
    auto may_follow = [](char previous) -> std::string_view {
        switch (previous) {
        case 'P': return "WDT";
        case 'D': return "T";
        case 'T': return "HMS";
        case 'H': return "M";
        case 'M': return "S";
        default: return ""; // nothing after W or S
        }
    };
    char previous = 'P';
    bool nonzero = false;
    for (std::size_t i = 1; i < d.size();) {
        const std::size_t digits_start = i;
        while (i < d.size() && d[i] >= '0' && d[i] <= '9') nonzero |= d[i++] != '0';
        if (i == d.size()) return false; // digits without a designator
        const char designator = d[i++];
        const bool has_number = i - 1 > digits_start;
        if (may_follow(previous).find(designator) == std::string_view::npos) return false;
        if (has_number == (designator == 'T')) return false; // "T" alone, every other with a number
        previous = designator;
    }
    return previous != 'P' && previous != 'T' && nonzero;
}

std::string item_field(std::size_t index, std::string_view member) {
    return "items[" + std::to_string(index) + "]." + std::string(member);
}

// "YYYYMMDD", "YYYYMMDDTHHMMSS" and "YYYYMMDDTHHMMSSZ". parse_date and parse_local_time
// accept only four-digit years, so the buffers are large enough.
std::string basic_date(const scheduler::civil_date& d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d%02d%02d", d.year, d.month, d.day);
    return buf;
}

std::string basic_time(const scheduler::civil_time& t) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d", t.date.year, t.date.month,
                  t.date.day, t.hour, t.minute, t.second);
    return buf;
}

// DTSTART/DTEND values, with their parameters, in the form the item asks for.
struct item_times {
    std::string start_name; // "DTSTART;TZID=Europe/Amsterdam" or "DTSTART;VALUE=DATE"
    std::string end_name;
    std::string start;
    std::string end;
};

result<item_times> times_of(const feed_item& item, std::size_t index, std::string_view zone) {
    if (item.all_day) {
        const auto start = scheduler::parse_date(item.start_local);
        if (!start)
            return error::invalid(item_field(index, "start_local"),
                                  "must be a date YYYY-MM-DD for an all-day item");
        const auto end = scheduler::parse_date(item.end_local);
        if (!end)
            return error::invalid(item_field(index, "end_local"),
                                  "must be a date YYYY-MM-DD (exclusive) for an all-day item");
        if (*end <= *start)
            return error::invalid(item_field(index, "end_local"),
                                  "must be after start_local (the end date is exclusive)");
        return item_times{"DTSTART;VALUE=DATE", "DTEND;VALUE=DATE", basic_date(*start),
                          basic_date(*end)};
    }
    const auto start = scheduler::parse_local_time(item.start_local);
    if (!start)
        return error::invalid(item_field(index, "start_local"),
                              "must be a local time YYYY-MM-DDTHH:MM for a timed item");
    const auto end = scheduler::parse_local_time(item.end_local);
    if (!end)
        return error::invalid(item_field(index, "end_local"),
                              "must be a local time YYYY-MM-DDTHH:MM for a timed item");
    if (*end <= *start)
        return error::invalid(item_field(index, "end_local"), "must be after start_local");
    const std::string tzid = ";TZID=" + std::string(zone);
    return item_times{"DTSTART" + tzid, "DTEND" + tzid, basic_time(*start), basic_time(*end)};
}

bool is_uri_text(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

std::string_view status_name(scheduler::event_status s) {
    switch (s) {
    case scheduler::event_status::tentative: return "TENTATIVE";
    case scheduler::event_status::confirmed: return "CONFIRMED";
    case scheduler::event_status::cancelled: return "CANCELLED";
    }
    return "CONFIRMED"; // not reached: every enumerator is handled above
}

scheduler::status write_event(feed_writer& w, const feed_item& item, std::size_t index,
                              std::string_view zone) {
    if (item.uid.empty()) return error::invalid(item_field(index, "uid"), "must not be empty");
    if (item.sequence < 0) return error::invalid(item_field(index, "sequence"), "must not be negative");
    const auto stamp = scheduler::parse_instant(item.stamp_utc);
    if (!stamp)
        return error::invalid(item_field(index, "stamp_utc"), "must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
    auto times = times_of(item, index, zone);
    if (!times) return std::move(times).err();
    if (!is_uri_text(item.url))
        return error::invalid(item_field(index, "url"),
                              "must be printable ASCII without spaces (percent-encode the rest)");

    const std::string stamp_text = basic_time(scheduler::civil_from_seconds(*stamp)) + "Z";
    w.line("BEGIN", "VEVENT");
    w.text("UID", item.uid);
    w.line("SEQUENCE", std::to_string(item.sequence));
    w.line("DTSTAMP", stamp_text);
    w.line("LAST-MODIFIED", stamp_text);
    w.line(times->start_name, times->start);
    w.line(times->end_name, times->end);
    if (!item.summary.empty()) w.text("SUMMARY", item.summary);
    if (!item.description.empty()) w.text("DESCRIPTION", item.description);
    if (!item.location.empty()) w.text("LOCATION", item.location);
    if (!item.url.empty()) w.line("URL", item.url);
    w.text_list("CATEGORIES", item.categories);
    w.line("STATUS", status_name(item.status));
    w.line("END", "VEVENT");
    return scheduler::ok();
}

} // namespace

result<std::string> render_feed(const feed_header& header, std::span<const feed_item> items) {
    const auto vtimezone = vtimezone_for(header.time_zone);
    if (!vtimezone)
        return error::invalid("time_zone", "\"" + header.time_zone + "\" is not a supported time zone");
    if (!is_positive_duration(header.refresh_interval))
        return error::invalid("refresh_interval", "must be a positive duration such as PT1H or P1D");

    feed_writer w(items.size());
    w.line("BEGIN", "VCALENDAR");
    w.line("VERSION", "2.0");
    w.line("PRODID", product_id);
    w.line("CALSCALE", "GREGORIAN");
    w.line("METHOD", "PUBLISH");
    if (!header.name.empty()) {
        w.text("NAME", header.name);
        w.text("X-WR-CALNAME", header.name);
    }
    if (!header.description.empty()) {
        w.text("DESCRIPTION", header.description);
        w.text("X-WR-CALDESC", header.description);
    }
    w.line("X-WR-TIMEZONE", header.time_zone);
    w.line("REFRESH-INTERVAL;VALUE=DURATION", header.refresh_interval);
    w.line("X-PUBLISHED-TTL", header.refresh_interval);
    if (std::any_of(items.begin(), items.end(), [](const feed_item& i) { return !i.all_day; }))
        w.verbatim(*vtimezone);
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto written = write_event(w, items[i], i, header.time_zone);
        if (!written) return std::move(written).err();
    }
    w.line("END", "VCALENDAR");
    return std::move(w).take();
}

result<std::string> render_event(const feed_header& header, const feed_item& item) {
    return render_feed(header, std::span<const feed_item>(&item, 1));
}

} // namespace copsched::calendar
