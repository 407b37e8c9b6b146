#include "calendar/recurrence.hpp"

#include "calendar/libical_internal.hpp"

#include <libical/ical.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

// Thread safety rests on three facts about libical 3.0.16 on Debian 12:
//  - only floating times (zone NULL, is_date 0) reach it, so icaltime_compare never
//    converts to UTC and no builtin time zone is loaded. That is why a UTC UNTIL is
//    rewritten as a floating one before libical parses it: "...Z" would make libical fetch
//    its UTC zone, which initialises the builtin zone table on first use;
//  - icalrecurrencetype_from_string and the iterator keep their state in the value and the
//    iterator they return; RSCALE (ICU calendars) is refused before libical sees it;
//  - icalerrno is per thread in this build (pthread keys), but nothing here reads it:
//    failures are recognised structurally (FREQ=NONE from the parser, NULL iterator).

namespace copsched::calendar {
namespace {

using scheduler::civil_date;
using scheduler::civil_time;
using scheduler::error;
using scheduler::result;

using detail::iterator_ptr;

// Any valid date-time works for validate_rrule's structural check; the iterator's checks
// look at the rule only.
constexpr civil_time reference_start{{2000, 1, 3}, 12, 0, 0};

error rrule_problem(std::string problem) { return error::invalid("rrule", std::move(problem)); }

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The rule after our checks and libical's parser.
struct parsed_rule {
    icalrecurrencetype rule{};
    std::optional<civil_time> until; // local and inclusive; nullopt for a COUNT rule
};

// Fixed-width decimal digits, or nullopt.
std::optional<int> digits(std::string_view s) {
    int value = 0;
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return value;
}

// UNTIL's value (already upper case) as a local, inclusive wall-clock time.
std::optional<civil_time> parse_until(std::string_view v) {
    if (v.size() == 16 && v.back() == 'Z') v.remove_suffix(1); // read as local: see header
    if (v.size() != 8 && !(v.size() == 15 && v[8] == 'T')) return std::nullopt;
    const auto y = digits(v.substr(0, 4)), mo = digits(v.substr(4, 2)), d = digits(v.substr(6, 2));
    if (!y || !mo || !d) return std::nullopt;
    civil_time t{{*y, *mo, *d}, 23, 59, 59}; // a date means the whole day
    if (v.size() == 15) {
        const auto h = digits(v.substr(9, 2)), mi = digits(v.substr(11, 2)), s = digits(v.substr(13, 2));
        if (!h || !mi || !s) return std::nullopt;
        t.hour = *h;
        t.minute = *mi;
        t.second = *s;
    }
    if (!scheduler::is_valid(t)) return std::nullopt;
    return t;
}

// "YYYYMMDDTHHMMSS", the floating form libical reads without any zone.
std::string ical_text(const civil_time& t) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d", t.date.year, t.date.month, t.date.day, t.hour, t.minute,
                  t.second);
    return buf;
}

// The characters a rule may hold, before anything else is read.
std::optional<error> text_problem(std::string_view text) {
    if (text.empty()) return rrule_problem("must not be empty");
    if (text.size() > max_rrule_length)
        return rrule_problem("must be at most " + std::to_string(max_rrule_length) + " characters");
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return rrule_problem("must not contain control characters such as line breaks");
        if (u >= 0x80) return rrule_problem("must contain only ASCII characters");
        if (u == ' ') return rrule_problem("must not contain spaces");
    }
    return std::nullopt;
}

// A part that names a feature refused at the top of recurrence.hpp.
std::optional<error> refused_part(std::string_view name, std::string_view value) {
    if (name == "FREQ" && (value == "SECONDLY" || value == "MINUTELY" || value == "HOURLY"))
        return rrule_problem("FREQ=" + std::string(value) +
                             " repeats within a day; meetings recur DAILY, WEEKLY, MONTHLY or YEARLY");
    if (name == "BYHOUR" || name == "BYMINUTE" || name == "BYSECOND")
        return rrule_problem(std::string(name) +
                             " is not supported: the time of day of every occurrence is the start's");
    if (name == "BYWEEKNO")
        return rrule_problem("BYWEEKNO is not supported: libical 3.0.16 expands it wrongly (some dates twice, and "
                             "FREQ=YEARLY;BYWEEKNO=1,53 reads memory it does not own); use BYMONTH with BYDAY or "
                             "BYMONTHDAY");
    if (name == "RSCALE" || name == "SKIP")
        return rrule_problem(std::string(name) + " is not supported: rules use the Gregorian calendar");
    return std::nullopt;
}

// The rule text rewritten for libical, with what our own pass over its parts found.
struct rule_parts {
    std::string canonical;           // upper case, UNTIL as a floating local time
    std::optional<civil_time> until; // local and inclusive
};

// Our own pass over the parts of the (upper-case) rule: clearer messages than "cannot
// parse", and the UNTIL rewrite that keeps libical away from time zones.
result<rule_parts> read_parts(std::string_view upper) {
    rule_parts parts;
    std::vector<std::string_view> names;
    std::string_view rest = upper;
    while (true) {
        const std::size_t semi = rest.find(';');
        const std::string_view part = rest.substr(0, semi);
        if (part.empty()) return rrule_problem("has an empty part (\";;\" or a ';' at either end)");
        const std::size_t eq = part.find('=');
        if (eq == std::string_view::npos || eq == 0)
            return rrule_problem("part " + quoted(part) + " is not NAME=VALUE");
        const std::string_view name = part.substr(0, eq);
        const std::string_view value = part.substr(eq + 1);
        if (std::find(names.begin(), names.end(), name) != names.end())
            return rrule_problem("names " + std::string(name) + " more than once");
        names.push_back(name);
        if (auto refused = refused_part(name, value)) return std::move(*refused);

        std::string rewritten(part);
        if (name == "UNTIL") {
            parts.until = parse_until(value);
            if (!parts.until)
                return rrule_problem("UNTIL must be a date (20191231) or a local date-time (20191231T235959)");
            rewritten = "UNTIL=" + ical_text(*parts.until);
        }
        if (!parts.canonical.empty()) parts.canonical += ';';
        parts.canonical += rewritten;
        if (semi == std::string_view::npos) break;
        rest.remove_prefix(semi + 1);
    }
    const auto named = [&](std::string_view n) { return std::find(names.begin(), names.end(), n) != names.end(); };
    if (!named("FREQ")) return rrule_problem("needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY");
    if (parts.until && named("COUNT")) return rrule_problem("gives both COUNT and UNTIL; RFC 5545 allows only one");
    return parts;
}

// libical's reading of the rewritten rule, and the checks on what it read: a supported
// FREQ, bounded, COUNT within limits.max_occurrences.
result<parsed_rule> parse_with_libical(const rule_parts& parts, const recurrence_limits& limits) {
    parsed_rule parsed;
    parsed.rule = icalrecurrencetype_from_string(parts.canonical.c_str());
    parsed.until = parts.until;
    if (parsed.rule.freq == ICAL_NO_RECURRENCE)
        return rrule_problem("is not a valid RFC 5545 recurrence rule (unknown or malformed part)");
    if (parsed.rule.freq != ICAL_DAILY_RECURRENCE && parsed.rule.freq != ICAL_WEEKLY_RECURRENCE &&
        parsed.rule.freq != ICAL_MONTHLY_RECURRENCE && parsed.rule.freq != ICAL_YEARLY_RECURRENCE)
        return rrule_problem("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY");
    if (parsed.rule.count <= 0 && !parsed.until) return rrule_problem("is unbounded: it needs COUNT or UNTIL");
    if (parsed.rule.count > 0 && static_cast<std::size_t>(parsed.rule.count) > limits.max_occurrences)
        return rrule_problem("COUNT=" + std::to_string(parsed.rule.count) + " is more than the limit of " +
                             std::to_string(limits.max_occurrences) + " occurrences");
    return parsed;
}

// Everything that can be said about the rule text without a start.
result<parsed_rule> parse_rule(std::string_view text, const recurrence_limits& limits) {
    if (auto problem = text_problem(text)) return std::move(*problem);
    std::string upper(text);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
    if (upper.starts_with("RRULE:"))
        return rrule_problem("give the rule without the \"RRULE:\" prefix, e.g. FREQ=WEEKLY;COUNT=8");
    auto parts = read_parts(upper);
    if (!parts) return std::move(parts).err();
    return parse_with_libical(*parts, limits);
}

// libical's own consistency checks (BY parts against FREQ, impossible dates) run here.
result<iterator_ptr> make_iterator(const icalrecurrencetype& rule, const civil_time& start) {
    iterator_ptr it(icalrecur_iterator_new(rule, detail::floating_time(start)));
    if (!it)
        return rrule_problem("has parts that contradict each other or do not fit its FREQ "
                             "(e.g. BYMONTHDAY with FREQ=WEEKLY, or BYMONTH=2;BYMONTHDAY=30)");
    return it;
}

// start + years (at least 0) on the calendar, 29 February clamped to the 28th, capped at
// the end of the last supported year.
civil_time horizon_of(const civil_time& start, int years) {
    civil_time h = start;
    const long long year = static_cast<long long>(start.date.year) + std::max(years, 0);
    if (year > last_rrule_year) return {{last_rrule_year, 12, 31}, 23, 59, 59};
    h.date.year = static_cast<int>(year);
    h.date.day = std::min(h.date.day, scheduler::days_in_month(h.date.year, h.date.month));
    return h;
}

std::string years_text(int years) { return std::to_string(years) + (years == 1 ? " year" : " years"); }

} // namespace

result<std::vector<civil_time>> expand_rrule(std::string_view rrule, const civil_time& dtstart,
                                             const recurrence_limits& limits) {
    auto parsed = parse_rule(rrule, limits);
    if (!parsed) return std::move(parsed).err();
    if (!scheduler::is_valid(dtstart) || dtstart.date.year < first_rrule_year || dtstart.date.year > last_rrule_year)
        return error::invalid("dtstart", "must be a valid local date-time in the years " +
                                             std::to_string(first_rrule_year) + " to " +
                                             std::to_string(last_rrule_year));

    const civil_time horizon = horizon_of(dtstart, limits.max_years);
    icalrecurrencetype& rule = parsed->rule;
    if (parsed->until) {
        if (*parsed->until < dtstart) return rrule_problem("UNTIL is before the start");
        if (*parsed->until > horizon)
            return rrule_problem("UNTIL is more than " + years_text(limits.max_years) + " after the start");
    } else {
        // libical checks UNTIL while it searches for the next match, but not COUNT: an
        // UNTIL at the horizon keeps a COUNT rule that rarely or never matches from
        // scanning on to the year 2582. libical honours both when they are set in the struct.
        rule.until = detail::floating_time(horizon);
    }

    // COUNT is counted here, not by libical: libical 3.0.16 yielded some dates twice and
    // counted both (FREQ=YEARLY;BYWEEKNO=1,53;BYDAY=MO gave 2025-12-29 as week 53 of 2025,
    // which has none, and as week 1 of 2026; found by tests/fuzz, fuzz_rrule). BYWEEKNO is
    // now refused (it also made libical read out of bounds), but a date not after the
    // previous one is still skipped.
    const auto count = static_cast<std::size_t>(std::max(rule.count, 0));
    rule.count = 0;

    auto it = make_iterator(rule, dtstart);
    if (!it) return std::move(it).err();

    std::vector<civil_time> occurrences;
    for (icaltimetype t = icalrecur_iterator_next(it->get()); !icaltime_is_null_time(t);
         t = icalrecur_iterator_next(it->get())) {
        const civil_time local = detail::civil_of(t);
        if (!occurrences.empty() && local <= occurrences.back()) continue;
        if (count > 0 && occurrences.size() == count) break;
        if (local > horizon) // libical stops at UNTIL; kept as a guard
            return rrule_problem("has occurrences more than " + years_text(limits.max_years) + " after the start");
        if (occurrences.size() >= limits.max_occurrences)
            return rrule_problem("has more than the limit of " + std::to_string(limits.max_occurrences) +
                                 " occurrences");
        occurrences.push_back(local);
    }
    if (!parsed->until && occurrences.size() < count)
        return rrule_problem("COUNT=" + std::to_string(count) + " is not reached within " +
                             years_text(limits.max_years) + " of the start");
    if (occurrences.empty()) return rrule_problem("has no occurrence between the start and UNTIL");
    return occurrences;
}

scheduler::status validate_rrule(std::string_view rrule, const recurrence_limits& limits) {
    auto parsed = parse_rule(rrule, limits);
    if (!parsed) return std::move(parsed).err();
    auto it = make_iterator(parsed->rule, reference_start);
    if (!it) return std::move(it).err();
    return scheduler::ok();
}

} // namespace copsched::calendar
