#include "scheduler/time_zone.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>

namespace copsched::scheduler {
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

// ---- POSIX TZ strings ---------------------------------------------------------------

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
    bool name() noexcept {
        const std::size_t begin = i_;
        if (skip('<')) {
            while (i_ < s_.size() && s_[i_] != '>') {
                const char c = s_[i_];
                if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-') return false;
                ++i_;
            }
            if (i_ - begin - 1 < 3 || !skip('>')) return false;
            return true;
        }
        while (i_ < s_.size() && is_alpha(s_[i_])) ++i_;
        return i_ - begin >= 3;
    }

    // [+-]h[h...][:mm[:ss]] in seconds, hours at most max_hours.
    std::optional<std::int32_t> hms(int max_hours) noexcept {
        int sign = 1;
        if (skip('-')) sign = -1;
        else skip('+');
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
    case detail::rule_day::form::julian_1:
        return jan1 + r.day - 1 + (is_leap_year(year) && r.day >= 60 ? 1 : 0);
    case detail::rule_day::form::julian_0:
        return jan1 + r.day;
    case detail::rule_day::form::month_week_day:
        break;
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
        out[n++] = {rule_day_number(rule.end, y) * seconds_per_day + rule.end.time - rule.dst_offset,
                    rule.std_offset};
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

// ---- TZif -----------------------------------------------------------------------------

class byte_reader {
public:
    explicit byte_reader(std::string_view data) noexcept : data_(data) {}

    std::size_t pos() const noexcept { return pos_; }
    std::size_t remaining() const noexcept { return data_.size() - pos_; }
    bool skip(std::uint64_t n) noexcept {
        if (n > remaining()) return false;
        pos_ += static_cast<std::size_t>(n);
        return true;
    }
    std::optional<std::string_view> take(std::size_t n) noexcept {
        if (n > remaining()) return std::nullopt;
        const auto out = data_.substr(pos_, n);
        pos_ += n;
        return out;
    }
    std::optional<std::uint64_t> big_endian(std::size_t width) noexcept {
        const auto bytes = take(width);
        if (!bytes) return std::nullopt;
        std::uint64_t v = 0;
        for (const char c : *bytes) v = (v << 8) | static_cast<unsigned char>(c);
        return v;
    }

private:
    std::string_view data_;
    std::size_t pos_ = 0;
};

struct tzif_header {
    char version = 0;
    std::uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;

    std::uint64_t data_size(std::uint64_t time_size) const noexcept {
        return std::uint64_t{timecnt} * time_size + timecnt + std::uint64_t{typecnt} * 6 + charcnt +
               std::uint64_t{leapcnt} * (time_size + 4) + isstdcnt + isutcnt;
    }
};

std::optional<tzif_header> read_header(byte_reader& in) noexcept {
    const auto magic = in.take(4);
    const auto version = in.take(1);
    if (!magic || *magic != "TZif" || !version || !in.skip(15)) return std::nullopt;
    tzif_header h;
    h.version = (*version)[0];
    std::uint32_t* counts[] = {&h.isutcnt, &h.isstdcnt, &h.leapcnt, &h.timecnt, &h.typecnt, &h.charcnt};
    for (auto* c : counts) {
        const auto v = in.big_endian(4);
        if (!v) return std::nullopt;
        *c = static_cast<std::uint32_t>(*v);
    }
    return h;
}

std::int64_t to_signed(std::uint64_t v, std::size_t width) noexcept {
    if (width == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
}

error not_a_zone(std::string_view name) {
    return error::invalid("timezone", "'" + std::string(name) + "' is not an IANA time zone");
}

error corrupt(std::string_view name, std::string_view why) {
    return {errc::internal, "The zoneinfo file for " + std::string(name) + " is unusable: " + std::string(why) + ".",
            {}};
}

} // namespace

namespace detail {

std::optional<posix_rule> parse_posix_rule(std::string_view tz) noexcept {
    tz_parser p(tz);
    posix_rule rule;
    if (!p.name()) return std::nullopt;
    const auto std_west = p.hms(24);
    if (!std_west) return std::nullopt;
    rule.std_offset = -*std_west;
    if (p.at_end()) return rule;

    if (!p.name()) return std::nullopt;
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

result<time_zone> time_zone::load(std::string_view iana_name, const std::string& zoneinfo_dir) {
    if (!is_valid_zone_name(iana_name))
        return error::invalid("timezone", "not an IANA time zone name such as Europe/Amsterdam");

    const std::filesystem::path path = std::filesystem::path(zoneinfo_dir) / std::string(iana_name);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return not_a_zone(iana_name);
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return corrupt(iana_name, "cannot read its size");

    std::ifstream file(path, std::ios::binary);
    std::string data(static_cast<std::size_t>(std::min<std::uintmax_t>(size, max_tzif_size + 1)), '\0');
    if (!file || !file.read(data.data(), static_cast<std::streamsize>(data.size())))
        return corrupt(iana_name, "cannot read it");
    if (data.size() < 4 || data.compare(0, 4, "TZif") != 0) return not_a_zone(iana_name);
    if (data.size() > max_tzif_size) return corrupt(iana_name, "too large");

    byte_reader in(data);
    auto header = read_header(in);
    if (!header) return corrupt(iana_name, "truncated header");
    std::size_t time_size = 4;
    // Versions 2 and later share one layout; later versions only loosen what data means.
    if (header->version >= '2' && header->version <= '9') {
        // Skip the 32-bit block; the 64-bit one after the second header covers all times.
        if (!in.skip(header->data_size(4))) return corrupt(iana_name, "truncated version 1 data");
        header = read_header(in);
        if (!header) return corrupt(iana_name, "truncated second header");
        time_size = 8;
    } else if (header->version != '\0') {
        return corrupt(iana_name, "unknown version");
    }
    const tzif_header& h = *header;
    if (h.leapcnt != 0) return error::invalid("timezone", "leap-second time zones are not supported");
    if (h.typecnt == 0 || (h.isstdcnt != 0 && h.isstdcnt != h.typecnt) ||
        (h.isutcnt != 0 && h.isutcnt != h.typecnt) || in.remaining() < h.data_size(time_size))
        return corrupt(iana_name, "inconsistent counts");

    // The size check above makes every read below succeed.
    std::vector<std::int64_t> times(h.timecnt);
    for (auto& t : times) t = to_signed(*in.big_endian(time_size), time_size);
    std::vector<std::uint8_t> type_of(h.timecnt);
    for (auto& t : type_of) t = static_cast<std::uint8_t>(*in.big_endian(1));
    std::vector<std::int32_t> offsets(h.typecnt);
    for (auto& off : offsets) {
        off = static_cast<std::int32_t>(to_signed(*in.big_endian(4), 4));
        (void)in.skip(2); // isdst, abbreviation index: not needed for offsets
        if (off < min_offset || off > max_offset) return corrupt(iana_name, "UTC offset out of range");
    }
    (void)in.skip(std::uint64_t{h.charcnt} + h.isstdcnt + h.isutcnt);

    time_zone zone;
    zone.name_ = std::string(iana_name);
    zone.initial_offset_ = offsets[0];
    zone.transitions_.reserve(h.timecnt);
    for (std::size_t i = 0; i < times.size(); ++i) {
        if (type_of[i] >= h.typecnt) return corrupt(iana_name, "transition to an unknown type");
        if (i > 0 && times[i] <= times[i - 1]) return corrupt(iana_name, "transitions out of order");
        zone.transitions_.push_back({times[i], offsets[type_of[i]]});
    }

    if (time_size == 8) {
        const std::string_view rest = std::string_view(data).substr(in.pos());
        if (rest.size() < 2 || rest.front() != '\n') return corrupt(iana_name, "no footer");
        const auto end = rest.find('\n', 1);
        if (end == std::string_view::npos) return corrupt(iana_name, "unterminated footer");
        const std::string_view footer = rest.substr(1, end - 1);
        if (!footer.empty()) {
            zone.rule_ = detail::parse_posix_rule(footer);
            if (!zone.rule_) return corrupt(iana_name, "unsupported TZ string in the footer");
        }
    }
    return zone;
}

std::int32_t time_zone::offset_at_seconds(std::int64_t t) const noexcept {
    if (transitions_.empty()) return rule_ ? rule_offset_at(*rule_, t) : initial_offset_;
    if (t < transitions_.front().at) return initial_offset_;
    if (t >= transitions_.back().at)
        return rule_ ? rule_offset_at(*rule_, t) : transitions_.back().offset_after;
    const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t,
                                     [](std::int64_t v, const transition& tr) { return v < tr.at; });
    return std::prev(it)->offset_after;
}

std::optional<std::int64_t> time_zone::next_change(std::int64_t after, std::int64_t limit) const noexcept {
    std::int64_t from = after;
    while (from < limit) {
        std::optional<std::int64_t> next;
        if (!transitions_.empty() && from < transitions_.back().at) {
            next = std::upper_bound(transitions_.begin(), transitions_.end(), from,
                                    [](std::int64_t v, const transition& tr) { return v < tr.at; })
                       ->at;
        } else if (rule_) {
            next = rule_next_change(*rule_, from);
        }
        if (!next || *next > limit) return std::nullopt;
        // Some transitions change only the abbreviation or the DST flag.
        if (offset_at_seconds(*next) != offset_at_seconds(*next - 1)) return next;
        from = *next;
    }
    return std::nullopt;
}

std::chrono::seconds time_zone::offset_at(sys_seconds utc) const noexcept {
    return std::chrono::seconds{offset_at_seconds(utc.time_since_epoch().count())};
}

civil_time time_zone::to_local(sys_seconds utc) const noexcept { return civil_from_seconds(utc + offset_at(utc)); }

local_result time_zone::to_utc(const civil_time& local) const noexcept {
    const std::int64_t wall = seconds_from_civil(local).time_since_epoch().count();
    // t shows `wall` iff t + offset_at(t) == wall; offsets are bounded, so is t.
    const std::int64_t lo = wall - max_offset - 1;
    const std::int64_t hi = wall - min_offset + 1;

    std::array<std::int64_t, 4> hits{};
    std::size_t n_hits = 0;
    std::optional<std::int64_t> gap_at;
    std::int64_t seg_start = lo;
    std::int32_t offset = offset_at_seconds(lo);
    for (;;) {
        const auto next = next_change(seg_start, hi);
        const std::int64_t candidate = wall - offset;
        if (candidate >= seg_start && (!next || candidate < *next) && n_hits < hits.size())
            hits[n_hits++] = candidate;
        if (!next) break;
        const std::int32_t after = offset_at_seconds(*next);
        if (after > offset && wall >= *next + offset && wall < *next + after) gap_at = *next;
        seg_start = *next;
        offset = after;
    }

    const auto at = [](std::int64_t s) { return sys_seconds{std::chrono::seconds{s}}; };
    if (n_hits == 1) return {local_kind::unique, at(hits[0]), at(hits[0])};
    if (n_hits > 1) return {local_kind::ambiguous, at(hits[0]), at(hits[n_hits - 1])};
    // No instant shows it: the clocks jumped over it at gap_at.
    const std::int64_t jump = gap_at ? *gap_at : wall - offset_at_seconds(wall);
    return {local_kind::nonexistent, at(jump), at(jump)};
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
