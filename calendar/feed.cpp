#include "calendar/feed.hpp"

#include "calendar/ical_writer_internal.hpp"
#include "calendar/vtimezone.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

// The lines are written by hand (calendar/ical_writer_internal.hpp) rather than by libical's
// serialiser. libical 3.0.16 leaves ';' and ',' unescaped in CATEGORIES and X- properties
// (so "WG, textiles" turns into two categories and X-WR-CALNAME cannot be escaped at all:
// a pre-escaped value gets its backslash doubled), passes most control characters through
// raw, needs its builtin zone table (global, lazily loaded) for every UTC time, and takes
// about 25 ms for 1,000 events. Written by hand, the feed touches no libical state and
// needs about 2 ms; the tests re-parse every kind of output with libical and demand zero
// X-LIC-ERROR.

namespace copsched::calendar {
namespace {

using detail::ical_writer;
using scheduler::error;
using scheduler::result;

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

scheduler::status write_event(ical_writer& w, const feed_item& item, std::size_t index, std::string_view zone) {
    auto checked = detail::check_item(item, "items[" + std::to_string(index) + "].", zone);
    if (!checked) return std::move(checked).err();

    w.line("BEGIN", "VEVENT");
    detail::write_item_properties(w, item, *checked, true, detail::status_name(item.status));
    w.line("END", "VEVENT");
    return scheduler::ok();
}

// The local years the timed items' times fall in (the years their VTIMEZONE must cover),
// or nullopt without timed items. A time that does not start with four digits is skipped:
// check_item refuses its item.
std::optional<std::pair<int, int>> timed_years(std::span<const feed_item> items) {
    std::optional<std::pair<int, int>> years;
    for (const auto& item : items) {
        if (item.all_day) continue;
        for (const std::string_view local : {std::string_view(item.start_local), std::string_view(item.end_local)}) {
            if (local.size() < 4 ||
                !std::all_of(local.begin(), local.begin() + 4, [](char c) { return c >= '0' && c <= '9'; }))
                continue;
            const int y = (local[0] - '0') * 1000 + (local[1] - '0') * 100 + (local[2] - '0') * 10 + (local[3] - '0');
            years = years ? std::pair{std::min(years->first, y), std::max(years->second, y)} : std::pair{y, y};
        }
    }
    return years;
}

} // namespace

result<std::string> render_feed(const feed_header& header, std::span<const feed_item> items) {
    if (!supported_zone(header.time_zone))
        return error::invalid("time_zone", "\"" + header.time_zone + "\" is not a time zone of the tz database");
    if (!is_positive_duration(header.refresh_interval))
        return error::invalid("refresh_interval", "must be a positive duration such as PT1H or P1D");

    ical_writer w(1024 + items.size() * 640);
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
    if (const auto years = timed_years(items)) {
        const auto vtimezone = vtimezone_for(header.time_zone, years->first, years->second);
        if (!vtimezone) return error{scheduler::errc::internal, "No VTIMEZONE for " + header.time_zone + ".", {}};
        w.verbatim(*vtimezone);
    }
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
