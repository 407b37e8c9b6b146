#include "scheduler/time_zone.hpp"

#include <date/tz.h>

#include <algorithm>
#include <array>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>

namespace copsched::scheduler {

// The tz database: date/tz's, or std::chrono's with the same names (locate_zone, sys_info,
// local_info) once the standard library has time zones (libstdc++ 14). Then only this alias
// changes, and the footer rule below goes unused: std::chrono's zones follow their rules
// for ever, date/tz's (built with USE_OS_TZDB) end with the file's last transition.
namespace tzdb = date;

namespace {

constexpr std::int64_t seconds_per_day = 86400;
// RFC 8536 section 3.2: UTC offsets lie in [-24:59:59, +25:59:59].
constexpr std::int32_t min_offset = -89999;
constexpr std::int32_t max_offset = 93599;
// The Gregorian calendar, weekdays included, repeats every 400 years.
constexpr std::int64_t seconds_per_400_years = 146097 * seconds_per_day;
// No zone file is anywhere near this; a bigger file is not one.
constexpr std::uintmax_t max_tzif_size = 1 << 20;
constexpr std::size_t max_zone_name = 255;

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    const std::int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// ---- POSIX TZ strings: the footer rule ----------------------------------------------

class tz_parser {
public:
    explicit tz_parser(std::string_view s) noexcept : s_(s) {}

    bool at_end() const noexcept { return i_ == s_.size(); }
    bool next_is(char c) const noexcept { return i_ < s_.size() && s_[i_] == c; }
    bool skip(char c) noexcept {
        if (!next_is(c)) return false;
        ++i_;
        return true;
    }
    bool next_starts_offset() const noexcept {
        return i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-' || is_digit(s_[i_]));
    }

    // A zone abbreviation: three or more letters, or <...> of letters, digits, '+', '-'.
    // On success *out holds it without the quotes.
    bool name(std::string* out) {
        const std::size_t begin = i_;
        if (skip('<')) {
            while (i_ < s_.size() && s_[i_] != '>') {
                const char c = s_[i_];
                if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-') return false;
                ++i_;
            }
            if (i_ - begin - 1 < 3 || !skip('>')) return false;
            *out = std::string(s_.substr(begin + 1, i_ - begin - 2));
            return true;
        }
        while (i_ < s_.size() && is_alpha(s_[i_])) ++i_;
        if (i_ - begin < 3) return false;
        *out = std::string(s_.substr(begin, i_ - begin));
        return true;
    }

    // [+-]h[h...][:mm[:ss]] in seconds, hours at most max_hours.
    std::optional<std::int32_t> hms(int max_hours) noexcept {
        int sign = 1;
        if (skip('-'))
            sign = -1;
        else
            skip('+');
        const auto h = number(3);
        if (!h || *h > max_hours) return std::nullopt;
        std::int32_t total = *h * 3600;
        if (skip(':')) {
            const auto m = number(2);
            if (!m || *m > 59) return std::nullopt;
            total += *m * 60;
            if (skip(':')) {
                const auto sec = number(2);
                if (!sec || *sec > 59) return std::nullopt;
                total += *sec;
            }
        }
        return sign * total;
    }

    // Jn, n or Mm.w.d, with an optional /time.
    std::optional<detail::rule_day> day() noexcept {
        detail::rule_day r;
        if (skip('J')) {
            const auto n = number(3);
            if (!n || *n < 1 || *n > 365) return std::nullopt;
            r.kind = detail::rule_day::form::julian_1;
            r.day = *n;
        } else if (skip('M')) {
            const auto m = number(2);
            if (!m || *m < 1 || *m > 12 || !skip('.')) return std::nullopt;
            const auto w = number(1);
            if (!w || *w < 1 || *w > 5 || !skip('.')) return std::nullopt;
            const auto d = number(1);
            if (!d || *d > 6) return std::nullopt;
            r.kind = detail::rule_day::form::month_week_day;
            r.month = *m;
            r.week = *w;
            r.wday = *d;
        } else {
            const auto n = number(3);
            if (!n || *n > 365) return std::nullopt;
            r.kind = detail::rule_day::form::julian_0;
            r.day = *n;
        }
        if (skip('/')) {
            const auto t = hms(167);
            if (!t) return std::nullopt;
            r.time = *t;
        }
        return r;
    }

private:
    static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
    static bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

    std::optional<int> number(std::size_t max_digits) noexcept {
        std::size_t n = 0;
        int value = 0;
        while (n < max_digits && i_ < s_.size() && is_digit(s_[i_])) {
            value = value * 10 + (s_[i_] - '0');
            ++i_;
            ++n;
        }
        if (n == 0) return std::nullopt;
        return value;
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

// Local day number (days since 1970-01-01) on which r falls in the given year.
std::int64_t rule_day_number(const detail::rule_day& r, int year) noexcept {
    const std::int64_t jan1 = days_from_civil({year, 1, 1});
    switch (r.kind) {
    case detail::rule_day::form::julian_1: return jan1 + r.day - 1 + (is_leap_year(year) && r.day >= 60 ? 1 : 0);
    case detail::rule_day::form::julian_0: return jan1 + r.day;
    case detail::rule_day::form::month_week_day: break;
    }
    const std::int64_t first = days_from_civil({year, r.month, 1});
    const auto first_wday = static_cast<int>((first % 7 + 7 + 4) % 7); // 1970-01-01: Thursday (4)
    int day = 1 + (r.wday - first_wday + 7) % 7 + (r.week - 1) * 7;
    if (day > days_in_month(year, r.month)) day -= 7;
    return first + day - 1;
}

struct rule_change {
    std::int64_t at = 0;
    std::int32_t offset_after = 0;
};

// The changes of years year-2 .. year+2 in time order; a tie puts the change to standard
// time first, so that "0/0,J365/25" (summer time all year) stays in summer time.
std::array<rule_change, 10> rule_changes_around(const detail::posix_rule& rule, int year) noexcept {
    std::array<rule_change, 10> out{};
    std::size_t n = 0;
    for (int y = year - 2; y <= year + 2; ++y) {
        out[n++] = {rule_day_number(rule.start, y) * seconds_per_day + rule.start.time - rule.std_offset,
                    rule.dst_offset};
        out[n++] = {rule_day_number(rule.end, y) * seconds_per_day + rule.end.time - rule.dst_offset, rule.std_offset};
    }
    std::sort(out.begin(), out.end(), [&](const rule_change& a, const rule_change& b) {
        if (a.at != b.at) return a.at < b.at;
        return a.offset_after == rule.std_offset && b.offset_after != rule.std_offset;
    });
    return out;
}

// t reduced into [0, 400 years) and the shift that was taken off.
struct reduced {
    std::int64_t t;
    std::int64_t shift;
};
reduced reduce(std::int64_t t) noexcept {
    const std::int64_t shift = floor_div(t, seconds_per_400_years) * seconds_per_400_years;
    return {t - shift, shift};
}

int utc_year(std::int64_t t) noexcept { return civil_from_days(floor_div(t, seconds_per_day)).year; }

std::int32_t rule_offset_at(const detail::posix_rule& rule, std::int64_t t) noexcept {
    if (!rule.has_dst) return rule.std_offset;
    const auto [rt, shift] = reduce(t);
    const auto changes = rule_changes_around(rule, utc_year(rt));
    std::int32_t offset = rule.std_offset;
    for (const auto& c : changes)
        if (c.at <= rt) offset = c.offset_after;
    return offset;
}

// The first rule change strictly after t; nullopt only when it would not fit in 64 bits.
std::optional<std::int64_t> rule_next_change(const detail::posix_rule& rule, std::int64_t t) noexcept {
    if (!rule.has_dst) return std::nullopt;
    const auto [rt, shift] = reduce(t);
    for (const auto& c : rule_changes_around(rule, utc_year(rt))) {
        if (c.at <= rt) continue;
        constexpr auto max = std::numeric_limits<std::int64_t>::max();
        if (shift > 0 && c.at > max - shift) return std::nullopt;
        return c.at + shift;
    }
    return std::nullopt;
}

// ---- the zone: date/tz's table, then the footer rule ----------------------------------

std::int64_t secs(sys_seconds t) noexcept { return t.time_since_epoch().count(); }
sys_seconds at(std::int64_t s) noexcept { return sys_seconds{std::chrono::seconds{s}}; }

error not_a_zone(std::string_view name) {
    return error::invalid("timezone", "'" + std::string(name) + "' is not an IANA time zone");
}

error corrupt(std::string_view name, std::string_view why) {
    return {
        errc::internal, "The zoneinfo file for " + std::string(name) + " is unusable: " + std::string(why) + ".", {}};
}

// The rule in the footer of the zone's TZif file (RFC 8536 section 3.3): the last line of
// a version 2+ file; nullopt for a version 1 file or an empty footer. date/tz reads the
// file's transitions but not its footer.
result<std::optional<detail::posix_rule>> read_footer_rule(std::string_view name) {
    const std::filesystem::path path = std::filesystem::path(default_zoneinfo_dir) / std::string(name);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return not_a_zone(name);
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return corrupt(name, "cannot read its size");

    std::ifstream file(path, std::ios::binary);
    std::string data(static_cast<std::size_t>(std::min<std::uintmax_t>(size, max_tzif_size + 1)), '\0');
    if (!file || !file.read(data.data(), static_cast<std::streamsize>(data.size())))
        return corrupt(name, "cannot read it");
    if (data.size() < 5 || data.compare(0, 4, "TZif") != 0) return not_a_zone(name);
    if (data.size() > max_tzif_size) return corrupt(name, "too large");
    // Versions 2 and later share one layout; later versions only loosen what data means.
    const char version = data[4];
    if (version == '\0') return std::optional<detail::posix_rule>{};
    if (version < '2' || version > '9') return corrupt(name, "unknown version");

    // The footer is "\n" TZ "\n" and TZ holds no newline.
    const std::size_t start = data.back() == '\n' ? data.rfind('\n', data.size() - 2) : std::string::npos;
    if (start == std::string::npos) return corrupt(name, "no footer");
    const std::string_view tz = std::string_view(data).substr(start + 1, data.size() - start - 2);
    if (tz.empty()) return std::optional<detail::posix_rule>{};
    auto rule = detail::parse_posix_rule(tz);
    if (!rule) return corrupt(name, "unsupported TZ string in the footer");
    return rule;
}

// The instants at which a rule's wall clock shows `wall`: one of its two offsets shows it,
// both do (the clocks were set back over it), or neither (they jumped over it: then the
// change at which they jumped, the first instant after the gap).
local_result rule_to_utc(const detail::posix_rule& rule, std::int64_t wall) noexcept {
    const std::int64_t in_std = wall - rule.std_offset;
    const std::int64_t in_dst = wall - rule.dst_offset;
    if (!rule.has_dst || in_std == in_dst) return {local_kind::unique, at(in_std), at(in_std)};
    const bool std_shows = rule_offset_at(rule, in_std) == rule.std_offset;
    const bool dst_shows = rule_offset_at(rule, in_dst) == rule.dst_offset;
    const auto [earlier, later] = std::minmax(in_std, in_dst);
    if (std_shows && dst_shows) return {local_kind::ambiguous, at(earlier), at(later)};
    if (std_shows || dst_shows) {
        const std::int64_t t = std_shows ? in_std : in_dst;
        return {local_kind::unique, at(t), at(t)};
    }
    const std::int64_t jump = rule_next_change(rule, earlier).value_or(earlier);
    return {local_kind::nonexistent, at(jump), at(jump)};
}

local_result from_local_info(const tzdb::local_info& info, sys_seconds wall) noexcept {
    if (info.result == tzdb::local_info::ambiguous)
        return {local_kind::ambiguous, wall - info.first.offset, wall - info.second.offset};
    if (info.result == tzdb::local_info::nonexistent)
        return {local_kind::nonexistent, info.second.begin, info.second.begin};
    return {local_kind::unique, wall - info.first.offset, wall - info.first.offset};
}

} // namespace

// The database's transitions up to its last one, the footer rule from there on (as glibc
// reads a TZif file). Constant after construction.
struct time_zone::rules {
    const tzdb::time_zone* table = nullptr; // nullptr: the rule alone (from_posix_rule)
    std::optional<detail::posix_rule> footer;
    // The start of the table's last period, which lasts forever in date/tz: the footer
    // governs from here (it agrees with that period's offset at its start).
    sys_seconds footer_from = at(std::numeric_limits<std::int64_t>::min() / 2);

    [[nodiscard]] bool by_footer(sys_seconds t) const noexcept { return footer && t >= footer_from; }
};

namespace detail {

std::optional<posix_rule> parse_posix_rule(std::string_view tz) {
    tz_parser p(tz);
    posix_rule rule;
    if (!p.name(&rule.std_abbreviation)) return std::nullopt;
    const auto std_west = p.hms(24);
    if (!std_west) return std::nullopt;
    rule.std_offset = -*std_west;
    if (p.at_end()) return rule;

    if (!p.name(&rule.dst_abbreviation)) return std::nullopt;
    rule.has_dst = true;
    rule.dst_offset = rule.std_offset + 3600;
    if (p.next_starts_offset()) {
        const auto dst_west = p.hms(24);
        if (!dst_west) return std::nullopt;
        rule.dst_offset = -*dst_west;
    }
    // Without a rule POSIX leaves the dates to the implementation; zic never writes that.
    if (!p.skip(',')) return std::nullopt;
    const auto start = p.day();
    if (!start || !p.skip(',')) return std::nullopt;
    const auto end = p.day();
    if (!end || !p.at_end()) return std::nullopt;
    rule.start = *start;
    rule.end = *end;
    for (const auto off : {rule.std_offset, rule.dst_offset})
        if (off < min_offset || off > max_offset) return std::nullopt;
    return rule;
}

} // namespace detail

bool is_valid_zone_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > max_zone_name) return false;
    if (name.front() == '/' || name.back() == '/' || name.find("//") != std::string_view::npos) return false;
    for (const char c : name) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
                        c == '_' || c == '+' || c == '-';
        if (!ok) return false; // no '.', so no ".." either
    }
    return true;
}

result<time_zone> time_zone::load(std::string_view iana_name) {
    if (!is_valid_zone_name(iana_name))
        return error::invalid("timezone", "not an IANA time zone name such as Europe/Amsterdam");
    try {
        (void)tzdb::get_tzdb();
    } catch (const std::exception& e) {
        return error{errc::internal, "The time zone database cannot be read: " + std::string(e.what()), {}};
    }
    auto r = std::make_shared<rules>();
    try {
        r->table = tzdb::locate_zone(iana_name);
    } catch (const std::exception&) {
        return not_a_zone(iana_name);
    }
    auto footer = read_footer_rule(iana_name);
    if (!footer) return std::move(footer).err();
    r->footer = *footer;
    try { // reads the file's transitions, once
        r->footer_from = r->table->get_info(tzdb::sys_days{tzdb::year::max() / tzdb::January / 1}).begin;
    } catch (const std::exception& e) {
        return corrupt(iana_name, e.what());
    }
    return time_zone(std::string(iana_name), std::move(r));
}

result<time_zone> time_zone::from_posix_rule(std::string_view tz) {
    auto r = std::make_shared<rules>();
    r->footer = detail::parse_posix_rule(tz);
    if (!r->footer) return error::invalid("timezone", "not a POSIX TZ rule such as CET-1CEST,M3.5.0,M10.5.0/3");
    return time_zone(std::string(tz), std::move(r));
}

std::chrono::seconds time_zone::offset_at(sys_seconds utc) const noexcept {
    if (rules_->by_footer(utc)) return std::chrono::seconds{rule_offset_at(*rules_->footer, secs(utc))};
    return rules_->table->get_info(utc).offset;
}

civil_time time_zone::to_local(sys_seconds utc) const noexcept { return civil_from_seconds(utc + offset_at(utc)); }

local_result time_zone::to_utc(const civil_time& local) const noexcept {
    // The wall clock read as if UTC; the instants that show it lie within the widest offsets.
    const sys_seconds wall = seconds_from_civil(local);
    if (rules_->by_footer(wall - std::chrono::seconds{max_offset})) return rule_to_utc(*rules_->footer, secs(wall));
    // Near footer_from the table still answers: the rule's next change is months away.
    return from_local_info(rules_->table->get_info(tzdb::local_seconds{wall.time_since_epoch()}), wall);
}

time_zone time_zone::from_rule(std::string name, const detail::posix_rule& r) {
    auto rs = std::make_shared<rules>();
    rs->footer = r;
    return time_zone(std::move(name), std::move(rs));
}

const detail::posix_rule* time_zone::footer_rule() const noexcept {
    return rules_->footer ? &*rules_->footer : nullptr;
}

zone_period time_zone::period_at(sys_seconds utc) const {
    if (rules_->by_footer(utc)) {
        const auto& f = *rules_->footer;
        const std::int32_t offset = rule_offset_at(f, secs(utc));
        const bool dst = f.has_dst && offset == f.dst_offset && f.dst_offset != f.std_offset;
        return {std::chrono::seconds{offset}, dst, dst ? f.dst_abbreviation : f.std_abbreviation};
    }
    const auto info = rules_->table->get_info(utc);
    return {info.offset, info.save != std::chrono::minutes{0}, info.abbrev};
}

std::vector<zone_transition> time_zone::transitions(sys_seconds from, sys_seconds to) const {
    // The first instant after t at which a new period may begin; nullopt: none ever.
    auto next_after = [this](sys_seconds t) -> std::optional<sys_seconds> {
        if (rules_->by_footer(t)) {
            const auto next = rule_next_change(*rules_->footer, secs(t));
            if (!next) return std::nullopt;
            return at(*next);
        }
        const auto end = rules_->table->get_info(t).end;
        // date/tz's last period ends at its largest time: no change follows without a footer.
        if (end >= tzdb::sys_days{tzdb::year::max() / tzdb::January / 1}) return std::nullopt;
        return sys_seconds{std::chrono::floor<std::chrono::seconds>(end)};
    };
    std::vector<zone_transition> out;
    if (from >= to) return out;
    zone_period before = period_at(from - std::chrono::seconds{1});
    for (auto t = next_after(from - std::chrono::seconds{1}); t && *t < to; t = next_after(*t)) {
        zone_period after = period_at(*t);
        if (after != before)
            out.push_back({*t, before.offset, after.offset, before.dst, after.dst, after.abbreviation});
        before = std::move(after);
    }
    return out;
}

const time_zone* find_time_zone(std::string_view name) {
    if (!is_valid_zone_name(name)) return nullptr;
    struct cache {
        std::mutex mutex;
        std::map<std::string, std::unique_ptr<const time_zone>, std::less<>> zones; // guarded by mutex
    };
    // Never destroyed: callers on other threads may still hold pointers during exit.
    static cache* const zones_cache = new cache;
    const std::lock_guard lock(zones_cache->mutex);
    if (const auto it = zones_cache->zones.find(name); it != zones_cache->zones.end()) return it->second.get();
    auto loaded = time_zone::load(name);
    if (!loaded) return nullptr;
    auto zone = std::make_unique<const time_zone>(std::move(loaded).value());
    const time_zone* out = zone.get();
    zones_cache->zones.emplace(std::string(name), std::move(zone));
    return out;
}

} // namespace copsched::scheduler
