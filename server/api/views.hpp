#pragma once
// The JSON views of resources, as the API answers them (docs/openapi.json describes each
// shape): programmes, organisations, people, working groups, memberships, venues, API
// tokens, events with their conflicts, invitations and attendance counts, outbox
// messages, blackout imports and their periods. Pure functions of the model; absent
// optional values are JSON null.

#include "scheduler/attendance.hpp"
#include "scheduler/conflicts.hpp"
#include "scheduler/model.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store/conventions.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::scheduler {
struct blackout_import;
struct blackout_period;
struct outbox_message;
class time_zone;
} // namespace copsched::scheduler

namespace copsched::server {

boost::json::value optional_json(const std::optional<std::string>& v);
// An optional enum by its API name, or null.
template <class E>
boost::json::value optional_enum_json(const std::optional<E>& v) {
    return v ? boost::json::value(std::string(scheduler::to_string(*v))) : boost::json::value(nullptr);
}

boost::json::object to_json(const scheduler::programme& p);
boost::json::object to_json(const scheduler::organisation& o);
// Other people's e-mail addresses are shown to admins and organisers only.
boost::json::object to_json(const scheduler::person& p, const scheduler::api_token& viewer);
boost::json::object to_json(const scheduler::working_group& g);
boost::json::object to_json(const scheduler::membership& m);
boost::json::object to_json(const scheduler::venue& v);
boost::json::object token_json(const scheduler::api_token& t);

// An event with its local times shown in `timezone` (the programme's zone).
boost::json::object event_view(const scheduler::event& e, const std::string& timezone);
boost::json::array conflicts_view(const std::vector<scheduler::conflict>& list);
// The few fields of an event that lists of invitations show beside each.
boost::json::object event_brief(const scheduler::event& e);

boost::json::object invitation_view(const scheduler::invitation& i);
boost::json::object counts_view(const scheduler::attendance_counts& c);

boost::json::object outbox_message_view(const scheduler::outbox_message& m);
boost::json::object blackout_import_view(const scheduler::blackout_import& i);
// A blackout period with its local times in `zone` (the programme's).
boost::json::object blackout_period_view(const scheduler::blackout_period& b, const scheduler::time_zone& zone);

// One page of a list answer built whole (see paged_json in handler_support.hpp): keeps
// pr.limit items of body["items"] after the item whose key equals pr.after, and sets
// body["next_cursor"] to the key of the page's last item when more follow. An item's key
// is the values of `key_fields` (names separated by spaces), joined by spaces.
// invalid_input naming "cursor" when no item has the key pr.after names.
scheduler::status page_json_items(boost::json::object& body, const scheduler::page_request& pr,
                                  std::string_view key_fields);

} // namespace copsched::server
