#include "calendar/import.hpp"

#include "calendar/vtimezone.hpp"
#include "scheduler/civil_time.hpp"

#include <libical/ical.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Thread safety rests on these facts about libical 3.0.16 on Debian 12:
//  - the parser fetches libical's UTC zone for every "...Z" time, and the first fetch
//    loads the builtin zone table (zone.tab) with a check outside libical's lock. The first
//    import does that once under std::call_once (prepare_libical), before any parse;
//  - libical's builtin zones are never looked up: no icalcomponent_get_dtstart/dtend/...
//    (they fall back to icaltimezone_get_builtin_timezone_from_tzid for an unknown TZID).
//    Times are read from the properties' values and their TZID parameters instead;
//  - a VTIMEZONE of the file becomes an icaltimezone of this call (a clone of the
//    component), freed before returning; libical guards its change tables with a mutex
//    and keeps one static (the minimum expansion year), also set in prepare_libical;
//  - components are iterated with their own internal cursors, so each component is
//    walked by one loop at a time (children() and properties() copy the pointers out).

namespace copsched::calendar {
namespace {

using scheduler::civil_date;
using scheduler::civil_time;
using scheduler::errc;
using scheduler::error;
using scheduler::interval;
using scheduler::named_interval;
using scheduler::result;
using scheduler::sys_seconds;
using scheduler::time_zone;

// --- RAII for libical ------------------------------------------------------------------

struct component_deleter {
    void operator()(icalcomponent* c) const noexcept { icalcomponent_free(c); }
};
using component_ptr = std::unique_ptr<icalcomponent, component_deleter>;

struct zone_deleter {
    void operator()(icaltimezone* z) const noexcept { icaltimezone_free(z, 1); }
};
using zone_ptr = std::unique_ptr<icaltimezone, zone_deleter>;

struct iterator_deleter {
    void operator()(icalrecur_iterator* it) const noexcept { icalrecur_iterator_free(it); }
};
using iterator_ptr = std::unique_ptr<icalrecur_iterator, iterator_deleter>;

std::vector<icalcomponent*> children(icalcomponent* c, icalcomponent_kind kind = ICAL_ANY_COMPONENT) {
    std::vector<icalcomponent*> out;
    for (icalcomponent* k = icalcomponent_get_first_component(c, kind); k != nullptr;
         k = icalcomponent_get_next_component(c, kind))
        out.push_back(k);
    return out;
}

std::vector<icalproperty*> properties(icalcomponent* c, icalproperty_kind kind) {
    std::vector<icalproperty*> out;
    for (icalproperty* p = icalcomponent_get_first_property(c, kind); p != nullptr;
         p = icalcomponent_get_next_property(c, kind))
        out.push_back(p);
    return out;
}

icalproperty* first_property(icalcomponent* c, icalproperty_kind kind) {
    return icalcomponent_get_first_property(c, kind);
}

void prepare_libical() {
    static std::once_flag once;
    std::call_once(once, [] {
        (void)icaltimezone_get_utc_timezone(); // loads the builtin zone table once
        // One offset lookup sets libical's static minimum expansion year.
        const std::string text(vtimezone_for("Europe/Amsterdam").value_or(std::string_view{}));
        if (text.empty()) return;
        icalcomponent* c = icalparser_parse_string(text.c_str());
        if (c == nullptr) return;
        zone_ptr z(icaltimezone_new());
        if (!z || icaltimezone_set_component(z.get(), c) != 1) {
            icalcomponent_free(c);
            return;
        }
        icaltimetype t = icaltime_null_time();
        t.year = 2020;
        t.month = 1;
        t.day = 1;
        (void)icaltimezone_get_utc_offset_of_utc_time(z.get(), &t, nullptr);
    });
}

// --- small text helpers ------------------------------------------------------------------

constexpr std::size_t max_problem_length = 300; // bytes of one listed problem
// Parser errors whose line is searched for (each search reads the file once); later ones
// are listed without a line, after those with one.
constexpr std::size_t max_located_errors = 100;

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

bool is_blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

// The longest prefix of s (valid UTF-8) of at most max bytes that ends on a character boundary.
std::string_view utf8_prefix(std::string_view s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n);
}

// Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or npos.
std::size_t invalid_utf8_at(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c == 0xE0) len = 3, lo = 0xA0;
        else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) len = 3;
        else if (c == 0xED) len = 3, hi = 0x9F;
        else if (c == 0xF0) len = 4, lo = 0x90;
        else if (c >= 0xF1 && c <= 0xF3) len = 4;
        else if (c == 0xF4) len = 4, hi = 0x8F;
        else return i;
        if (s.size() - i < len) return i;
        const auto c1 = static_cast<unsigned char>(s[i + 1]);
        if (c1 < lo || c1 > hi) return i;
        for (std::size_t k = 2; k < len; ++k) {
            const auto ck = static_cast<unsigned char>(s[i + k]);
            if (ck < 0x80 || ck > 0xBF) return i;
        }
        i += len;
    }
    return std::string_view::npos;
}

std::size_t line_number_at(std::string_view text, std::size_t offset) {
    return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// A blackout name: line breaks and tabs become spaces, other control characters (C0, DEL,
// C1) go, the text is cut to max bytes on a character boundary and the ends are trimmed.
std::string clean_name(const char* summary, std::size_t max) {
    std::string out;
    if (summary == nullptr) return out;
    const std::string_view s(summary);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '\n' || c == '\r' || c == '\t') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else if (c < 0x20 || c == 0x7F) {
            continue;
        } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
            ++i; // U+0080..U+009F
        } else {
            out += static_cast<char>(c);
        }
    }
    std::string_view cut = utf8_prefix(out, max);
    const auto first = cut.find_first_not_of(' ');
    if (first == std::string_view::npos) return {};
    return std::string(cut.substr(first, cut.find_last_not_of(' ') - first + 1));
}

// --- problems ----------------------------------------------------------------------------

struct problem {
    std::size_t line = 0; // 0: not known
    std::string text;
};

class problem_list {
public:
    void add(std::size_t line, std::string text) {
        if (text.size() > max_problem_length) text = std::string(utf8_prefix(text, max_problem_length)) + "...";
        list_.push_back({line, std::move(text)});
    }
    [[nodiscard]] bool empty() const noexcept { return list_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return list_.size(); }
    void note_searched_lines() noexcept { searched_lines_ = true; }

    [[nodiscard]] error to_error(std::size_t max_listed) && {
        std::stable_sort(list_.begin(), list_.end(), [](const problem& a, const problem& b) {
            return (a.line == 0 ? SIZE_MAX : a.line) < (b.line == 0 ? SIZE_MAX : b.line);
        });
        error e{errc::invalid_input, {}, {}};
        const std::size_t listed = std::min(max_listed, list_.size());
        e.detail = "The iCalendar file cannot be imported: " + std::to_string(list_.size()) +
                   (list_.size() == 1 ? " problem" : " problems");
        if (listed < list_.size()) e.detail += ", the first " + std::to_string(listed) + " listed";
        e.detail += ".";
        if (searched_lines_)
            e.detail += " The parser does not report line numbers; the lines of its messages were "
                        "found by searching the file for the text they quote.";
        for (std::size_t i = 0; i < listed; ++i) {
            const problem& p = list_[i];
            e.fields.push_back({"body", p.line == 0 ? p.text : "line " + std::to_string(p.line) + ": " + p.text});
        }
        return e;
    }

private:
    std::vector<problem> list_;
    bool searched_lines_ = false;
};

error one_problem(std::size_t line, std::string text, std::size_t max_listed) {
    problem_list p;
    p.add(line, std::move(text));
    return std::move(p).to_error(max_listed);
}

// --- our own index of the text: logical lines and component nesting -----------------------
// libical keeps no line numbers. This index maps its components back to lines, checks the
// BEGIN/END structure before libical sees the text (libical returns nothing for a cut-off
// file and prints to standard error on a stray END), and finds the line of each problem.

struct text_line {
    std::size_t number = 0; // physical line (1-based) where the logical line starts
    std::string text;       // unfolded, without the line end
    std::string name;       // upper case, up to the first ';' or ':'
    std::string value;      // BEGIN/END only: the component name, upper case
};

struct text_component {
    std::string name;                    // upper case, e.g. "VEVENT"
    std::size_t begin = 0;               // index of the BEGIN line
    std::vector<std::size_t> children;   // indices into text_index::components
    std::vector<std::size_t> own_lines;  // property lines directly inside, in order
};

struct text_index {
    std::vector<text_line> lines;
    std::vector<text_component> components;
    std::vector<std::size_t> top; // the VCALENDARs
};

// RFC 5545 3.1: a line that starts with a space or tab continues the previous one.
std::vector<text_line> logical_lines(std::string_view text, std::size_t first_number) {
    std::vector<text_line> lines;
    std::size_t number = first_number - 1;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++number;
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        if (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t') && !lines.empty()) {
            lines.back().text.append(raw.substr(1));
            continue;
        }
        if (is_blank(raw)) continue; // libical skips empty lines too
        lines.push_back({number, std::string(raw), {}, {}});
    }
    for (text_line& l : lines) {
        const std::size_t end = l.text.find_first_of(";:");
        l.name = upper(std::string_view(l.text).substr(0, end));
        if ((l.name == "BEGIN" || l.name == "END") && end != std::string::npos && l.text[end] == ':') {
            std::string v = upper(std::string_view(l.text).substr(end + 1));
            while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
            l.value = std::move(v);
        }
    }
    return lines;
}

// Fills the component tree; the first structural problem ends the check.
std::optional<problem> build_structure(text_index& ix, std::size_t max_depth) {
    std::vector<std::size_t> open;
    for (std::size_t i = 0; i < ix.lines.size(); ++i) {
        const text_line& l = ix.lines[i];
        if (l.name == "BEGIN") {
            if (l.value.empty()) return problem{l.number, "BEGIN without a component name"};
            if (open.size() >= max_depth)
                return problem{l.number, "components are nested more than " + std::to_string(max_depth) + " deep"};
            if (open.empty() && l.value != "VCALENDAR")
                return problem{l.number, "BEGIN:" + l.value + " is outside BEGIN:VCALENDAR ... END:VCALENDAR"};
            ix.components.push_back({l.value, i, {}, {}});
            const std::size_t id = ix.components.size() - 1;
            (open.empty() ? ix.top : ix.components[open.back()].children).push_back(id);
            open.push_back(id);
        } else if (l.name == "END") {
            if (open.empty()) return problem{l.number, "END:" + l.value + " without a matching BEGIN"};
            const text_component& c = ix.components[open.back()];
            if (c.name != l.value)
                return problem{l.number, "END:" + l.value + " does not close BEGIN:" + c.name + " on line " +
                                             std::to_string(ix.lines[c.begin].number)};
            open.pop_back();
        } else {
            if (open.empty())
                return problem{l.number, "text outside BEGIN:VCALENDAR ... END:VCALENDAR"};
            ix.components[open.back()].own_lines.push_back(i);
        }
    }
    if (!open.empty()) {
        const text_component& c = ix.components[open.back()];
        return problem{ix.lines[c.begin].number, "the file ends before END:" + c.name + " of this BEGIN:" + c.name +
                                                     " (is the file cut off?)"};
    }
    if (ix.top.empty()) return problem{0, "contains no VCALENDAR"};
    return std::nullopt;
}

// --- time zones and conversion -------------------------------------------------------------

// libical expands a VTIMEZONE's rules year by year (through ICU) from each observance's
// DTSTART up to the year looked up, some milliseconds per century and zone. Two bounds
// keep that small: observances with a rule that start before first_observance_year
// (Outlook writes 1601) are read as starting then, and instants after the horizon's year
// plus one are looked up 28 years (a whole number of weekday-and-leap-year cycles)
// earlier, as often as needed. Both are exact for the yearly rules accepted here, except
// across 2100 (not a leap year), where a DST change may move by a week. What remains is
// bounded by import_limits::max_vtimezone_rule_years.
constexpr int first_observance_year = 1900;
// libical expands no further than 2582 and re-expands on every lookup past its last year.
constexpr int last_expanded_year = 2500;

// Where a wall-clock time is read: UTC, an IANA zone of copsched, or a VTIMEZONE of the file.
// Local times that occur twice map to the earlier instant, times in a gap to the instant
// of the jump (the rule scheduler::time_zone::to_utc reports), whatever the source.
class zone_ref {
public:
    static zone_ref utc() { return {}; }
    static zone_ref iana(const time_zone* z) {
        zone_ref r;
        r.iana_ = z;
        return r;
    }
    static zone_ref ical(icaltimezone* z, int last_exact_year) {
        zone_ref r;
        r.ical_ = z;
        r.last_exact_year_ = std::min(last_exact_year, last_expanded_year);
        return r;
    }

    [[nodiscard]] sys_seconds to_utc(const civil_time& local) const {
        if (iana_ != nullptr) return iana_->to_utc(local).first;
        const std::int64_t wall = secs(scheduler::seconds_from_civil(local));
        if (ical_ == nullptr) return at(wall);
        // t shows `wall` iff t + offset(t) == wall. Offsets a day and a half either side
        // bound the candidates; two changes within three days do not occur in real zones.
        constexpr std::int64_t margin = 36 * 3600;
        const std::int64_t before = offset_at(wall - margin), after = offset_at(wall + margin);
        std::optional<std::int64_t> first;
        for (const std::int64_t o : {before, after, offset_at(wall)}) {
            const std::int64_t t = wall - o;
            if (offset_at(t) == o && (!first || t < *first)) first = t;
        }
        if (first) return at(*first);
        // A gap: the first instant whose wall clock is past `wall` is the jump.
        std::int64_t lo = wall - std::max(before, after), hi = wall - std::min(before, after);
        while (lo < hi) {
            const std::int64_t mid = lo + (hi - lo) / 2;
            if (mid + offset_at(mid) > wall) hi = mid;
            else lo = mid + 1;
        }
        return at(lo);
    }

    [[nodiscard]] civil_time to_local(sys_seconds utc) const {
        if (iana_ != nullptr) return iana_->to_local(utc);
        const std::int64_t s = secs(utc);
        return scheduler::civil_from_seconds(at(ical_ == nullptr ? s : s + offset_at(s)));
    }

private:
    static std::int64_t secs(sys_seconds s) { return s.time_since_epoch().count(); }
    static sys_seconds at(std::int64_t s) { return sys_seconds{std::chrono::seconds{s}}; }

    [[nodiscard]] std::int64_t offset_at(std::int64_t utc) const {
        civil_time c = scheduler::civil_from_seconds(at(utc));
        if (c.date.year > last_exact_year_) {
            c.date.year -= 28 * ((c.date.year - last_exact_year_ + 27) / 28);
            c.date.day = std::min(c.date.day, scheduler::days_in_month(c.date.year, c.date.month));
        }
        icaltimetype t = icaltime_null_time();
        t.year = c.date.year;
        t.month = c.date.month;
        t.day = c.date.day;
        t.hour = c.hour;
        t.minute = c.minute;
        t.second = c.second;
        return icaltimezone_get_utc_offset_of_utc_time(ical_, &t, nullptr);
    }

    const time_zone* iana_ = nullptr;
    icaltimezone* ical_ = nullptr;
    int last_exact_year_ = 0;
};

// --- the import proper -----------------------------------------------------------------------

enum class mode { blackouts, busy };

// A nominal length: whole days on the local calendar plus exact seconds (RFC 5545 3.3.6).
struct span {
    std::int64_t days = 0;
    std::int64_t seconds = 0;
};

// One time value of a property, resolved.
struct time_value {
    civil_time local;     // wall clock in `zone`
    bool is_date = false;
    zone_ref zone;
    sys_seconds utc{};
};

struct occurrence {
    interval when;
    std::string name; // blackouts only
};

class importer {
public:
    importer(std::string_view body, std::size_t first_line, const time_zone& zone, const import_limits& limits, mode m)
        : body_(body), first_line_(first_line), zone_(zone), limits_(limits), mode_(m) {}

    result<std::vector<occurrence>> run() {
        index_.lines = logical_lines(body_, first_line_);
        if (auto p = build_structure(index_, limits_.max_nesting_depth))
            return one_problem(p->line, std::move(p->text), limits_.max_errors_listed);
        // libical frees VTIMEZONEs in quadratic time (each removal searches its zone array).
        std::size_t vtimezones = 0;
        for (const text_component& c : index_.components)
            if (c.name == "VTIMEZONE" && ++vtimezones > limits_.max_vtimezones)
                return one_problem(index_.lines[c.begin].number,
                                   "the file has more than " + std::to_string(limits_.max_vtimezones) + " VTIMEZONEs",
                                   limits_.max_errors_listed);

        const std::string text(body_); // libical wants a NUL-terminated string
        root_.reset(icalparser_parse_string(text.c_str()));
        if (!root_) return one_problem(0, "the parser could not read the file", limits_.max_errors_listed);
        map_tree();
        collect_parse_errors();
        for (icalcomponent* cal : calendars_) collect_zones(cal);
        for (icalcomponent* cal : calendars_) {
            if (overflow_) break;
            import_calendar(cal);
        }
        if (!problems_.empty()) return std::move(problems_).to_error(limits_.max_errors_listed);
        return std::move(out_);
    }

private:
    // libical's tree and our index. The k-th child of a kind is the k-th BEGIN of that
    // name in the text (libical keeps document order within a kind and drops unknown
    // components), except VTIMEZONEs: libical puts each new one first, so they are
    // matched by TZID.
    void map_tree() {
        std::vector<icalcomponent*> cals;
        if (icalcomponent_isa(root_.get()) == ICAL_XROOT_COMPONENT) cals = children(root_.get(), ICAL_VCALENDAR_COMPONENT);
        else if (icalcomponent_isa(root_.get()) == ICAL_VCALENDAR_COMPONENT) cals.push_back(root_.get());
        for (std::size_t i = 0; i < cals.size(); ++i) {
            if (i < index_.top.size()) map_component(cals[i], index_.top[i]);
            calendars_.push_back(cals[i]);
        }
    }

    void map_component(icalcomponent* c, std::size_t node) {
        node_of_[c] = node;
        const std::vector<std::size_t> kids = index_.components[node].children; // copy: map_component recurses
        std::vector<bool> taken(kids.size(), false);
        std::map<std::string, std::size_t, std::less<>> cursor; // per kind: next kid to look at
        std::map<std::string_view, std::vector<std::size_t>> zones_by_tzid; // kids by TZID, last first
        for (std::size_t j = kids.size(); j-- > 0;)
            if (index_.components[kids[j]].name == "VTIMEZONE") zones_by_tzid[text_tzid(kids[j])].push_back(j);
        for (icalcomponent* k : children(c)) {
            const char* name = icalcomponent_kind_to_string(icalcomponent_isa(k));
            if (name == nullptr) continue;
            std::optional<std::size_t> match;
            if (icalcomponent_isa(k) == ICAL_VTIMEZONE_COMPONENT) {
                icalproperty* p = first_property(k, ICAL_TZID_PROPERTY);
                const char* tzid = p != nullptr ? icalproperty_get_tzid(p) : nullptr;
                if (tzid == nullptr) continue;
                const auto it = zones_by_tzid.find(std::string_view(tzid));
                if (it == zones_by_tzid.end() || it->second.empty()) continue;
                match = it->second.back(); // the first in the text not yet matched
                it->second.pop_back();
            } else {
                std::size_t& j = cursor[name];
                while (j < kids.size() && (taken[j] || index_.components[kids[j]].name != name)) ++j;
                if (j < kids.size()) match = j++;
            }
            if (!match) continue;
            taken[*match] = true;
            map_component(k, kids[*match]);
        }
    }

    // The value of the first TZID line directly in a component of the text.
    [[nodiscard]] std::string_view text_tzid(std::size_t component) const {
        for (const std::size_t i : index_.components[component].own_lines) {
            const text_line& l = index_.lines[i];
            if (l.name == "TZID") {
                const std::size_t colon = l.text.find(':');
                return colon == std::string::npos ? std::string_view{} : std::string_view(l.text).substr(colon + 1);
            }
        }
        return {};
    }

    [[nodiscard]] std::optional<std::size_t> node(icalcomponent* c) const {
        const auto it = node_of_.find(c);
        if (it == node_of_.end()) return std::nullopt;
        return it->second;
    }

    // The line of BEGIN for c, or 0.
    [[nodiscard]] std::size_t begin_line(icalcomponent* c) const {
        const auto n = node(c);
        return n ? index_.lines[index_.components[*n].begin].number : 0;
    }

    // The first line directly in c named `name` (and containing `needle`), else c's BEGIN line.
    [[nodiscard]] std::size_t property_line(icalcomponent* c, std::string_view name, std::string_view needle = {}) const {
        const auto n = node(c);
        if (!n) return 0;
        for (const std::size_t i : index_.components[*n].own_lines) {
            const text_line& l = index_.lines[i];
            if (l.name == name && (needle.empty() || l.text.find(needle) != std::string::npos)) return l.number;
        }
        return index_.lines[index_.components[*n].begin].number;
    }

    // X-LIC-ERROR properties everywhere. Their messages end in the text the parser could
    // not read ("...: GARBAGE"); its line is searched among c's own lines, then the file,
    // first for a line ending in that text (a value), then for one containing it.
    void collect_parse_errors() {
        std::set<std::size_t> used;
        std::vector<std::size_t> every(index_.lines.size());
        for (std::size_t i = 0; i < every.size(); ++i) every[i] = i;
        const std::vector<std::size_t>& all = every;
        std::size_t located = 0;
        const auto walk = [&](auto&& self, icalcomponent* c) -> void {
            for (icalproperty* p : properties(c, ICAL_XLICERROR_PROPERTY)) {
                const char* raw = icalproperty_get_xlicerror(p);
                const std::string message = raw != nullptr && *raw != '\0' ? raw : "unreadable text";
                std::size_t line = 0;
                const std::size_t colon = message.rfind(": ");
                const std::string quote = colon == std::string::npos ? std::string() : message.substr(colon + 2);
                if (!quote.empty() && located++ < max_located_errors) {
                    const auto search = [&](const std::vector<std::size_t>& candidates, bool at_end) {
                        for (const std::size_t i : candidates) {
                            const std::string& t = index_.lines[i].text;
                            if (used.contains(i) || !(at_end ? t.ends_with(quote) : t.find(quote) != std::string::npos))
                                continue;
                            used.insert(i);
                            return index_.lines[i].number;
                        }
                        return std::size_t{0};
                    };
                    const auto n = node(c);
                    const std::vector<std::size_t> none;
                    const std::vector<std::size_t>& own = n ? index_.components[*n].own_lines : none;
                    for (const auto& [candidates, at_end] : {std::pair{&own, true}, std::pair{&own, false},
                                                             std::pair{&all, true}, std::pair{&all, false}}) {
                        if (line != 0) break;
                        line = search(*candidates, at_end);
                    }
                    if (line != 0) problems_.note_searched_lines();
                }
                problems_.add(line, message);
                has_errors_.insert(c);
            }
            for (icalcomponent* k : children(c)) self(self, k);
        };
        walk(walk, root_.get());
        // Cross-check with libical's own count: an error it counts that the walk missed
        // must not pass silently.
        const int counted = icalcomponent_count_errors(root_.get());
        if (counted > 0 && static_cast<std::size_t>(counted) > problems_.size())
            problems_.add(0, std::to_string(static_cast<std::size_t>(counted) - problems_.size()) +
                                 " further parser errors");
    }

    // VTIMEZONEs by TZID; the first of a TZID in the file wins.
    void collect_zones(icalcomponent* cal) {
        for (icalcomponent* tz : children(cal, ICAL_VTIMEZONE_COMPONENT)) {
            icalproperty* p = first_property(tz, ICAL_TZID_PROPERTY);
            const char* tzid = p != nullptr ? icalproperty_get_tzid(p) : nullptr;
            if (tzid == nullptr || *tzid == '\0') {
                problems_.add(begin_line(tz), "VTIMEZONE without TZID");
                continue;
            }
            // libical stores VTIMEZONEs last first: keep the first in the text.
            const auto [it, added] = vtimezones_.emplace(tzid, tz);
            if (!added && begin_line(tz) < begin_line(it->second)) it->second = tz;
        }
    }

    // Values in one of libical's BY arrays (terminated by ICAL_RECURRENCE_ARRAY_MAX).
    template <std::size_t N>
    static std::size_t by_count(const short (&values)[N]) {
        std::size_t n = 0;
        while (n < N && values[n] != ICAL_RECURRENCE_ARRAY_MAX) ++n;
        return n;
    }

    // A VTIMEZONE that libical can use cheaply: observances with DTSTART and TZOFFSETTO,
    // rules in the shapes real zones use (FREQ=YEARLY; at most one BYMONTH, one BYDAY and
    // seven BYMONTHDAYs, a month given when a day is; no BYWEEKNO, BYYEARDAY, BYSETPOS,
    // BYHOUR, BYMINUTE, BYSECOND), so each rule gives at most seven changes a year.
    static std::optional<std::string> vtimezone_problem(icalcomponent* tz) {
        std::size_t observances = 0;
        for (icalcomponent* o : children(tz)) {
            const icalcomponent_kind k = icalcomponent_isa(o);
            if (k != ICAL_XSTANDARD_COMPONENT && k != ICAL_XDAYLIGHT_COMPONENT) continue;
            ++observances;
            if (first_property(o, ICAL_DTSTART_PROPERTY) == nullptr || first_property(o, ICAL_TZOFFSETTO_PROPERTY) == nullptr)
                return "has a STANDARD or DAYLIGHT without DTSTART or TZOFFSETTO";
            for (icalproperty* r : properties(o, ICAL_RRULE_PROPERTY)) {
                const icalrecurrencetype rule = icalproperty_get_rrule(r);
                const std::size_t months = by_count(rule.by_month), days = by_count(rule.by_day),
                                  month_days = by_count(rule.by_month_day);
                if (rule.freq != ICAL_YEARLY_RECURRENCE || by_count(rule.by_second) != 0 ||
                    by_count(rule.by_minute) != 0 || by_count(rule.by_hour) != 0 || by_count(rule.by_year_day) != 0 ||
                    by_count(rule.by_week_no) != 0 || by_count(rule.by_set_pos) != 0 || months > 1 || days > 1 ||
                    month_days > 7 || ((days != 0 || month_days != 0) && months != 1) ||
                    (rule.rscale != nullptr && *rule.rscale != '\0'))
                    return "has a STANDARD or DAYLIGHT rule unlike a time zone's (FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU)";
            }
        }
        if (observances == 0) return "has no STANDARD or DAYLIGHT";
        return std::nullopt;
    }

    // See first_observance_year: rules that end before it are dropped (their DTSTART stays
    // a single change), rules that start before it start then. Returns the years of rules
    // libical will expand, up to the horizon's year plus libical's five years of margin.
    [[nodiscard]] std::int64_t start_observances_late(icalcomponent* tz) const {
        const int last_year = std::min(scheduler::civil_from_seconds(limits_.horizon_end).date.year + 1,
                                       last_expanded_year) + 5;
        std::int64_t years = 0;
        for (icalcomponent* o : children(tz)) {
            icalproperty* start = first_property(o, ICAL_DTSTART_PROPERTY);
            if (start == nullptr) continue;
            for (icalproperty* rule : properties(o, ICAL_RRULE_PROPERTY)) {
                const icaltimetype until = icalproperty_get_rrule(rule).until;
                if (!icaltime_is_null_time(until) && until.year < first_observance_year) {
                    icalcomponent_remove_property(o, rule);
                    icalproperty_free(rule);
                    continue;
                }
                icaltimetype t = icalproperty_get_dtstart(start);
                if (t.year < first_observance_year) {
                    t.year = first_observance_year;
                    t.day = std::min(t.day, scheduler::days_in_month(t.year, t.month));
                    icalproperty_set_dtstart(start, t);
                }
                const int end = icaltime_is_null_time(until) ? last_year : std::min(until.year, last_year);
                years += std::max(0, end - t.year + 1);
            }
        }
        return years;
    }

    // The zone a TZID names: the file's VTIMEZONE, else an IANA zone copsched knows
    // (also behind a "/vendor/.../" prefix), else nullopt with one problem per TZID.
    std::optional<zone_ref> resolve_tzid(const std::string& tzid, icalcomponent* owner, const std::string& prop) {
        if (const auto it = resolved_.find(tzid); it != resolved_.end()) return it->second;
        std::optional<zone_ref> z;
        if (const auto v = vtimezones_.find(tzid); v != vtimezones_.end()) {
            if (auto why = vtimezone_problem(v->second)) {
                problems_.add(begin_line(v->second), "VTIMEZONE " + tzid + " " + *why);
            } else {
                icalcomponent* clone = icalcomponent_new_clone(v->second);
                if (clone != nullptr) rule_years_ += start_observances_late(clone);
                if (rule_years_ > static_cast<std::int64_t>(limits_.max_vtimezone_rule_years)) {
                    if (clone != nullptr) icalcomponent_free(clone);
                    problems_.add(begin_line(v->second),
                                  "VTIMEZONE " + tzid + " exceeds the limit on time zone rules (" +
                                      std::to_string(limits_.max_vtimezone_rule_years) +
                                      " years of yearly rules over all VTIMEZONEs used)");
                } else {
                    zone_ptr owned(clone != nullptr ? icaltimezone_new() : nullptr);
                    if (owned && icaltimezone_set_component(owned.get(), clone) == 1) { // owns clone now
                        z = zone_ref::ical(owned.get(), scheduler::civil_from_seconds(limits_.horizon_end).date.year + 1);
                        zones_.push_back(std::move(owned));
                    } else {
                        if (clone != nullptr) icalcomponent_free(clone);
                        problems_.add(begin_line(v->second), "VTIMEZONE " + tzid + " cannot be used");
                    }
                }
            }
        } else {
            const time_zone* known = scheduler::find_time_zone(tzid);
            for (std::size_t slash = 0; known == nullptr && tzid.starts_with('/') &&
                                        (slash = tzid.find('/', slash + 1)) != std::string::npos;)
                known = scheduler::find_time_zone(std::string_view(tzid).substr(slash + 1));
            if (known != nullptr) z = zone_ref::iana(known);
            else
                problems_.add(property_line(owner, prop, tzid),
                              "TZID=" + tzid + " has no VTIMEZONE in the file and is not a known IANA time zone");
        }
        resolved_.emplace(tzid, z);
        return z;
    }

    // A DATE or DATE-TIME value of p. Dates and floating times are read in `fallback`.
    std::optional<time_value> read_time(icaltimetype t, icalproperty* p, icalcomponent* owner, const zone_ref& fallback) {
        const char* prop_name = icalproperty_kind_to_string(icalproperty_isa(p));
        const std::string name = prop_name != nullptr ? prop_name : "?";
        if (icaltime_is_null_time(t)) {
            problems_.add(property_line(owner, name), name + " has no valid date");
            return std::nullopt;
        }
        time_value v;
        v.is_date = t.is_date != 0;
        v.local = {{t.year, t.month, t.day}, v.is_date ? 0 : t.hour, v.is_date ? 0 : t.minute, v.is_date ? 0 : t.second};
        if (!scheduler::is_valid(v.local)) {
            problems_.add(property_line(owner, name), name + " is not a valid date or time");
            return std::nullopt;
        }
        v.zone = fallback;
        if (!v.is_date) {
            if (icaltime_is_utc(t)) {
                v.zone = zone_ref::utc();
            } else if (icalparameter* tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER)) {
                const char* tzid = icalparameter_get_tzid(tzp);
                const std::string id = tzid != nullptr ? tzid : "";
                auto z = resolve_tzid(id, owner, name);
                if (!z) return std::nullopt;
                v.zone = *z;
            }
        }
        v.utc = v.zone.to_utc(v.local);
        return v;
    }

    [[nodiscard]] bool has_parse_errors(icalcomponent* c) const { return has_errors_.contains(c); }

    void import_calendar(icalcomponent* cal) {
        std::vector<icalcomponent*> masters;
        std::map<std::string, icalcomponent*> master_by_uid;            // the first master of a UID
        std::map<std::string, std::vector<icalcomponent*>> overrides; // by UID
        for (icalcomponent* ev : children(cal, ICAL_VEVENT_COMPONENT)) {
            icalproperty* uid = first_property(ev, ICAL_UID_PROPERTY);
            const char* uid_text = uid != nullptr ? icalproperty_get_uid(uid) : nullptr;
            if (first_property(ev, ICAL_RECURRENCEID_PROPERTY) != nullptr && uid_text != nullptr) {
                overrides[uid_text].push_back(ev);
            } else {
                masters.push_back(ev);
                if (uid_text != nullptr) master_by_uid.emplace(uid_text, ev);
            }
        }
        for (icalcomponent* ev : masters) {
            if (overflow_) return;
            icalproperty* uid = first_property(ev, ICAL_UID_PROPERTY);
            const char* uid_text = uid != nullptr ? icalproperty_get_uid(uid) : nullptr;
            std::vector<icalcomponent*> own;
            if (uid_text != nullptr)
                if (const auto it = overrides.find(uid_text); it != overrides.end()) own = it->second;
            import_event(ev, own, nullptr);
        }
        // Overrides replace their instance; those of a master outside the file stand alone.
        for (const auto& [uid, list] : overrides) {
            const auto m = master_by_uid.find(uid);
            icalcomponent* master = m == master_by_uid.end() ? nullptr : m->second;
            for (icalcomponent* ov : list) {
                if (overflow_) return;
                import_event(ov, {}, master);
            }
        }
        if (mode_ == mode::busy)
            for (icalcomponent* fb : children(cal, ICAL_VFREEBUSY_COMPONENT)) {
                if (overflow_) return;
                import_freebusy(fb);
            }
    }

    [[nodiscard]] bool skipped(icalcomponent* ev) const {
        if (icalproperty* s = first_property(ev, ICAL_STATUS_PROPERTY); s != nullptr && icalproperty_get_status(s) == ICAL_STATUS_CANCELLED)
            return true;
        if (mode_ == mode::busy)
            if (icalproperty* t = first_property(ev, ICAL_TRANSP_PROPERTY); t != nullptr) {
                const icalproperty_transp v = icalproperty_get_transp(t);
                if (v == ICAL_TRANSP_TRANSPARENT || v == ICAL_TRANSP_TRANSPARENTNOCONFLICT) return true;
            }
        return false;
    }

    // The instance's end: nominal days on the local calendar, then exact seconds.
    static sys_seconds end_of(const civil_time& local, sys_seconds start, const zone_ref& z, const span& s) {
        sys_seconds end = start;
        if (s.days != 0) {
            civil_time e = local;
            e.date = scheduler::add_days(e.date, s.days);
            end = z.to_utc(e);
        }
        return end + std::chrono::seconds{s.seconds};
    }

    // One VEVENT: a master with its recurrences (and `overrides` removing their instances),
    // or an override (`master` set, only for the name). Problems are recorded; nothing
    // from an event with a parse error is checked again.
    void import_event(icalcomponent* ev, const std::vector<icalcomponent*>& overrides, icalcomponent* master) {
        if (has_parse_errors(ev)) return;
        icalproperty* dtstart_p = first_property(ev, ICAL_DTSTART_PROPERTY);
        if (dtstart_p == nullptr) {
            problems_.add(begin_line(ev), "VEVENT without DTSTART");
            return;
        }
        const auto start = read_time(icalproperty_get_dtstart(dtstart_p), dtstart_p, ev, zone_ref::iana(&zone_));
        if (!start) return;
        const zone_ref& ez = start->zone;

        // The length of each instance.
        span length;
        bool zero_length = false;
        if (icalproperty* dtend_p = first_property(ev, ICAL_DTEND_PROPERTY)) {
            const auto end = read_time(icalproperty_get_dtend(dtend_p), dtend_p, ev, ez);
            if (!end) return;
            if (start->is_date && end->is_date) {
                length.days = scheduler::days_from_civil(end->local.date) - scheduler::days_from_civil(start->local.date);
                if (length.days == 0) length.days = 1; // DTEND = DTSTART: written for one day
            } else {
                length.seconds = (end->utc - start->utc).count();
            }
            if (length.days < 0 || length.seconds < 0) {
                problems_.add(property_line(ev, "DTEND"), "DTEND is before DTSTART");
                return;
            }
            zero_length = length.days == 0 && length.seconds == 0;
        } else if (icalproperty* dur_p = first_property(ev, ICAL_DURATION_PROPERTY)) {
            const icaldurationtype d = icalproperty_get_duration(dur_p);
            if (d.is_neg != 0) {
                problems_.add(property_line(ev, "DURATION"), "DURATION is negative");
                return;
            }
            length.days = static_cast<std::int64_t>(d.days) + 7 * static_cast<std::int64_t>(d.weeks);
            length.seconds = static_cast<std::int64_t>(d.hours) * 3600 + static_cast<std::int64_t>(d.minutes) * 60 +
                             static_cast<std::int64_t>(d.seconds);
            zero_length = length.days == 0 && length.seconds == 0;
        } else if (start->is_date) {
            length.days = 1;
        } else {
            zero_length = true;
        }

        // Instances: start UTC -> (local start, length), DTSTART always among them.
        struct instance {
            civil_time local;
            span length;
        };
        std::map<sys_seconds, instance> instances;
        instances.emplace(start->utc, instance{start->local, length});

        if (skipped(ev) || zero_length) return;
        if (!master) { // overrides are single instances
            const std::size_t removals = properties(ev, ICAL_EXDATE_PROPERTY).size() + overrides.size();
            if (!expand_rrules(ev, *start, length, removals, instances)) return;
            for (icalproperty* p : properties(ev, ICAL_RDATE_PROPERTY)) {
                const icaldatetimeperiodtype rd = icalproperty_get_rdate(p);
                const bool is_period = !icaltime_is_null_time(rd.period.start);
                icaltimetype t = is_period ? rd.period.start : rd.time;
                if (t.is_date && !start->is_date) { // a date in a timed series: DTSTART's time of day
                    t.is_date = 0;
                    t.hour = start->local.hour;
                    t.minute = start->local.minute;
                    t.second = start->local.second;
                }
                const auto v = read_time(t, p, ev, ez);
                if (!v) return;
                span l = length;
                if (is_period) {
                    l = {};
                    if (!icaltime_is_null_time(rd.period.end)) {
                        const auto e = read_time(rd.period.end, p, ev, ez);
                        if (!e) return;
                        l.seconds = (e->utc - v->utc).count();
                    } else {
                        l.seconds = icaldurationtype_as_int(rd.period.duration);
                    }
                    if (l.seconds < 0) {
                        problems_.add(property_line(ev, "RDATE"), "RDATE period ends before it starts");
                        return;
                    }
                }
                instances.emplace(v->utc, instance{ez.to_local(v->utc), l});
            }
        }

        // EXDATEs and the instances that overrides replace.
        const auto remove = [&](icaltimetype t, icalproperty* p, icalcomponent* owner) {
            const auto v = read_time(t, p, owner, ez);
            if (!v) return false;
            if (v->is_date && !start->is_date) {
                std::erase_if(instances, [&](const auto& kv) { return kv.second.local.date == v->local.date; });
            } else {
                instances.erase(v->utc);
            }
            return true;
        };
        for (icalproperty* p : properties(ev, ICAL_EXDATE_PROPERTY))
            if (!remove(icalproperty_get_exdate(p), p, ev)) return;
        for (icalcomponent* ov : overrides) {
            if (has_parse_errors(ov)) continue;
            icalproperty* rid = first_property(ov, ICAL_RECURRENCEID_PROPERTY);
            if (!remove(icalproperty_get_recurrenceid(rid), rid, ov)) return;
        }

        std::string name;
        if (mode_ == mode::blackouts) {
            icalproperty* s = first_property(ev, ICAL_SUMMARY_PROPERTY);
            if (s == nullptr && master != nullptr) s = first_property(master, ICAL_SUMMARY_PROPERTY);
            name = clean_name(s != nullptr ? icalproperty_get_summary(s) : nullptr, limits_.max_name_length);
        }
        for (const auto& [utc, inst] : instances) {
            const sys_seconds end = end_of(inst.local, utc, ez, inst.length);
            if (!add(interval{utc, end}, name, ev, {})) return;
        }
    }

    // Adds the RRULE instances of ev that overlap the horizon to `instances`; false after a
    // problem. Stops early only when more than max_intervals would remain even after
    // `removals` (EXDATEs and overrides) took theirs out, so add() still sees the excess.
    template <class Instances>
    bool expand_rrules(icalcomponent* ev, const time_value& start, const span& length, std::size_t removals,
                       Instances& instances) {
        const zone_ref& ez = start.zone;
        // Iteration stops a day past the horizon's end in local time (the UTC check below
        // is exact); instances that end before the horizon's start are not converted.
        civil_time stop = ez.to_local(limits_.horizon_end);
        stop.date = scheduler::add_days(stop.date, 1);
        const std::int64_t reach = length.days * 86400 + length.seconds + 2 * 86400;
        const std::int64_t horizon_start = limits_.horizon_start.time_since_epoch().count();

        for (icalproperty* p : properties(ev, ICAL_RRULE_PROPERTY)) {
            const std::size_t line = property_line(ev, "RRULE");
            icalrecurrencetype rule = icalproperty_get_rrule(p);
            if (rule.freq == ICAL_NO_RECURRENCE) {
                problems_.add(line, "RRULE is not a valid recurrence rule");
                return false;
            }
            if (rule.rscale != nullptr && *rule.rscale != '\0') {
                problems_.add(line, "RRULE uses RSCALE; only the Gregorian calendar is supported");
                return false;
            }
            // UNTIL becomes a local wall-clock time: a date means that whole day, a UTC
            // time is converted to the event's zone. libical then compares floating times only.
            civil_time until = stop;
            if (!icaltime_is_null_time(rule.until)) {
                civil_time u{{rule.until.year, rule.until.month, rule.until.day}, 23, 59, 59};
                if (!rule.until.is_date) {
                    u.hour = rule.until.hour;
                    u.minute = rule.until.minute;
                    u.second = rule.until.second;
                }
                if (!scheduler::is_valid(u)) {
                    problems_.add(line, "RRULE has an invalid UNTIL");
                    return false;
                }
                if (!rule.until.is_date && icaltime_is_utc(rule.until))
                    u = ez.to_local(scheduler::seconds_from_civil(u));
                until = std::min(until, u);
            }
            rule.until = icaltime_null_time();
            rule.until.year = until.date.year;
            rule.until.month = until.date.month;
            rule.until.day = until.date.day;
            rule.until.hour = until.hour;
            rule.until.minute = until.minute;
            rule.until.second = until.second;

            icaltimetype from = icaltime_null_time();
            from.year = start.local.date.year;
            from.month = start.local.date.month;
            from.day = start.local.date.day;
            from.hour = start.local.hour;
            from.minute = start.local.minute;
            from.second = start.local.second;
            iterator_ptr it(icalrecur_iterator_new(rule, from));
            if (!it) {
                problems_.add(line, "RRULE has parts that contradict each other or do not fit its FREQ");
                return false;
            }
            for (icaltimetype t = icalrecur_iterator_next(it.get()); !icaltime_is_null_time(t);
                 t = icalrecur_iterator_next(it.get())) {
                if (++steps_ > limits_.max_expansion_steps) {
                    problems_.add(line, "RRULE needs more than " + std::to_string(limits_.max_expansion_steps) +
                                            " steps to reach the end of the import period");
                    overflow_ = true;
                    return false;
                }
                const civil_time local{{t.year, t.month, t.day}, t.hour, t.minute, t.second};
                if (!scheduler::is_valid(local) || local > until) break;
                if (scheduler::seconds_from_civil(local).time_since_epoch().count() + reach < horizon_start) continue;
                const sys_seconds utc = ez.to_utc(local);
                if (utc >= limits_.horizon_end) break;
                if (end_of(local, utc, ez, length) <= limits_.horizon_start) continue;
                instances.emplace(utc, typename Instances::mapped_type{local, length});
                if (instances.size() > limits_.max_intervals + removals + 1) break; // add() reports it
            }
        }
        return true;
    }

    void import_freebusy(icalcomponent* fb) {
        if (has_parse_errors(fb)) return;
        for (icalproperty* p : properties(fb, ICAL_FREEBUSY_PROPERTY)) {
            if (icalparameter* t = icalproperty_get_first_parameter(p, ICAL_FBTYPE_PARAMETER))
                if (icalparameter_get_fbtype(t) == ICAL_FBTYPE_FREE) continue;
            const icalperiodtype period = icalproperty_get_freebusy(p);
            const auto s = read_time(period.start, p, fb, zone_ref::iana(&zone_));
            if (!s) return;
            sys_seconds end{};
            if (!icaltime_is_null_time(period.end)) {
                const auto e = read_time(period.end, p, fb, s->zone);
                if (!e) return;
                end = e->utc;
            } else {
                if (period.duration.is_neg != 0) {
                    problems_.add(property_line(fb, "FREEBUSY"), "FREEBUSY period has a negative duration");
                    return;
                }
                end = s->utc + std::chrono::seconds{icaldurationtype_as_int(period.duration)};
            }
            if (end < s->utc) {
                problems_.add(property_line(fb, "FREEBUSY"), "FREEBUSY period ends before it starts");
                return;
            }
            if (!add(interval{s->utc, end}, {}, fb, "FREEBUSY")) return;
        }
    }

    // Keeps an interval that overlaps the horizon; false once there are too many (the
    // problem is placed at `prop` in c, or at c's BEGIN).
    bool add(const interval& when, const std::string& name, icalcomponent* c, std::string_view prop) {
        if (when.end <= when.start || when.end <= limits_.horizon_start || when.start >= limits_.horizon_end) return true;
        if (out_.size() >= limits_.max_intervals) {
            problems_.add(prop.empty() ? begin_line(c) : property_line(c, prop), "the file has more than " + std::to_string(limits_.max_intervals) +
                                    " intervals in the import period (after expanding recurrences)");
            overflow_ = true;
            return false;
        }
        out_.push_back({when, name});
        return true;
    }

    std::string_view body_;
    std::size_t first_line_;
    const time_zone& zone_;
    const import_limits& limits_;
    mode mode_;

    text_index index_;
    component_ptr root_;
    std::vector<icalcomponent*> calendars_;
    std::map<const icalcomponent*, std::size_t> node_of_;
    std::set<const icalcomponent*> has_errors_;
    std::map<std::string, icalcomponent*> vtimezones_;
    std::map<std::string, std::optional<zone_ref>> resolved_;
    std::vector<zone_ptr> zones_; // declared after root_: freed first (they own clones only)
    problem_list problems_;
    std::vector<occurrence> out_;
    std::size_t steps_ = 0;
    std::int64_t rule_years_ = 0; // of the VTIMEZONEs built so far
    bool overflow_ = false;
};

// Checks that need no parser, then the importer.
result<std::vector<occurrence>> import(std::string_view ics, const time_zone& zone, const import_limits& limits, mode m) {
    if (limits.horizon_end <= limits.horizon_start)
        return error{errc::internal, "import_limits: horizon_end must be after horizon_start.", {}};
    const std::size_t listed = limits.max_errors_listed;
    if (ics.empty()) return one_problem(0, "is empty", listed);
    if (ics.size() > limits.max_bytes)
        return one_problem(0, "is larger than " + std::to_string(limits.max_bytes) + " bytes", listed);
    if (const std::size_t bad = invalid_utf8_at(ics); bad != std::string_view::npos)
        return one_problem(line_number_at(ics, bad), "is not valid UTF-8 (byte " + std::to_string(bad + 1) + ")", listed);
    if (const std::size_t nul = ics.find('\0'); nul != std::string_view::npos)
        return one_problem(line_number_at(ics, nul), "contains a NUL character", listed);

    std::string_view body = ics;
    if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
    const std::size_t first = body.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return one_problem(0, "is empty", listed);
    const std::size_t first_line = line_number_at(body, first);
    body.remove_prefix(first);
    const std::size_t eol = body.find_first_of("\r\n");
    std::string_view head = body.substr(0, eol);
    while (!head.empty() && (head.back() == ' ' || head.back() == '\t')) head.remove_suffix(1);
    if (upper(head) != "BEGIN:VCALENDAR")
        return one_problem(0, "is not an iCalendar file: it must start with BEGIN:VCALENDAR", listed);

    prepare_libical();
    return importer(body, first_line, zone, limits, m).run();
}

} // namespace

result<std::vector<named_interval>> import_blackouts(std::string_view ics, const time_zone& zone,
                                                     const import_limits& limits) {
    auto found = import(ics, zone, limits, mode::blackouts);
    if (!found) return std::move(found).err();
    std::vector<named_interval> out;
    out.reserve(found->size());
    for (occurrence& o : *found) out.push_back({{}, std::move(o.name), o.when});
    std::sort(out.begin(), out.end(), [](const named_interval& a, const named_interval& b) {
        if (a.when.start != b.when.start) return a.when.start < b.when.start;
        if (a.when.end != b.when.end) return a.when.end < b.when.end;
        return a.name < b.name;
    });
    return out;
}

result<std::vector<interval>> import_busy(std::string_view ics, const time_zone& zone, const import_limits& limits) {
    auto found = import(ics, zone, limits, mode::busy);
    if (!found) return std::move(found).err();
    std::vector<interval> all;
    all.reserve(found->size());
    for (const occurrence& o : *found) all.push_back(o.when);
    std::sort(all.begin(), all.end(),
              [](const interval& a, const interval& b) { return a.start != b.start ? a.start < b.start : a.end < b.end; });
    std::vector<interval> merged;
    for (const interval& i : all) {
        if (!merged.empty() && i.start <= merged.back().end) merged.back().end = std::max(merged.back().end, i.end);
        else merged.push_back(i);
    }
    return merged;
}

} // namespace copsched::calendar
