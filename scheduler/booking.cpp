#include "scheduler/booking.hpp"

#include "scheduler/clock.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

namespace copsched::scheduler {

std::optional<placed_time> place_in_zone(const std::string& text, const time_zone& zone) {
    if (auto local = parse_local_time(text)) {
        const auto r = zone.to_utc(*local);
        return placed_time{*local, r.first, r.kind};
    }
    if (auto instant = parse_instant(text)) return placed_time{zone.to_local(*instant), *instant};
    if (text.size() >= 22) { // local part with seconds, then +HH:MM or -HH:MM
        const auto sign_at = text.size() - 6;
        const char sign = text[sign_at];
        auto local = parse_local_time(text.substr(0, sign_at));
        if ((sign == '+' || sign == '-') && text[sign_at + 3] == ':' && local) {
            const auto hh = text.substr(sign_at + 1, 2), mm = text.substr(sign_at + 4, 2);
            if (std::all_of(hh.begin(), hh.end(), ::isdigit) && std::all_of(mm.begin(), mm.end(), ::isdigit)) {
                const auto offset = std::chrono::minutes(std::stoi(hh) * 60 + std::stoi(mm)) * (sign == '+' ? 1 : -1);
                const auto utc = seconds_from_civil(*local) - offset;
                return placed_time{zone.to_local(utc), utc};
            }
        }
    }
    return std::nullopt;
}

namespace {

// A local time that the clocks skip or repeat in the programme's zone, as a hard conflict.
std::optional<conflict> local_time_problem(const char* field, const placed_time& t, const std::string& zone_name) {
    if (t.kind == local_kind::nonexistent)
        return conflict{conflict_type::nonexistent_local_time,
                        std::string("The ") + field + " " + format_local_time(t.local) + " does not exist in " +
                            zone_name + " (the clocks skip it).",
                        {}};
    if (t.kind == local_kind::ambiguous)
        return conflict{conflict_type::ambiguous_local_time,
                        std::string("The ") + field + " " + format_local_time(t.local) + " happens twice in " +
                            zone_name + " (the clocks go back); choose another time.",
                        {}};
    return std::nullopt;
}

// Writes the placed times and the accepted soft conflicts (each type once) into `e`.
void settle_times(event& e, const booking_candidate& c, const std::vector<conflict>& accepted) {
    e.start_local = format_local_time(c.local_start);
    e.end_local = format_local_time(c.local_end);
    e.start_utc = format_instant(c.start_utc);
    e.end_utc = format_instant(c.end_utc);
    e.accepted_conflicts.clear();
    for (const auto& x : accepted) {
        const std::string name(to_string(x.type));
        if (std::find(e.accepted_conflicts.begin(), e.accepted_conflicts.end(), name) == e.accepted_conflicts.end())
            e.accepted_conflicts.push_back(name);
    }
}

} // namespace

result<booking_outcome> book(event_store& s, const programme& p, event e, const std::optional<std::string>& start_text,
                             const std::optional<std::string>& end_text, const std::vector<conflict_type>& accept,
                             expected_version expected, bool significant) {
    booking_outcome out;
    const auto* zone = find_time_zone(p.timezone);
    if (!zone) return error{errc::internal, "The programme's time zone " + p.timezone + " cannot be loaded.", {}};
    booking_candidate c;
    c.kind = e.kind;
    c.working_group_id = e.working_group_id;
    c.venue_id = e.venue_id;
    std::vector<conflict> local_problems;
    auto place_field = [&](const char* field, const std::optional<std::string>& text, const std::string& stored_local,
                           civil_time& local, sys_seconds& utc) -> status {
        const auto t = place_in_zone(text ? *text : stored_local, *zone);
        if (!t) return error::invalid(field, "must be a local time YYYY-MM-DDTHH:MM or an instant with Z or an offset");
        // An instant in the hour the clocks repeat: feeds write the local time with TZID,
        // which RFC 5545 reads as the first pass and libical as the second, so one of them
        // is an hour off whichever instant was meant.
        if (text && !parse_local_time(*text) && zone->to_utc(t->local).kind == local_kind::ambiguous)
            return error::invalid(field, "The " + std::string(field) + " " + *text + " is " +
                                             format_local_time(t->local) + " in " + p.timezone +
                                             ", a time that happens twice (the clocks go back); calendars cannot "
                                             "tell the two apart: choose another time.");
        local = t->local;
        utc = t->utc;
        if (auto problem = local_time_problem(field, *t, p.timezone)) local_problems.push_back(std::move(*problem));
        return ok();
    };
    if (auto st = place_field("start", start_text, e.start_local, c.local_start, c.start_utc); !st) return st.err();
    if (auto st = place_field("end", end_text, e.end_local, c.local_end, c.end_utc); !st) return st.err();

    auto facts = s.booking_facts(p, c, e.id.empty() ? std::nullopt : std::optional<std::string>(e.id));
    if (!facts) return facts.err();
    auto all = find_conflicts(c, *facts, day_rules_of(p), p.lang);
    all.insert(all.begin(), local_problems.begin(), local_problems.end());
    out.blocking = blocking(all, accept);
    if (!out.blocking.empty()) return out;
    out.accepted = all;
    settle_times(e, c, out.accepted);

    const auto now = now_utc();
    if (e.id.empty()) {
        auto r = s.create_event(e, now);
        if (!r) return r.err();
        out.stored = *r;
    } else {
        if (significant) ++e.sequence;
        auto r = s.update_event(e, expected, now);
        if (!r) return r.err();
        out.stored = *r;
    }
    return out;
}

result<new_booking> book_event(event_store& s, const programme& p, const event& e, const std::string& start_local,
                               const std::string& end_local) {
    auto r = book(s, p, e, start_local, end_local, {}, std::nullopt, false);
    if (!r) return r.err();
    return new_booking{std::move(r->stored), std::move(r->blocking)};
}

} // namespace copsched::scheduler
