#pragma once
// The demo programme's past, so that a new user's dashboard and reports show real shapes:
// the year plans of the programme's years applied (confirmed CoP meetings), sessions of each
// working group about every two months, and for every event that has ended the answers
// and the presence of everyone invited. Drawn from a fixed seed over the events' dates and
// the people's names: the same programme gets the same history on every run (ids and
// creation times aside). `copsched seed-demo --history` calls it.

#include "scheduler/result.hpp"

#include <cstddef>
#include <string>

namespace copsched::scheduler {

class store;
struct programme;

struct demo_history_summary {
    std::size_t cop_meetings = 0;
    std::size_t sessions = 0;
    std::size_t answers = 0;
    std::size_t presences = 0;
};

// Adds the history to programme `p` (the demo's, seeded just before) up to `now` (a UTC
// instant: events that have ended by then get answers and presence; later ones keep their
// invitations open). Only on the database writer, inside its job; errors roll it back.
result<demo_history_summary> seed_demo_history(store& s, const programme& p, const std::string& now);

} // namespace copsched::scheduler
