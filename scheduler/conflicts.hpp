#pragma once
// Booking conflicts. Hard conflicts refuse a booking; soft ones refuse it unless the
// organiser accepts them explicitly (they are then stored on the event). Pure logic over
// facts the store gathers (booking_context): testable without a database.

#include "scheduler/civil_time.hpp"
#include "scheduler/day_rules.hpp"
#include "scheduler/model.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::scheduler {

enum class conflict_type {
    // hard
    end_before_start,       // end is not after start
    outside_programme,      // not within the programme's starts_on..ends_on
    nonexistent_local_time, // start or end falls in a DST gap
    ambiguous_local_time,   // start or end falls in a DST overlap
    venue_overlap,          // the venue is booked at that time
    cop_meeting_overlap,    // a session during a CoP meeting of the programme, or the reverse
    // soft
    members_busy,   // members of this group are in another group's session then
    public_holiday, // a public holiday (day off) of the programme's holiday country
    school_holiday, // a school holiday of the programme's school holiday regions
    blackout,       // an imported blackout period
    venue_capacity, // the venue holds fewer than are invited
};

enum class conflict_severity { hard, soft };

std::string_view to_string(conflict_type) noexcept;
template <>
std::optional<conflict_type> parse(std::string_view) noexcept;
conflict_severity severity_of(conflict_type) noexcept;
std::string_view to_string(conflict_severity) noexcept;

struct conflict {
    conflict_type type;
    std::string detail;            // a sentence for people
    std::vector<std::string> with; // ids of the events or blackouts it clashes with
};

// Another event overlapping the candidate (not cancelled, not the candidate itself).
struct overlapping_event {
    std::string id;
    event_kind kind = event_kind::other;
    std::string title;
    std::optional<std::string> working_group_id;
    std::optional<std::string> venue_id;
    int shared_members = 0; // people in both this event's group and the candidate's, at that date
};

struct overlapping_blackout {
    std::string id;
    std::string name;
};

// What a booking is checked against.
struct booking_context {
    civil_date programme_starts_on;
    civil_date programme_ends_on;
    std::vector<overlapping_event> overlapping;
    std::vector<overlapping_blackout> blackouts;
    std::optional<int> venue_capacity; // when the candidate has a venue
    int invited = 0;                   // people invited to the candidate
};

struct booking_candidate {
    event_kind kind = event_kind::other;
    std::optional<std::string> working_group_id;
    std::optional<std::string> venue_id;
    civil_time local_start;
    civil_time local_end;
    sys_seconds start_utc{};
    sys_seconds end_utc{};
};

// Every conflict of the candidate, hard ones first, in a stable order. Local-time
// problems (DST) are found when converting times and are not repeated here. Holidays
// follow `days` (scheduler/day_rules.hpp), named in `lang`: public_holiday once per day
// off, school_holiday once for all the days and holidays the event touches.
std::vector<conflict> find_conflicts(const booking_candidate& c, const booking_context& ctx, const day_rules& days,
                                     language lang);

// The conflicts that stop the booking: every hard one, and every soft one whose type
// is not in `accepted`.
std::vector<conflict> blocking(const std::vector<conflict>& all, const std::vector<conflict_type>& accepted);

} // namespace copsched::scheduler
