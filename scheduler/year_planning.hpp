#pragma once
// The CoP year plan as a use case, shared by POST .../plans and `copsched plan`: the
// planner's facts gathered from the store for a programme's year, the plan booked as CoP
// meetings through the booking path, and the plan as a readable table. The planner
// itself (pure, without a store) is scheduler/planner.hpp.

#include "scheduler/civil_time.hpp"
#include "scheduler/conflicts.hpp"
#include "scheduler/model.hpp"
#include "scheduler/planner.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store/event_store.hpp"
#include "scheduler/store/planning_store.hpp"
#include "scheduler/time_zone.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::scheduler {

// What an organiser may choose for a year plan; the rest comes from the programme's
// meeting rules.
struct plan_options {
    int year = 0;
    std::optional<std::size_t> count; // default: meeting_rules.per_year
    std::vector<int> start_times;     // minutes after midnight; default: the rules' start time
    std::size_t alternatives = 3;
    bool liberation_day_every_year = false;
};

// The plan for a programme's year: the facts read from `s` (a reader is enough), the
// window the year and the programme period share. invalid_input (field "year") when they
// share no day. Runs on a database thread.
result<year_plan> make_year_plan(planning_store& s, const programme& p, const plan_options& o);

// Books the plan's meetings as CoP meetings through the booking path (conflict checks
// included), all or nothing: on any conflict nothing is stored and the error is
// errc::conflict with `blocked` filled per meeting. Only on the writer.
struct plan_booking_failure {
    std::string start; // the meeting's local start
    std::vector<conflict> conflicts;
};
result<std::vector<event>> apply_year_plan(event_store& s, const programme& p, const year_plan& plan, int year,
                                           event_status booked_as, std::vector<plan_booking_failure>& blocked);

// The plan as a fixed-width text table in the programme's language, for `copsched plan`.
std::string plan_table(const year_plan& plan, const programme& p, int year);

// "HH:MM" as minutes after midnight; nullopt unless two digits each, 00:00 to 23:59.
std::optional<int> parse_clock_minutes(std::string_view hhmm);

// Local midnight at the start of `d` in `zone`, as an instant.
sys_seconds local_midnight(const time_zone& zone, const civil_date& d);

} // namespace copsched::scheduler
