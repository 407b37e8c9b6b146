#pragma once
// Routes for events: booking with conflict detection, listing, rescheduling,
// cancelling and restoring (see docs/openapi.json).

#include "scheduler/conflicts.hpp"
#include "scheduler/model.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store.hpp"
#include "server/http/router.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace copsched::server {

void add_event_routes(router& r);

// A booking made elsewhere (the year planner's apply) through the same path as
// POST .../events: the local times placed in the programme's zone, every conflict
// checked, stored only when nothing blocks; no soft conflict is accepted. Only on the
// database writer, inside its job.
struct new_booking {
    std::optional<scheduler::event> stored;
    std::vector<scheduler::conflict> blocking; // empty when stored
};
scheduler::result<new_booking> book_event(scheduler::store& s, const scheduler::programme& p,
                                          const scheduler::event& e, const std::string& start_local,
                                          const std::string& end_local);

// The JSON views the event routes answer with.
boost::json::object event_view(const scheduler::event& e, const std::string& timezone);
boost::json::array conflicts_view(const std::vector<scheduler::conflict>& list);

} // namespace copsched::server
