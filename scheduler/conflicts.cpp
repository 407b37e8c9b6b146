#include "scheduler/conflicts.hpp"

#include "scheduler/day_rules.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace copsched::scheduler {
namespace {

constexpr std::array<std::pair<conflict_type, std::string_view>, 11> names{{
    {conflict_type::end_before_start, "end_before_start"},
    {conflict_type::outside_programme, "outside_programme"},
    {conflict_type::nonexistent_local_time, "nonexistent_local_time"},
    {conflict_type::ambiguous_local_time, "ambiguous_local_time"},
    {conflict_type::venue_overlap, "venue_overlap"},
    {conflict_type::cop_meeting_overlap, "cop_meeting_overlap"},
    {conflict_type::members_busy, "members_busy"},
    {conflict_type::public_holiday, "public_holiday"},
    {conflict_type::school_holiday, "school_holiday"},
    {conflict_type::blackout, "blackout"},
    {conflict_type::venue_capacity, "venue_capacity"},
}};

} // namespace

std::string_view to_string(conflict_type t) noexcept {
    for (const auto& [v, n] : names)
        if (v == t) return n;
    return "unknown";
}

template <>
std::optional<conflict_type> parse<conflict_type>(std::string_view s) noexcept {
    for (const auto& [v, n] : names)
        if (n == s) return v;
    return std::nullopt;
}

conflict_severity severity_of(conflict_type t) noexcept {
    switch (t) {
    case conflict_type::members_busy:
    case conflict_type::public_holiday:
    case conflict_type::school_holiday:
    case conflict_type::blackout:
    case conflict_type::venue_capacity: return conflict_severity::soft;
    default: return conflict_severity::hard;
    }
}

std::string_view to_string(conflict_severity s) noexcept { return s == conflict_severity::hard ? "hard" : "soft"; }

std::vector<conflict> find_conflicts(const booking_candidate& c, const booking_context& ctx, const day_rules& days,
                                     language lang) {
    std::vector<conflict> out;
    if (c.end_utc <= c.start_utc) {
        out.push_back({conflict_type::end_before_start, "The end must be after the start.", {}});
        return out; // nothing else is meaningful for an empty interval
    }
    if (c.local_start.date < ctx.programme_starts_on || c.local_end.date > ctx.programme_ends_on)
        out.push_back({conflict_type::outside_programme,
                       "The event falls outside the programme period " + format_date(ctx.programme_starts_on) + " to " +
                           format_date(ctx.programme_ends_on) + ".",
                       {}});
    for (const auto& e : ctx.overlapping) {
        if (c.venue_id && e.venue_id == c.venue_id)
            out.push_back(
                {conflict_type::venue_overlap, "The venue is booked for '" + e.title + "' at that time.", {e.id}});
        const bool candidate_cop = c.kind == event_kind::cop_meeting;
        const bool other_cop = e.kind == event_kind::cop_meeting;
        if ((candidate_cop && e.kind == event_kind::working_group_session) ||
            (other_cop && c.kind == event_kind::working_group_session) || (candidate_cop && other_cop))
            out.push_back({conflict_type::cop_meeting_overlap,
                           candidate_cop ? "The CoP meeting overlaps '" + e.title + "'."
                                         : "The session overlaps the CoP meeting '" + e.title + "'.",
                           {e.id}});
    }
    for (const auto& e : ctx.overlapping)
        if (c.kind == event_kind::working_group_session && e.kind == event_kind::working_group_session &&
            e.shared_members > 0 && e.working_group_id != c.working_group_id)
            out.push_back({conflict_type::members_busy,
                           std::to_string(e.shared_members) + " member(s) of this group are in '" + e.title + "' then.",
                           {e.id}});
    std::vector<school_holiday> school;
    std::vector<std::string> school_days;
    for (auto d = c.local_start.date; d <= c.local_end.date; d = add_days(d, 1)) {
        if (auto h = holiday_on(days, d, lang); h && h->day_off)
            out.push_back(
                {conflict_type::public_holiday,
                 format_date(d) + " is " + h->name + ", a public holiday in " + holiday_country_label(days) + ".",
                 {}});
        if (auto on = school_holidays_on(days, d); !on.empty()) {
            school_days.push_back(format_date(d));
            for (auto& h : on)
                if (std::find(school.begin(), school.end(), h) == school.end()) school.push_back(std::move(h));
        }
    }
    if (!school.empty())
        out.push_back(
            {conflict_type::school_holiday,
             (school_days.size() == 1 ? school_days.front() : school_days.front() + " to " + school_days.back()) +
                 (school_days.size() == 1 ? " falls in the school holidays: " : " fall in the school holidays: ") +
                 school_holiday_text(school, lang) + ".",
             {}});
    for (const auto& b : ctx.blackouts)
        out.push_back({conflict_type::blackout, "The time falls in the blackout period '" + b.name + "'.", {b.id}});
    if (ctx.venue_capacity && *ctx.venue_capacity < ctx.invited)
        out.push_back({conflict_type::venue_capacity,
                       "The venue holds " + std::to_string(*ctx.venue_capacity) + " people; " +
                           std::to_string(ctx.invited) + " are invited.",
                       {}});
    std::stable_sort(out.begin(), out.end(), [](const conflict& a, const conflict& b) {
        return severity_of(a.type) == conflict_severity::hard && severity_of(b.type) == conflict_severity::soft;
    });
    return out;
}

std::vector<conflict> blocking(const std::vector<conflict>& all, const std::vector<conflict_type>& accepted) {
    std::vector<conflict> out;
    for (const auto& c : all)
        if (severity_of(c.type) == conflict_severity::hard ||
            std::find(accepted.begin(), accepted.end(), c.type) == accepted.end())
            out.push_back(c);
    return out;
}

} // namespace copsched::scheduler
