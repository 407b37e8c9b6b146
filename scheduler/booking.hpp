#pragma once
// Booking one event: the times an organiser gives placed in the programme's zone, every
// conflict checked against the facts the store gathers, and the event stored only when
// nothing blocks. The one path that POST/PATCH .../events, cancel/restore, series and
// the year planner's apply (over HTTP and from `copsched plan`) all book through.

#include "scheduler/civil_time.hpp"
#include "scheduler/conflicts.hpp"
#include "scheduler/model.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store/event_store.hpp"
#include "scheduler/time_zone.hpp"

#include <optional>
#include <string>
#include <vector>

namespace copsched::scheduler {

// A time as the API accepts it, placed in the programme's zone.
struct placed_time {
    civil_time local;
    sys_seconds utc{};
    local_kind kind = local_kind::unique;
};

// "2019-03-12T10:00" (local: kind says whether the clocks skip or repeat it),
// "2019-03-12T09:00:00Z" or "2019-03-12T10:00:00+01:00"; nullopt for anything else.
std::optional<placed_time> place_in_zone(const std::string& text, const time_zone& zone);

// The result of a booking attempt: the stored event, or the conflicts that stopped it.
struct booking_outcome {
    std::optional<event> stored;
    std::vector<conflict> blocking; // empty when stored
    std::vector<conflict> accepted; // the soft conflicts it was booked through
};

// Places the event's times (start_text/end_text, or when absent the stored local times
// of `e`), checks every conflict and, when nothing blocks beyond `accept`, stores it:
// created when e.id is empty, else updated with `expected` (the sequence goes up when
// `significant`). invalid_input names "start" or "end" when a time cannot be read;
// internal when the programme's zone cannot be loaded. Only on the database writer,
// inside its job.
result<booking_outcome> book(event_store& s, const programme& p, event e, const std::optional<std::string>& start_text,
                             const std::optional<std::string>& end_text, const std::vector<conflict_type>& accept,
                             expected_version expected, bool significant);

// A new booking made elsewhere (the year planner's apply) through the same path: the
// local times placed in the programme's zone, every conflict checked, stored only when
// nothing blocks; no soft conflict is accepted. Only on the writer, inside its job.
struct new_booking {
    std::optional<event> stored;
    std::vector<conflict> blocking; // empty when stored
};
result<new_booking> book_event(event_store& s, const programme& p, const event& e, const std::string& start_local,
                               const std::string& end_local);

} // namespace copsched::scheduler
