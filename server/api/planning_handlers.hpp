#pragma once
// Planning over HTTP and from the command line: the CoP year plan, working-group slot
// suggestions, blackout calendar imports and personal busy times (docs/openapi.json).
// The planner itself is scheduler/planner.hpp; this file gathers its facts from the
// store and maps the result to JSON and to a readable table.

#include "scheduler/model.hpp"
#include "scheduler/planner.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store.hpp"
#include "server/http/router.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace copsched::server {

void add_planning_routes(router& r);

// What an organiser may choose for a year plan; the rest comes from the programme's
// meeting rules.
struct plan_options {
    int year = 0;
    std::optional<std::size_t> count;  // default: meeting_rules.per_year
    std::vector<int> start_times;      // minutes after midnight; default: the rules' start time
    std::size_t alternatives = 3;
    bool liberation_day_every_year = false;
};

// The plan for a programme's year: the facts read from `s` (a reader is enough), the
// window the year and the programme period share. invalid_input (field "year") when they
// share no day. Runs on a database thread.
scheduler::result<scheduler::year_plan> make_year_plan(scheduler::store& s, const scheduler::programme& p,
                                                       const plan_options& o);

// Books the plan's meetings as CoP meetings through the booking path (conflict checks
// included), all or nothing: on any conflict nothing is stored and the error is
// errc::conflict with `blocked` filled per meeting. Only on the writer.
struct plan_booking_failure {
    std::string start; // the meeting's local start
    std::vector<scheduler::conflict> conflicts;
};
scheduler::result<std::vector<scheduler::event>> apply_year_plan(scheduler::store& s, const scheduler::programme& p,
                                                                 const scheduler::year_plan& plan, int year,
                                                                 scheduler::event_status status,
                                                                 std::vector<plan_booking_failure>& blocked);

// The plan as a fixed-width text table in the programme's language, for `copsched plan`.
std::string plan_table(const scheduler::year_plan& plan, const scheduler::programme& p, int year);

} // namespace copsched::server
