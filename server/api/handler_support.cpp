#include "server/api/handler_support.hpp"

#include "server/api/errors.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

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

json::value optional_json(const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); }

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

error forbidden_write() { return {errc::forbidden, "This token may not change this data.", {}}; }

bool is_participant(const scheduler::api_token& caller) {
    return caller.role == token_role::participant && caller.person_id.has_value();
}

scheduler::status need_person(const scheduler::api_token& caller) {
    if (!is_participant(caller))
        return error{errc::forbidden, "This route answers for the person behind a participant token.", {}};
    return scheduler::ok();
}

json::object to_json(const scheduler::programme& p) {
    json::array days;
    for (const auto& d : p.rules.weekdays) days.emplace_back(d);
    return {
        {"id", p.id},
        {"slug", p.slug},
        {"name", p.name},
        {"timezone", p.timezone},
        {"language", scheduler::to_string(p.lang)},
        {"starts_on", p.starts_on},
        {"ends_on", p.ends_on},
        {"meeting_rules",
         {{"per_year", p.rules.per_year},
          {"weekdays", std::move(days)},
          {"start_time", p.rules.start_time},
          {"duration_minutes", p.rules.duration_minutes},
          {"min_gap_days", p.rules.min_gap_days}}},
        {"feeds_public", p.feeds_public},
        {"mail",
         {{"enabled", p.mail.enabled},
          {"sender_name", p.mail.sender_name},
          {"sender_email", p.mail.sender_email},
          {"reminder_time", p.mail.reminder_time},
          {"reminder_days",
           {{"cop_meeting", json::value_from(p.mail.cop_meeting_days)},
            {"working_group_session", json::value_from(p.mail.session_days)},
            {"other", json::value_from(p.mail.other_days)}}}}},
        {"version", p.version},
        {"created_at", p.created_at},
        {"updated_at", p.updated_at},
    };
}

json::object to_json(const scheduler::organisation& o) {
    return {{"id", o.id},           {"programme_id", o.programme_id},           {"name", o.name},
            {"kind", scheduler::to_string(o.kind)}, {"level", scheduler::to_string(o.level)},
            {"version", o.version}, {"created_at", o.created_at},              {"updated_at", o.updated_at}};
}

json::object to_json(const scheduler::person& p, const scheduler::api_token& viewer) {
    json::object o{{"id", p.id},
                   {"programme_id", p.programme_id},
                   {"organisation_id", p.organisation_id},
                   {"name", p.name},
                   {"role", scheduler::to_string(p.role)},
                   {"language", scheduler::to_string(p.lang)},
                   {"active", p.active},
                   {"reminders_opt_out", p.reminders_opt_out},
                   {"version", p.version},
                   {"created_at", p.created_at},
                   {"updated_at", p.updated_at}};
    const bool own = viewer.person_id == p.id;
    if (viewer.role != token_role::participant || own) o["email"] = p.email;
    return o;
}

json::object to_json(const scheduler::working_group& g) {
    return {{"id", g.id},
            {"programme_id", g.programme_id},
            {"slug", g.slug},
            {"name", g.name},
            {"description", g.description},
            {"archived", g.archived_at.has_value()},
            {"archived_at", optional_json(g.archived_at)},
            {"version", g.version},
            {"created_at", g.created_at},
            {"updated_at", g.updated_at}};
}

json::object to_json(const scheduler::membership& m) {
    return {{"id", m.id},
            {"working_group_id", m.working_group_id},
            {"person_id", m.person_id},
            {"role", scheduler::to_string(m.role)},
            {"from", m.from},
            {"until", optional_json(m.until)},
            {"created_at", m.created_at}};
}

json::object to_json(const scheduler::venue& v) {
    return {{"id", v.id},           {"programme_id", v.programme_id}, {"name", v.name},
            {"address", v.address}, {"capacity", v.capacity},         {"version", v.version},
            {"created_at", v.created_at}, {"updated_at", v.updated_at}};
}

json::object token_json(const scheduler::api_token& t) {
    json::array groups;
    for (const auto& g : t.working_group_ids) groups.emplace_back(g);
    return {
        {"id", t.id},
        {"name", t.name},
        {"role", scheduler::to_string(t.role)},
        {"programme", optional_json(t.programme_slug)},
        {"working_groups", std::move(groups)},
        {"person_id", optional_json(t.person_id)},
        {"created_at", t.created_at},
        {"last_used_at", optional_json(t.last_used_at)},
        {"revoked_at", optional_json(t.revoked_at)},
    };
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
