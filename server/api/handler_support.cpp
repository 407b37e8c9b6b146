#include "server/api/handler_support.hpp"

#include "scheduler/store.hpp"
#include "scheduler/time_zone.hpp"
#include "server/api/errors.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>

namespace copsched::server {

namespace json = boost::json;
using scheduler::errc;
using scheduler::error;
using scheduler::token_role;

response ok_json(const request_context& ctx, http::status s, const json::value& body) {
    return json_response(s, body, ctx.version(), ctx.keep_alive());
}

response fail(const request_context& ctx, const error& e) { return problem(e, ctx.version(), ctx.keep_alive()); }

response no_content(const request_context& ctx) {
    response res{http::status::no_content, ctx.version()};
    res.keep_alive(ctx.keep_alive());
    return res;
}

error not_found(std::string what) { return {errc::not_found, std::move(what), {}}; }

bool may_read(const scheduler::api_token& caller, const std::string& programme_id) {
    return caller.role == token_role::admin || caller.programme_id == programme_id;
}

bool may_write_programme(const scheduler::api_token& caller, const std::string& programme_id) {
    if (caller.role == token_role::admin) return true;
    return caller.role == token_role::organiser && caller.programme_id == programme_id &&
           caller.working_group_ids.empty();
}

bool may_write_group(const scheduler::api_token& caller, const std::string& programme_id,
                     const std::string& working_group_id) {
    if (caller.role == token_role::admin) return true;
    if (caller.role != token_role::organiser || caller.programme_id != programme_id) return false;
    const auto& scope = caller.working_group_ids;
    return scope.empty() || std::find(scope.begin(), scope.end(), working_group_id) != scope.end();
}

bool may_write_event(const scheduler::api_token& caller, const scheduler::event& e) {
    if (e.kind == scheduler::event_kind::working_group_session && e.working_group_id)
        return may_write_group(caller, e.programme_id, *e.working_group_id);
    return may_write_programme(caller, e.programme_id);
}

namespace {

const std::string& programme_of(const scheduler::programme& p) { return p.id; }
template <class T>
const std::string& programme_of(const T& x) {
    return x.programme_id;
}

// `found` when the caller may read its programme; else not_found naming what was asked
// for ("No <what> with <key_name> '<key>'."), as when it does not exist.
template <class T>
scheduler::result<T> readable(scheduler::result<T> found, const scheduler::api_token& caller, const char* what,
                              const char* key_name, const std::string& key) {
    if (!found || !may_read(caller, programme_of(*found)))
        return not_found(std::string("No ") + what + " with " + key_name + " '" + key + "'.");
    return found;
}

} // namespace

scheduler::result<scheduler::programme> visible_programme(scheduler::store& s, const std::string& slug,
                                                          const scheduler::api_token& caller) {
    return readable(s.get_programme(slug), caller, "programme", "slug", slug);
}

scheduler::result<scheduler::event> visible_event(scheduler::store& s, const std::string& id,
                                                  const scheduler::api_token& caller) {
    return readable(s.get_event(id), caller, "event", "id", id);
}

scheduler::result<scheduler::working_group> visible_working_group(scheduler::store& s, const std::string& id,
                                                                  const scheduler::api_token& caller) {
    return readable(s.get_working_group(id), caller, "working group", "id", id);
}

scheduler::result<scheduler::person> visible_person(scheduler::store& s, const std::string& id,
                                                    const scheduler::api_token& caller) {
    return readable(s.get_person(id), caller, "person", "id", id);
}

scheduler::result<const scheduler::time_zone*> programme_zone(const scheduler::programme& p) {
    const auto* zone = scheduler::find_time_zone(p.timezone);
    if (!zone) return error{errc::internal, "The programme's time zone cannot be loaded.", {}};
    return zone;
}

error forbidden_write() { return {errc::forbidden, "This token may not change this data.", {}}; }

bool is_participant(const scheduler::api_token& caller) {
    return caller.role == token_role::participant && caller.person_id.has_value();
}

scheduler::status need_person(const scheduler::api_token& caller) {
    if (!is_participant(caller))
        return error{errc::forbidden, "This route answers for the person behind a participant token.", {}};
    return scheduler::ok();
}

std::string etag(const std::string& id, int version) { return "\"" + id + ".v" + std::to_string(version) + "\""; }

scheduler::expected_version parse_if_match(std::string_view value, const std::string& id) {
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (value.empty() || value == "*") return std::nullopt;
    const std::string prefix = "\"" + id + ".v";
    if (!value.starts_with(prefix) || !value.ends_with("\"")) return -1;
    const auto digits = value.substr(prefix.size(), value.size() - prefix.size() - 1);
    int v = 0;
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc{} || p != digits.data() + digits.size()) return -1;
    return v;
}

response resource_response(const request_context& ctx, http::status s, const json::object& body, const std::string& id,
                           int version) {
    auto res = ok_json(ctx, s, body);
    res.set(http::field::etag, etag(id, version));
    return res;
}

scheduler::result<scheduler::page_request> page_params(const request_context& ctx) {
    scheduler::page_request pr;
    pr.limit = default_page_size;
    if (auto limit = ctx.query("limit")) {
        std::size_t n = 0;
        const auto [p, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
        if (ec != std::errc{} || p != limit->data() + limit->size() || n < 1 || n > max_page_size)
            return error::invalid("limit", "must be a number from 1 to " + std::to_string(max_page_size));
        pr.limit = n;
    }
    if (auto cursor = ctx.query("cursor"); cursor && !cursor->empty()) {
        if (cursor->size() > 100) return error::invalid("cursor", "is not a cursor this service gave out");
        pr.after = *cursor;
    }
    return pr;
}

scheduler::audit_entry audit(const request_context& ctx, std::string action, std::string object_type,
                             std::string object_id, const json::value& detail) {
    return {ctx.caller ? ctx.caller->id : std::string("anonymous"), std::move(action), std::move(object_type),
            std::move(object_id), json::serialize(detail)};
}

} // namespace copsched::server
