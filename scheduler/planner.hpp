#pragma once
// The year planner for Community of Practice meetings and slot suggestions for working
// groups. Pure functions over data the caller gathered from the store: any thread may
// call them; they keep no state between calls. Same input, same output (no clock, no
// randomness, no unordered iteration, integer scores).
//
// Scoring of one candidate slot (a local date and start time), in integer points:
//   organisations  weights.organisations * orgs_free / orgs_total     (0 when no orgs)
//                  orgs_free: organisations with at least one active person free
//   people         weights.people * people_free / people_total        (0 when no people)
//                  free: none of the person's busy intervals overlaps the slot
//   time           -weights.off_preferred_time_per_hour * |start - preferred| in hours
//                  (rounded down to whole points per started quarter hour: see planner.cpp)
//   spread         meeting i (0-based, in date order) of n has the segment
//                  [first_day + i*len/n, first_day + (i+1)*len/n) of the plan window
//                  (the quarters, for a whole year and n = 4):
//                  -weights.spread_per_day * |day - segment middle| in days
//                  -weights.outside_segment when the day is outside its segment
//   school holiday -weights.school_holiday when the day is in a school holiday of the
//                  request's regions and days.school_mode is prefer_not (with avoid, such
//                  days are excluded like public holidays)
// A plan's score is the sum over its meetings. plan_year finds the maximum exactly
// (dynamic programming over candidates in time order), ties broken towards the earlier
// date, then the earlier start time.
//
// Exactly, with integer (truncating) division and non-negative weights:
//   organisations_points = organisations * orgs_free / orgs_total; people_points alike.
//   time_points  = -(off_preferred_time_per_hour * q / 4), q = ceil(|start - preferred|
//                  minutes / 15): every started quarter hour costs a quarter of the hourly
//                  weight, the sum rounded towards zero (40/h: 10 points per quarter).
//   spread_points: len = days in [first_day, last_day]; segment i = [a, b) as above; its
//                  middle is day a + (b - a - 1) / 2 (the earlier of two middle days).
// Ties: of all plans with the maximum score, the one whose meetings, compared one by one
// in date order as (date, start time), come first lexicographically: the earliest possible
// first meeting, then the earliest second meeting given that one, and so on.
//
// A slot starts at a local wall-clock time on its date and lasts duration_minutes of real
// time (end_utc = start_utc + duration); both start_local and end_local must be shown
// exactly once by the zone's clocks (local_kind::unique), so DST gaps and overlaps are
// skipped. Intervals are half-open; an empty interval (end <= start) overlaps nothing.
// People with an empty organisation_id count as people, not as an organisation.

#include "scheduler/civil_time.hpp"
#include "scheduler/day_rules.hpp"
#include "scheduler/model.hpp"
#include "scheduler/result.hpp"
#include "scheduler/time_zone.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace copsched::scheduler {

// A half-open UTC interval [start, end).
struct interval {
    sys_seconds start{};
    sys_seconds end{};
    bool operator==(const interval&) const = default;
};

// A blackout period or an existing event: something a slot must not overlap.
struct named_interval {
    std::string id;   // blackout or event id
    std::string name; // blackout summary or event title
    interval when;
};

// A person whose availability counts.
struct planner_person {
    std::string id;
    std::string organisation_id;
    std::vector<interval> busy; // any order, may overlap
};

struct plan_weights {
    std::int64_t organisations = 1000;
    std::int64_t people = 500;
    std::int64_t off_preferred_time_per_hour = 40;
    std::int64_t spread_per_day = 2;
    std::int64_t outside_segment = 200;
    std::int64_t school_holiday = 400; // a day in a school holiday, with school_mode prefer_not
};

// Limits that bound one request's cost.
struct planner_limits {
    std::size_t max_candidates = 20000; // candidate slots examined (days x start times)
    std::size_t max_alternatives = 10;
    std::size_t max_count = 12;       // meetings per plan; also suggestions per request
    std::size_t max_occurrences = 52; // of a recurring suggestion
    int max_interval_weeks = 52;      // between occurrences of a recurring suggestion
};

struct plan_request {
    civil_date first_day; // inclusive; the caller intersects the year with the programme period
    civil_date last_day;  // inclusive
    const time_zone* zone = nullptr;
    std::vector<weekday> weekdays;     // allowed weekdays
    int preferred_start_minutes = 600; // minutes after local midnight
    // Start times considered (minutes after midnight); empty means the preferred one only.
    std::vector<int> start_times;
    int duration_minutes = 180;
    std::size_t count = 4;
    int min_gap_days = 42; // between the dates of consecutive meetings
    day_rules days;        // public and school holidays (scheduler/day_rules.hpp)
    std::vector<named_interval> blackouts;
    std::vector<named_interval> events; // existing, not cancelled, events of the programme
    std::vector<planner_person> people; // the programme's active people
    std::size_t alternatives = 3;       // per meeting
    language lang = language::nl;       // of the texts in reasons and why_lost
    plan_weights weights;
    planner_limits limits;
};

struct score_breakdown {
    std::int64_t total = 0;
    std::int64_t organisations_points = 0;
    std::int64_t people_points = 0;
    std::int64_t time_points = 0;
    std::int64_t spread_points = 0;
    std::int64_t school_holiday_points = 0; // -weights.school_holiday or 0
    std::size_t organisations_free = 0;
    std::size_t organisations_total = 0;
    std::size_t people_free = 0;
    std::size_t people_total = 0;
    bool operator==(const score_breakdown&) const = default;
};

struct slot {
    civil_time start_local;
    civil_time end_local;
    sys_seconds start_utc{};
    sys_seconds end_utc{};
    bool operator==(const slot&) const = default;
};

// A candidate that could have replaced a chosen meeting (the others kept, every hard
// constraint still met) and scores lower, or a nearby day that was excluded.
struct plan_alternative {
    slot when;
    score_breakdown score;
    std::int64_t plan_score_difference = 0; // plan total with it minus the chosen plan total (<= 0)
    std::vector<std::string> why_lost;      // human-readable, in request.lang
};

// A day in the chosen meeting's segment that no slot could use, with the hard reason.
struct excluded_day {
    civil_date date;
    std::string reason; // "Koningsdag", "zomervakantie (regio zuid)", "blackout: Congres", ...
};

struct planned_meeting {
    slot when;
    score_breakdown score;
    std::vector<std::string> reasons;           // why this slot: each true of the data, in request.lang
    std::vector<plan_alternative> alternatives; // best first, at most request.alternatives
    std::vector<excluded_day> excluded;         // excluded days of its segment, by date
};

struct year_plan {
    std::vector<planned_meeting> meetings; // by date
    std::int64_t total_score = 0;
    std::size_t candidates_considered = 0; // slots that met every hard constraint
    std::size_t candidates_examined = 0;   // all slots looked at
    // About the plan as a whole, in request.lang: days of the window the school holiday
    // data does not cover (stated, not guessed).
    std::vector<std::string> notes;
};

// The best plan. Errors:
//  - errc::invalid_input with fields: "year"/"first_day" (window empty or reversed),
//    "weekdays" (empty), "duration_minutes" (<= 0 or > 24 h), "count" (0 or above
//    limits.max_count), "min_gap_days" (< 0), "start_times" (outside 0..1439), "alternatives"
//    (above limits.max_alternatives), and "first_day" when days x start times exceed
//    limits.max_candidates; zone null is a programming error (errc::internal).
//    plan_year itself names the window field "first_day" (also for a first_day that is not
//    a valid date; "last_day" for an invalid last_day): a caller that took a year reports
//    "year". Also "preferred_start_minutes" when it is outside 0..1439. All invalid fields
//    are reported at once; the max_candidates check comes after them.
//  - errc::conflict when fewer than `count` meetings can be placed under the hard
//    constraints; the detail says how many fit and the main reasons days were excluded.
// Further:
//  - Two meetings are never on the same date, even with min_gap_days 0.
//  - alternatives: the replacement candidates with the other meetings kept (all hard
//    constraints met, min_gap_days to both neighbours), by score, then date and start.
//    A chosen meeting's score is never below an alternative's; an equal one is later.
//  - excluded: the days of the meeting's segment on an allowed weekday that had no usable
//    slot (public holiday, school holiday with school_mode avoid, blackout, event, local
//    time), plus public holidays on Monday..Friday whatever the allowed weekdays.
//  - reasons: when the meeting is not on its segment's middle and the middle day was
//    excluded or penalised, a reason names what is on the middle day.
[[nodiscard]] result<year_plan> plan_year(const plan_request& request);

// --- working-group slot suggestions -----------------------------------------------------

// A member and the dates of their membership (inclusive; nullopt until = open).
struct group_member {
    planner_person person;
    civil_date from;
    std::optional<civil_date> until;
};

struct suggestion_request {
    civil_date first_day; // inclusive
    civil_date last_day;  // inclusive
    const time_zone* zone = nullptr;
    std::vector<weekday> weekdays{weekday::monday, weekday::tuesday, weekday::wednesday, weekday::thursday,
                                  weekday::friday};
    int day_start_minutes = 9 * 60; // first start time considered
    int day_end_minutes = 17 * 60;  // every slot ends by then
    int step_minutes = 30;          // between start times considered
    int duration_minutes = 120;
    std::size_t count = 5;
    // A recurring pattern: each candidate is the first of `occurrences` slots, every
    // `interval_weeks` weeks at the same local time, each checked on its own.
    std::size_t occurrences = 1;
    int interval_weeks = 1;
    day_rules days; // public and school holidays (scheduler/day_rules.hpp)
    // With days.school_mode prefer_not: taken off the score, per occurrence in a school
    // holiday, in proportion (penalty * occurrences in a holiday / occurrences).
    std::int64_t school_holiday_penalty = 400;
    std::vector<group_member> members;
    std::vector<named_interval> blackouts;
    // Hard blocks: the programme's CoP meetings, this group's own sessions and the sessions
    // of groups that share members with it (not cancelled).
    std::vector<named_interval> blocked;
    language lang = language::nl;
    planner_limits limits;
};

// One occurrence of a suggested slot.
struct suggested_occurrence {
    slot when;
    std::vector<std::string> free; // ids of the members (at that date) who are free, sorted
    std::vector<std::string> busy; // ids of the members who are busy, sorted
};

struct suggestion {
    std::vector<suggested_occurrence> occurrences; // one unless a recurring pattern was asked
    std::size_t members_free = 0;                  // summed over occurrences
    std::size_t members_total = 0;                 // summed over occurrences
    // members_free * 1000 / members_total, less the school holiday penalty; higher is better
    std::int64_t score = 0;
    // With prefer_not: the school holidays its occurrences fall in, as people read them.
    std::vector<std::string> school_holidays;
};

// The `count` best candidates (fewer when fewer exist), best first; ties to the earlier
// start. A candidate qualifies when every occurrence is on an allowed weekday, inside
// [first_day, last_day] (the first one; later occurrences may run past last_day), not on
// a public day off of days.country, not in a school holiday of days.school_regions when
// days.school_mode is avoid, and overlaps no blackout and no blocked event. Suggestions never
// overlap each other (the same day is used at most once). Errors: errc::invalid_input
// with fields "from" (window empty or reversed), "duration_minutes", "count",
// "occurrences", "interval_weeks", "step_minutes", and "from" when the window holds more
// than limits.max_candidates candidate starts; also "weekdays" (empty),
// "day_start_minutes" (outside 0..1439) and "day_end_minutes" (not after day_start_minutes,
// above 24 h); occurrences are limited by limits.max_occurrences, interval_weeks to
// 1..limits.max_interval_weeks, count by limits.max_count, step_minutes to 1..1440.
// An occurrence slot is made as in plan_year (real-time duration, unique local start and
// end); a start fits when start + duration <= day_end_minutes. Greedy: best score first
// (ties: earlier first start), skipping any whose occurrence days were already used.
[[nodiscard]] result<std::vector<suggestion>> suggest_slots(const suggestion_request& request);

} // namespace copsched::scheduler
