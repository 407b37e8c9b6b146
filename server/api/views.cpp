#include "server/api/views.hpp"

#include "scheduler/civil_time.hpp"
#include "scheduler/day_rules.hpp"
#include "scheduler/outbox.hpp"
#include "scheduler/store/planning_store.hpp"
#include "scheduler/time_zone.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>

namespace copsched::server {
namespace {

namespace json = boost::json;
using scheduler::conflict;
using scheduler::event;
using scheduler::invitation;
using scheduler::token_role;

json::object conflict_view(const conflict& c) {
    json::array with;
    for (const auto& w : c.with) with.emplace_back(w);
    return {{"type", scheduler::to_string(c.type)},
            {"severity", scheduler::to_string(scheduler::severity_of(c.type))},
            {"detail", c.detail},
            {"with", std::move(with)}};
}

} // namespace

json::value optional_json(const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); }

json::object to_json(const scheduler::programme& p) {
    json::array days;
    for (const auto& d : p.rules.weekdays) days.emplace_back(d);
    // The settings in effect: defaults filled in (scheduler/day_rules.hpp).
    const auto effective = scheduler::day_rules_of(p);
    json::array regions;
    for (const auto& r : effective.school_regions) regions.emplace_back(r);
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
          {"min_gap_days", p.rules.min_gap_days},
          {"school_holiday_regions", std::move(regions)},
          {"school_holidays", scheduler::to_string(p.rules.school_holidays)}}},
        {"holidays",
         {{"country", effective.country.empty() ? json::value(nullptr) : json::value(effective.country)},
          {"subdivision", optional_json(p.holidays.subdivision)}}},
        {"feeds_public", p.feeds_public},
        {"mail",
         {{"enabled", p.mail.enabled},
          {"sender_name", p.mail.sender_name},
          {"sender_email", p.mail.sender_email},
          {"reply_address", p.mail.reply_address},
          {"reminder_time", p.mail.reminder_time},
          {"reminder_days",
           {{"cop_meeting", json::value_from(p.mail.cop_meeting_days)},
            {"working_group_session", json::value_from(p.mail.session_days)},
            {"other", json::value_from(p.mail.other_days)}}}}},
        {"memberships", {{"approval", scheduler::to_string(p.approval)}}},
        {"version", p.version},
        {"created_at", p.created_at},
        {"updated_at", p.updated_at},
    };
}

json::object to_json(const scheduler::organisation& o) {
    return {{"id", o.id},
            {"programme_id", o.programme_id},
            {"name", o.name},
            {"kind", scheduler::to_string(o.kind)},
            {"level", scheduler::to_string(o.level)},
            {"version", o.version},
            {"created_at", o.created_at},
            {"updated_at", o.updated_at}};
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
    return {{"id", v.id},
            {"programme_id", v.programme_id},
            {"name", v.name},
            {"address", v.address},
            {"capacity", v.capacity},
            {"version", v.version},
            {"created_at", v.created_at},
            {"updated_at", v.updated_at}};
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

json::object event_view(const event& e, const std::string& timezone) {
    json::array accepted;
    for (const auto& a : e.accepted_conflicts) accepted.emplace_back(a);
    return {{"id", e.id},
            {"programme_id", e.programme_id},
            {"kind", scheduler::to_string(e.kind)},
            {"title", e.title},
            {"description", e.description},
            {"working_group_id", optional_json(e.working_group_id)},
            {"start", e.start_local},
            {"end", e.end_local},
            {"all_day", e.all_day},
            {"start_utc", e.start_utc},
            {"end_utc", e.end_utc},
            {"timezone", timezone},
            {"venue_id", optional_json(e.venue_id)},
            {"online_url", e.online_url},
            {"status", scheduler::to_string(e.status)},
            {"sequence", e.sequence},
            {"accepted_conflicts", std::move(accepted)},
            {"series_id", optional_json(e.series_id)},
            {"cancelled_at", optional_json(e.cancelled_at)},
            {"cancel_reason", optional_json(e.cancel_reason)},
            {"version", e.version},
            {"created_at", e.created_at},
            {"updated_at", e.updated_at}};
}

json::array conflicts_view(const std::vector<conflict>& list) {
    json::array out;
    for (const auto& c : list) out.push_back(conflict_view(c));
    return out;
}

json::object invitation_view(const invitation& i) {
    return {{"event_id", i.event_id},
            {"person_id", i.person_id},
            {"person_name", i.person_name},
            {"organisation_id", i.organisation_id},
            {"role", std::string(scheduler::to_string(i.role))},
            {"invited_via", std::string(scheduler::to_string(i.source))},
            {"frozen", i.frozen},
            {"rsvp", optional_enum_json(i.rsvp)},
            {"rsvp_comment", optional_json(i.rsvp_comment)},
            {"rsvp_at", optional_json(i.rsvp_at)},
            {"presence", optional_enum_json(i.presence)},
            {"mode", optional_enum_json(i.mode)},
            {"recorded_at", optional_json(i.recorded_at)}};
}

json::object counts_view(const scheduler::attendance_counts& c) {
    return {{"invited", c.invited},   {"accepted", c.accepted},   {"tentative", c.tentative},
            {"declined", c.declined}, {"no_answer", c.no_answer}, {"present", c.present},
            {"absent", c.absent},     {"excused", c.excused},     {"unrecorded", c.unrecorded},
            {"onsite", c.onsite},     {"online", c.online}};
}

json::object event_brief(const event& e) {
    return {{"id", e.id},
            {"kind", std::string(scheduler::to_string(e.kind))},
            {"title", e.title},
            {"start", e.start_local},
            {"end", e.end_local},
            {"start_utc", e.start_utc},
            {"end_utc", e.end_utc},
            {"status", std::string(scheduler::to_string(e.status))},
            {"working_group_id", optional_json(e.working_group_id)}};
}

json::object outbox_message_view(const scheduler::outbox_message& m) {
    json::object o{{"id", m.id},
                   {"programme_id", m.programme_id},
                   {"event_id", m.event_id},
                   {"person_id", m.person_id},
                   {"kind", scheduler::to_string(m.kind)},
                   {"state", scheduler::to_string(m.state)},
                   {"due_at", m.due_at},
                   {"sequence", m.sequence},
                   {"attempts", m.attempts},
                   {"lease_until", optional_json(m.lease_until)},
                   {"message_id", optional_json(m.message_id)},
                   {"last_error", optional_json(m.last_error)},
                   {"created_at", m.created_at},
                   {"updated_at", m.updated_at}};
    o["days_before"] = m.days_before ? json::value(*m.days_before) : json::value(nullptr);
    return o;
}

json::object blackout_import_view(const scheduler::blackout_import& i) {
    return {{"id", i.id}, {"name", i.name}, {"periods", i.periods}, {"created_at", i.created_at}};
}

json::object blackout_period_view(const scheduler::blackout_period& b, const scheduler::time_zone& zone) {
    auto local = [&](const std::string& utc) {
        const auto t = scheduler::parse_instant(utc);
        return t ? scheduler::format_local_time(zone.to_local(*t)) : std::string();
    };
    return {{"id", b.id},
            {"import_id", b.import_id},
            {"name", b.name},
            {"start", local(b.start_utc)},
            {"end", local(b.end_utc)},
            {"start_utc", b.start_utc},
            {"end_utc", b.end_utc}};
}

scheduler::status page_json_items(json::object& body, const scheduler::page_request& pr, std::string_view key_fields) {
    auto* items = body.if_contains("items");
    if (!items || !items->is_array()) return scheduler::ok();
    auto& all = items->as_array();
    auto key_of = [&](const json::value& item) {
        std::string key;
        for (std::size_t at = 0; at < key_fields.size();) {
            const auto end = std::min(key_fields.find(' ', at), key_fields.size());
            const auto field = key_fields.substr(at, end - at);
            at = end + 1;
            if (!key.empty()) key.push_back(' ');
            const auto* v = item.is_object() ? item.as_object().if_contains(field) : nullptr;
            if (v && v->is_string())
                key.append(v->as_string().data(), v->as_string().size());
            else if (v)
                key.append(json::serialize(*v));
        }
        return key;
    };
    std::size_t from = 0;
    if (pr.after) {
        const auto at =
            std::find_if(all.begin(), all.end(), [&](const json::value& i) { return key_of(i) == *pr.after; });
        if (at == all.end()) return scheduler::error::invalid("cursor", "is not a cursor this service gave out");
        from = static_cast<std::size_t>(at - all.begin()) + 1;
    }
    const auto to = std::min(all.size(), from + pr.limit);
    json::array page;
    page.reserve(to > from ? to - from : 0);
    for (auto i = from; i < to; ++i) page.push_back(std::move(all[i]));
    json::value next = to < all.size() && to > from ? json::value(key_of(page.back())) : json::value(nullptr);
    *items = std::move(page);
    body["next_cursor"] = std::move(next); // last: operator[] may move the object's values
    return scheduler::ok();
}

} // namespace copsched::server
