#pragma once
// Shared pieces of the handlers: responses, authorization rules and the lookups that
// apply them (visible programme, event, group, person; the programme's zone),
// ETag/If-Match and pagination parameters. The JSON views are server/api/views.hpp.

#include "scheduler/model.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store/audit_store.hpp"
#include "scheduler/store/conventions.hpp"
#include "server/api/dispatch.hpp"
#include "server/api/views.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>

namespace copsched::scheduler {
class store;
class time_zone;
} // namespace copsched::scheduler

namespace copsched::server {

// Page size: ?limit=, default and most.
inline constexpr std::size_t default_page_size = 50;
inline constexpr std::size_t max_page_size = 200;

response ok_json(const request_context& ctx, http::status s, const boost::json::value& body);
response fail(const request_context& ctx, const scheduler::error& e);
response no_content(const request_context& ctx);
scheduler::error not_found(std::string what);

// --- authorization ------------------------------------------------------------------
// Reading: admins everything; organisers and participants their own programme.
bool may_read(const scheduler::api_token& caller, const std::string& programme_id);
// Changing programme-wide data (organisations, people, venues, groups): admins, and
// organisers of the programme who are not limited to some working groups.
bool may_write_programme(const scheduler::api_token& caller, const std::string& programme_id);
// Changing one working group's data (its members, its sessions): admins, the
// programme's organisers unless scoped to other groups.
bool may_write_group(const scheduler::api_token& caller, const std::string& programme_id,
                     const std::string& working_group_id);
// Changing one event: a working group's sessions by that group's organisers (see
// may_write_group), every other event by the programme's (may_write_programme).
bool may_write_event(const scheduler::api_token& caller, const scheduler::event& e);
// The programme with this slug, or the event with this id, when `caller` may read it;
// otherwise not_found, so a caller cannot tell another programme's data from none.
scheduler::result<scheduler::programme> visible_programme(scheduler::store& s, const std::string& slug,
                                                          const scheduler::api_token& caller);
scheduler::result<scheduler::event> visible_event(scheduler::store& s, const std::string& id,
                                                  const scheduler::api_token& caller);
scheduler::result<scheduler::working_group> visible_working_group(scheduler::store& s, const std::string& id,
                                                                  const scheduler::api_token& caller);
scheduler::result<scheduler::person> visible_person(scheduler::store& s, const std::string& id,
                                                    const scheduler::api_token& caller);
// The programme's time zone (never null); errc::internal when it cannot be loaded.
scheduler::result<const scheduler::time_zone*> programme_zone(const scheduler::programme& p);
// The error for a caller who may read but not write: 403.
scheduler::error forbidden_write();
// A participant token with its person: the caller of the /api/v1/me/ routes.
bool is_participant(const scheduler::api_token& caller);
// ok for such a caller, else 403 (the /me/ routes answer for a person).
scheduler::status need_person(const scheduler::api_token& caller);

// --- versions --------------------------------------------------------------------------
// Strong ETag of a resource version: "<id>.v<version>".
std::string etag(const std::string& id, int version);
// If-Match: nullopt when absent or "*"; otherwise the version it names, or -1 when it
// names another resource or is malformed (never matches: 412).
scheduler::expected_version parse_if_match(std::string_view header_value, const std::string& id);
// A JSON response with the resource's ETag.
response resource_response(const request_context& ctx, http::status s, const boost::json::object& body,
                           const std::string& id, int version);

// --- lists ---------------------------------------------------------------------------
// ?cursor= and ?limit= (1..max_page_size); errc::invalid_input naming the parameter.
scheduler::result<scheduler::page_request> page_params(const request_context& ctx);
template <class T, class F>
response page_response(const request_context& ctx, const scheduler::page<T>& p, F&& view) {
    boost::json::array items;
    for (const auto& x : p.items) items.push_back(view(x));
    return ok_json(ctx, http::status::ok,
                   boost::json::object{{"items", std::move(items)}, {"next_cursor", optional_json(p.next_cursor)}});
}

// The 200 answer with one page of a list built whole in memory (short lists: tokens,
// programmes, members, busy times, attendance, report rows): keeps ?limit= items of
// body["items"] after the ?cursor= and sets body["next_cursor"] (page_json_items: the
// cursor is the values of `key_fields`, names separated by spaces, of the last item of
// the previous page). A bad ?limit= or ?cursor= gives its 422 problem.
inline response paged_json(const request_context& ctx, boost::json::object body, std::string_view key_fields) {
    auto pr = page_params(ctx);
    if (!pr) return fail(ctx, pr.err());
    if (auto st = page_json_items(body, *pr, key_fields); !st) return fail(ctx, st.err());
    return ok_json(ctx, http::status::ok, body);
}

// Audit entry for a change made by the caller.
scheduler::audit_entry audit(const request_context& ctx, std::string action, std::string object_type,
                             std::string object_id, const boost::json::value& detail = boost::json::object{});

} // namespace copsched::server
