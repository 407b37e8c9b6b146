// The e-mail outbox over HTTP: claim, report, summary, list, retry, opt-out.
#include "server/api/outbox_handlers.hpp"

#include "calendar/imip.hpp"
#include "scheduler/clock.hpp"
#include "scheduler/messages.hpp"
#include "scheduler/replies.hpp"
#include "server/api/attendance_handlers.hpp"
#include "server/api/auth.hpp"
#include "server/api/db_call.hpp"
#include "server/api/errors.hpp"
#include "server/api/feed_handlers.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/json_input.hpp"
#include "server/api/services.hpp"
#include "server/api/views.hpp"
#include "server/options/config.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <chrono>

namespace copsched::server {
namespace {

namespace json = boost::json;
using scheduler::errc;
using scheduler::error;
using scheduler::message_kind;
using scheduler::outbox_message;
using scheduler::result;
using scheduler::store;
using scheduler::token_role;

// Longest error text a job may report; longer text is cut.
constexpr std::size_t max_error_chars = 2000;

// The programme whose messages the caller may handle: nullopt = every programme (admin).
// errc::forbidden for participants and organisers limited to some working groups.
result<std::optional<std::string>> outbox_scope(const scheduler::api_token& caller) {
    if (caller.role == token_role::admin) return std::optional<std::string>{};
    if (caller.role == token_role::organiser && caller.programme_id && caller.working_group_ids.empty())
        return std::optional<std::string>{*caller.programme_id};
    return error{errc::forbidden,
                 "Reminder jobs and the outbox need an admin token or an organiser token of a whole programme.",
                 {}};
}

std::string host_of(const config& cfg) {
    const std::string base = base_url(cfg); // the url_view below points into it
    auto u = boost::urls::parse_uri(base);
    std::string host = u ? std::string(u->host()) : std::string();
    // An address literal makes no mail domain.
    if (host.empty() ||
        std::none_of(host.begin(), host.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
        host = "localhost";
    return host;
}

std::string sender_email(const config& cfg, const scheduler::programme& p) {
    if (!p.mail.sender_email.empty()) return p.mail.sender_email;
    if (!cfg.mail_from.empty()) return cfg.mail_from;
    return "copsched@" + host_of(cfg);
}

std::chrono::seconds seconds_of(std::chrono::milliseconds d) {
    return std::chrono::duration_cast<std::chrono::seconds>(d);
}

scheduler::retry_policy retry_policy_of(const config& cfg) {
    return {cfg.mail_max_attempts, seconds_of(cfg.mail_backoff), seconds_of(cfg.mail_backoff_max)};
}

// Changes not planned into messages yet are planned first, in steps of this many changes
// (each step one write job, so bookings interleave with a long backlog).
constexpr std::size_t plan_step_changes = 50;

task<scheduler::status> plan_pending_changes(request_context& ctx) {
    for (;;) {
        auto step = [](store& s) { return s.plan_outbox(scheduler::now_utc(), plan_step_changes); };
        auto more = co_await db_write(ctx.svc.db, std::move(step));
        if (!more) co_return more.err();
        if (!*more) co_return scheduler::ok();
    }
}

// --- claim ---------------------------------------------------------------------------------

task<response> claim(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    const auto& cfg = ctx.svc.cfg;
    object_reader in(*body);
    const auto limit = in.optional_integer("limit", 1, static_cast<long long>(cfg.mail_claim_limit)).value_or(20);
    const auto lease = in.optional_integer("lease_seconds", 10, seconds_of(cfg.mail_lease_max).count())
                           .value_or(seconds_of(cfg.mail_lease).count());
    auto invalid = in.finish();
    auto scope = outbox_scope(*ctx.caller);
    if (!scope) co_return fail(ctx, scope.err());
    if (!invalid) co_return fail(ctx, invalid.err());

    scheduler::claim_request r;
    r.limit = static_cast<std::size_t>(limit);
    r.lease_id = random_urlsafe(12);
    r.claimed_by = ctx.caller->id;
    r.programme_id = *scope;
    r.max_attempts = cfg.mail_max_attempts;
    if (auto st = co_await plan_pending_changes(ctx); !st) co_return fail(ctx, st.err());
    // The lease runs from the moment of the claim, on the writer thread.
    auto timed_job = [r, lease](store& s) mutable -> result<std::vector<scheduler::claimed_message>> {
        const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
        r.lease_until = scheduler::format_utc(now + std::chrono::seconds(lease));
        return s.claim_messages(r, scheduler::format_utc(now));
    };
    auto claimed = co_await db_write(ctx.svc.db, std::move(timed_job));
    if (!claimed) co_return fail(ctx, claimed.err());

    json::array items;
    std::vector<std::pair<std::string, std::string>> broken; // id, why
    for (const auto& c : *claimed) {
        auto m = render_claimed(c, cfg, ctx.svc.feed_secret);
        if (!m) {
            std::string why = m.err().detail;
            for (const auto& fp : m.err().fields) why += " " + fp.field + ": " + fp.problem + ";";
            broken.emplace_back(c.message.id, why);
            continue;
        }
        items.push_back(std::move(*m));
    }
    if (!broken.empty()) {
        auto mark = [broken, lease_id = r.lease_id, p = retry_policy_of(cfg)](store& s) -> scheduler::status {
            const auto now = scheduler::now_utc();
            for (const auto& [id, why] : broken)
                if (auto m = s.mark_failed(id, std::nullopt, lease_id, "cannot be rendered: " + why, true, p, now); !m)
                    return m.err();
            return scheduler::ok();
        };
        if (auto st = co_await db_write(ctx.svc.db, std::move(mark)); !st) co_return fail(ctx, st.err());
    }
    co_return ok_json(ctx, http::status::ok, json::object{{"items", std::move(items)}, {"next_cursor", nullptr}});
}

// --- reports ---------------------------------------------------------------------------------

// The message named in the path, when the caller may handle it: not_found otherwise,
// before anything about the request body is said.
scheduler::status visible_message(store& s, const std::string& id, const std::optional<std::string>& scope) {
    auto m = s.get_message(id);
    if (!m || (scope && m->programme_id != *scope)) return not_found("No message with id '" + id + "'.");
    return scheduler::ok();
}

task<response> report_sent(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    object_reader in(*body);
    auto message_id = in.required_string("message_id", 998);
    auto lease_id = in.optional_string("lease_id", 100);
    auto invalid = in.finish();
    auto scope = outbox_scope(*ctx.caller);
    if (!scope) co_return fail(ctx, scope.err());
    auto job = [id = std::string(ctx.param("id")), scope = *scope, lease_id, invalid,
                mid = message_id.value_or("")](store& s) -> result<outbox_message> {
        if (auto st = visible_message(s, id, scope); !st) return st.err();
        if (!invalid) return invalid.err();
        return s.mark_sent(id, scope, lease_id, mid, scheduler::now_utc());
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return ok_json(ctx, http::status::ok, outbox_message_view(*r));
}

task<response> report_failed(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    object_reader in(*body);
    auto text = in.required_string("error", 100'000, true);
    auto permanent = in.optional_bool("permanent");
    auto lease_id = in.optional_string("lease_id", 100);
    auto invalid = in.finish();
    auto scope = outbox_scope(*ctx.caller);
    if (!scope) co_return fail(ctx, scope.err());
    std::string why = text.value_or("");
    if (why.size() > max_error_chars) why.resize(max_error_chars);
    auto job = [id = std::string(ctx.param("id")), scope = *scope, lease_id, why, invalid,
                permanent = permanent.value_or(false),
                p = retry_policy_of(ctx.svc.cfg)](store& s) -> result<outbox_message> {
        if (auto st = visible_message(s, id, scope); !st) return st.err();
        if (!invalid) return invalid.err();
        return s.mark_failed(id, scope, lease_id, why, permanent, p, scheduler::now_utc());
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return ok_json(ctx, http::status::ok, outbox_message_view(*r));
}

// --- admin: summary, list, retry -------------------------------------------------------------

// ?programme=<slug> narrows an admin's view; organisers always see their own programme.
result<std::optional<std::string>> programme_filter(store& s, const std::optional<std::string>& scope,
                                                    const std::optional<std::string>& slug) {
    if (!slug) return scope;
    auto p = s.get_programme(*slug);
    if (!p || (scope && *scope != p->id)) return not_found("No programme with slug '" + *slug + "'.");
    return std::optional<std::string>{p->id};
}

task<response> summary(request_context& ctx) {
    auto scope = outbox_scope(*ctx.caller);
    if (!scope) co_return fail(ctx, scope.err());
    if (auto st = co_await plan_pending_changes(ctx); !st) co_return fail(ctx, st.err());
    auto job = [scope = *scope, slug = ctx.query("programme")](store& s) -> result<scheduler::outbox_summary> {
        auto p = programme_filter(s, scope, slug);
        if (!p) return p.err();
        return s.summarise_outbox(*p, scheduler::now_utc());
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    json::object counts;
    for (const auto& [state, n] : r->by_state) counts[scheduler::to_string(state)] = n;
    co_return ok_json(ctx, http::status::ok,
                      json::object{{"counts", std::move(counts)},
                                   {"due_now", r->due_now},
                                   {"oldest_due", optional_json(r->oldest_due)}});
}

task<response> list(request_context& ctx) {
    auto scope = outbox_scope(*ctx.caller);
    if (!scope) co_return fail(ctx, scope.err());
    auto pr = page_params(ctx);
    if (!pr) co_return fail(ctx, pr.err());
    scheduler::outbox_filter f;
    if (auto st = ctx.query("state")) {
        f.state = scheduler::parse<scheduler::outbox_state>(*st);
        if (!f.state)
            co_return fail(ctx, error::invalid("state", "must be one of pending, leased, sent, failed, dead, dropped"));
    }
    f.event_id = ctx.query("event_id");
    f.person_id = ctx.query("person_id");
    if (auto st = co_await plan_pending_changes(ctx); !st) co_return fail(ctx, st.err());
    auto job = [scope = *scope, slug = ctx.query("programme"), f,
                pr = *pr](store& s) mutable -> result<scheduler::page<outbox_message>> {
        auto p = programme_filter(s, scope, slug);
        if (!p) return p.err();
        f.programme_id = *p;
        return s.list_messages(f, pr);
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return page_response(ctx, *r, [](const outbox_message& m) { return outbox_message_view(m); });
}

task<response> retry(request_context& ctx) {
    // The body is optional and has no fields: {} or nothing.
    scheduler::status invalid = scheduler::ok();
    if (!ctx.req.body().empty()) {
        auto body = parse_json_object(ctx.req);
        if (!body) co_return fail(ctx, body.err());
        object_reader in(*body);
        invalid = in.finish();
    }
    auto scope = outbox_scope(*ctx.caller);
    if (!scope) co_return fail(ctx, scope.err());
    auto job = [id = std::string(ctx.param("id")), scope = *scope, invalid,
                a = audit(ctx, "reminder.retry", "reminder", std::string(ctx.param("id")))](
                   store& s) -> result<outbox_message> {
        if (auto st = visible_message(s, id, scope); !st) return st.err();
        if (!invalid) return invalid.err();
        const auto now = scheduler::now_utc();
        auto m = s.retry_message(id, scope, now);
        if (!m) return m;
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return m;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return ok_json(ctx, http::status::ok, outbox_message_view(*r));
}

// --- a participant's own opt-out --------------------------------------------------------------

task<response> put_my_reminders(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    object_reader in(*body);
    auto opt_out = in.required_bool("opt_out");
    auto invalid = in.finish();
    const auto& caller = *ctx.caller;
    if (auto st = need_person(caller); !st) co_return fail(ctx, st.err());
    if (!invalid) co_return fail(ctx, invalid.err());
    if (!opt_out) co_return fail(ctx, error::invalid("opt_out", "is required"));
    auto job = [person = *caller.person_id, opt = *opt_out,
                a = audit(ctx, "person.reminders", "person", *caller.person_id, json::object{{"opt_out", *opt_out}})](
                   store& s) -> result<scheduler::person> {
        auto p = s.get_person(person);
        if (!p) return p;
        p->reminders_opt_out = opt;
        const auto now = scheduler::now_utc();
        auto r = s.update_person(*p, std::nullopt, now);
        if (!r) return r;
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return r;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    ctx.svc.feeds.changed(r->programme_id, {person_content_key(r->id)});
    co_return ok_json(ctx, http::status::ok, json::object{{"opt_out", r->reminders_opt_out}});
}

task<response> get_my_reminders(request_context& ctx) {
    const auto& caller = *ctx.caller;
    if (auto st = need_person(caller); !st) co_return fail(ctx, st.err());
    auto job = [person = *caller.person_id](store& s) { return s.get_person(person); };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return ok_json(ctx, http::status::ok, json::object{{"opt_out", r->reminders_opt_out}});
}

} // namespace

std::string message_id_for(const config& cfg, const std::string& id) { return "<" + id + "@" + host_of(cfg) + ">"; }

result<json::object> render_claimed(const scheduler::claimed_message& c, const config& cfg, const feed_key& key) {
    const auto& m = c.message;
    const auto& e = c.ev;
    const auto& p = c.prog;
    const auto& who = c.recipient;
    const std::string from_name = p.mail.sender_name.empty() ? p.name : p.mail.sender_name;
    const std::string from_email = sender_email(cfg, p);

    // With a reply mailbox the clients' Accept/Decline buttons answer to an address tagged
    // for this event and person (copsched inbox reads it); without, RSVP=FALSE: no buttons.
    const std::string reply_to = p.mail.reply_address.empty()
                                     ? std::string()
                                     : scheduler::tagged_address(p.mail.reply_address, key.reply_tag(e.id, who.id));

    scheduler::message_context mc;
    mc.kind = m.kind;
    mc.lang = who.lang;
    mc.programme_name = p.name;
    mc.recipient_name = who.name;
    mc.ev = e;
    mc.working_group_name = c.working_group_name;
    mc.venue_name = c.venue_name;
    mc.venue_address = c.venue_address;
    mc.time_zone = p.timezone;
    if (m.kind != message_kind::cancellation && e.status != scheduler::event_status::cancelled)
        mc.rsvp_url = rsvp_url(cfg, key, e.id, who.id);
    mc.calendar_buttons = !reply_to.empty();
    mc.page_url = personal_page_url(cfg, key, who);
    mc.days_before = m.days_before.value_or(0);
    const auto text = scheduler::render_message(mc);

    json::value calendar = nullptr;
    if (m.kind != message_kind::reminder) {
        calendar::imip_message im;
        im.method =
            m.kind == message_kind::cancellation ? calendar::imip_method::cancel : calendar::imip_method::request;
        im.time_zone = p.timezone;
        im.organizer = {from_name, reply_to.empty() ? from_email : reply_to};
        im.attendee = {who.name, who.email};
        im.rsvp = !reply_to.empty() && m.kind != message_kind::cancellation;
        scheduler::feed_event fe{e, c.working_group_name, c.venue_name, c.venue_address};
        im.item = event_feed_item(fe, who.lang);
        im.item.sequence = m.sequence;
        if (m.kind == message_kind::cancellation) {
            im.item.status = scheduler::event_status::cancelled;
            im.item.summary = e.title;
        }
        auto body = calendar::render_imip(im);
        if (!body) return body.err();
        calendar = json::object{{"method", m.kind == message_kind::cancellation ? "CANCEL" : "REQUEST"},
                                {"content", std::move(*body)}};
    }
    return json::object{{"id", m.id},
                        {"kind", scheduler::to_string(m.kind)},
                        {"event_id", m.event_id},
                        {"person_id", m.person_id},
                        {"lease_id", optional_json(m.lease_id)},
                        {"lease_until", optional_json(m.lease_until)},
                        {"attempt", m.attempts},
                        {"message_id", message_id_for(cfg, m.id)},
                        {"from", {{"name", from_name}, {"email", from_email}}},
                        {"reply_to", reply_to.empty() || m.kind == message_kind::reminder ? json::value(nullptr)
                                                                                          : json::value(reply_to)},
                        {"to", {{"name", who.name}, {"email", who.email}}},
                        {"language", scheduler::to_string(who.lang)},
                        {"subject", text.subject},
                        {"text", text.body},
                        {"calendar", std::move(calendar)}};
}

void add_reminder_routes(router& r) {
    using v = http::verb;
    r.add(v::post, "/api/v1/reminders/claim", access::any_token, claim);
    r.add(v::post, "/api/v1/reminders/{id}/sent", access::any_token, report_sent);
    r.add(v::post, "/api/v1/reminders/{id}/failed", access::any_token, report_failed);
    r.add(v::post, "/api/v1/reminders/{id}/retry", access::any_token, retry);
    r.add(v::get, "/api/v1/reminders/summary", access::any_token, summary);
    r.add(v::get, "/api/v1/reminders", access::any_token, list);
    r.add(v::get, "/api/v1/me/reminders", access::any_token, get_my_reminders);
    r.add(v::put, "/api/v1/me/reminders", access::any_token, put_my_reminders);
}

} // namespace copsched::server
