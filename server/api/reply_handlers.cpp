#include "server/api/reply_handlers.hpp"

#include "calendar/imip_reply.hpp"
#include "scheduler/clock.hpp"
#include "scheduler/replies.hpp"
#include "server/api/auth.hpp"
#include "server/api/db_call.hpp"
#include "server/api/errors.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/json_input.hpp"
#include "server/api/services.hpp"
#include "server/api/views.hpp"
#include "server/options/config.hpp"

#include <boost/json.hpp>

#include <string>

namespace copsched::server {
namespace {

namespace json = boost::json;
using scheduler::errc;
using scheduler::error;
using scheduler::reply_reason;
using scheduler::reply_record;
using scheduler::reply_state;
using scheduler::result;
using scheduler::store;
using scheduler::token_role;

// Longest stored COMMENT, as the RSVP link's comment (attendance_handlers.cpp); longer
// ones are cut and the reply's detail says so.
constexpr std::size_t reply_comment_max_chars = 1000;
// Longest envelope_to, from and message_id kept (RFC 5322's line limit).
constexpr std::size_t reply_header_max_chars = 998;
// The suffix of the UIDs copsched gives its events (feed_handlers.cpp: "<id>@copsched").
constexpr std::string_view uid_suffix = "@copsched";

// nullopt = every programme (admin); errc::forbidden for participants and organisers
// limited to some working groups.
result<std::optional<std::string>> reply_scope(const scheduler::api_token& caller) {
    if (caller.role == token_role::admin) return std::optional<std::string>{};
    if (caller.role == token_role::organiser && caller.programme_id && caller.working_group_ids.empty())
        return std::optional<std::string>{*caller.programme_id};
    return error{errc::forbidden, "Replies need an admin token or an organiser token of a whole programme.", {}};
}

// The participant's note as rsvp_comment: valid UTF-8, no control characters but newline
// and tab, trimmed, at most reply_comment_max_chars characters; `cut` says it was cut.
std::optional<std::string> clean_comment(const std::optional<std::string>& in, bool& cut) {
    cut = false;
    if (!in) return std::nullopt;
    const std::string text = valid_utf8(*in);
    std::string out;
    std::size_t chars = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\r') continue;
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
            out += ' ';
            ++chars;
            continue;
        }
        if ((c & 0xC0) != 0x80) {
            if (chars == reply_comment_max_chars) {
                cut = true;
                break;
            }
            ++chars;
        }
        out += static_cast<char>(c);
    }
    const auto first = out.find_first_not_of(" \t\n");
    if (first == std::string::npos) return std::nullopt;
    out.erase(0, first);
    out.erase(out.find_last_not_of(" \t\n") + 1);
    return out;
}

json::object reply_view(const reply_record& r) {
    return {
        {"id", r.id},
        {"received_at", r.received_at},
        {"state", scheduler::to_string(r.state)},
        {"reason", r.reason == reply_reason::none ? json::value(nullptr) : json::value(scheduler::to_string(r.reason))},
        {"detail", r.detail},
        {"programme_id", optional_json(r.programme_id)},
        {"event_id", optional_json(r.event_id)},
        {"person_id", optional_json(r.person_id)},
        {"method", r.method},
        {"attendee", r.attendee},
        {"rsvp", r.rsvp ? json::value(scheduler::to_string(*r.rsvp)) : json::value(nullptr)},
        {"comment", optional_json(r.comment)},
        {"sequence", r.sequence ? json::value(*r.sequence) : json::value(nullptr)},
        {"envelope_to", r.envelope_to},
        {"from", r.from},
        {"message_id", r.message_id},
        {"actor", r.actor}};
}

struct reply_input {
    std::string raw_ical;
    std::string envelope_to;
    std::string from;
    std::string message_id;
};

// raw_ical is iCalendar text: CR LF line ends, so it is checked here rather than by
// object_reader (which allows newline and tab only).
result<reply_input> read_reply_input(const request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) return body.err();
    json::object rest = *body;
    reply_input out;
    std::vector<scheduler::field_problem> problems;
    if (const auto* v = rest.if_contains("raw_ical"); !v) {
        problems.push_back({"raw_ical", "is required"});
    } else if (!v->is_string()) {
        problems.push_back({"raw_ical", "must be a string"});
    } else {
        out.raw_ical = std::string(v->get_string());
        std::string lf = out.raw_ical;
        for (auto& c : lf)
            if (c == '\r') c = '\n';
        if (out.raw_ical.empty())
            problems.push_back({"raw_ical", "must not be empty"});
        else if (auto p = text_problem(lf, ctx.svc.cfg.body_limit, true); !p.empty())
            problems.push_back({"raw_ical", std::move(p)});
    }
    rest.erase("raw_ical");
    object_reader in(rest);
    // Required, but may be empty (a message without a recipient): such a reply carries no
    // tag and is refused as forged_tag, and recorded like any other.
    if (!in.has("envelope_to")) in.problem("envelope_to", "is required");
    auto to = in.optional_string("envelope_to", reply_header_max_chars);
    auto from = in.optional_string("from", reply_header_max_chars);
    auto message_id = in.optional_string("message_id", reply_header_max_chars);
    for (const auto& p : problems) in.problem(p.field, p.problem);
    if (auto st = in.finish(); !st) return st.err();
    out.envelope_to = to.value_or("");
    out.from = from.value_or("");
    out.message_id = message_id.value_or("");
    return out;
}

task<response> post_reply(request_context& ctx) {
    auto scope = reply_scope(*ctx.caller);
    if (!scope) co_return fail(ctx, scope.err());
    auto input = read_reply_input(ctx);
    if (!input) co_return fail(ctx, input.err());
    // Parsed here, on this request's thread (libical, docs/ICALENDAR.md), not on the writer.
    auto parsed = calendar::parse_imip_reply(input->raw_ical);
    reply_record rec;
    rec.envelope_to = input->envelope_to;
    rec.from = input->from;
    rec.message_id = input->message_id;
    rec.actor = ctx.caller->id;
    rec.programme_id = *scope;
    auto job = [rec = std::move(rec), parsed = std::move(parsed), scope = *scope,
                key = &ctx.svc.feed_secret](store& s) mutable -> result<reply_record> {
        const auto now = scheduler::now_utc();
        auto refuse = [&](reply_reason why, const std::string& more = {}) {
            rec.state = reply_state::refused;
            rec.reason = why;
            rec.detail = scheduler::describe(why) + more;
        };
        if (!parsed) {
            const auto& e = parsed.err();
            refuse(reply_reason::malformed,
                   e.fields.empty() ? std::string() : " (raw_ical " + e.fields.front().problem + ")");
        } else {
            const auto& r = *parsed;
            rec.method = r.method;
            rec.attendee = r.attendee_email;
            rec.sequence = r.sequence;
            if (r.method == "COUNTER") {
                refuse(reply_reason::counter);
            } else if (r.method != "REPLY") {
                refuse(reply_reason::not_a_reply, r.method.empty() ? " (no METHOD)" : " (METHOD:" + r.method + ")");
            } else if (r.uid.empty() || r.attendees != 1) {
                refuse(reply_reason::malformed,
                       r.uid.empty() ? " (no UID)" : " (" + std::to_string(r.attendees) + " ATTENDEEs)");
            } else if (r.uid.size() <= uid_suffix.size() ||
                       r.uid.compare(r.uid.size() - uid_suffix.size(), uid_suffix.size(), uid_suffix) != 0) {
                refuse(reply_reason::unknown_event);
            } else {
                const std::string event_id = r.uid.substr(0, r.uid.size() - uid_suffix.size());
                auto e = s.get_event(event_id);
                if (!e && e.err().code != errc::not_found) return e.err();
                if (!e || (scope && e->programme_id != *scope)) {
                    refuse(reply_reason::unknown_event);
                } else {
                    rec.event_id = e->id;
                    rec.programme_id = e->programme_id;
                    auto person = s.person_id_by_email(e->programme_id, r.attendee_email);
                    if (!person) return person.err();
                    bool invited = false;
                    if (*person) {
                        auto inv = s.get_invitation(e->id, **person);
                        if (!inv && inv.err().code != errc::not_found) return inv.err();
                        invited = inv.ok();
                        if (invited) rec.person_id = **person;
                    }
                    const bool tag_ok =
                        invited && key->check_reply_tag(scheduler::reply_tag_of(rec.envelope_to), e->id, **person);
                    const auto why = scheduler::decide_reply({&r, &*e, invited, tag_ok, now});
                    if (why != reply_reason::none) {
                        refuse(why);
                    } else {
                        bool cut = false;
                        auto comment = clean_comment(r.comment, cut);
                        const auto answer = *scheduler::rsvp_of_partstat(r.partstat);
                        auto set = s.set_rsvp(e->id, **person, answer, comment, now);
                        if (!set) return set.err();
                        rec.state = reply_state::applied;
                        rec.reason = reply_reason::none;
                        rec.rsvp = answer;
                        rec.comment = comment;
                        rec.detail = scheduler::describe(reply_reason::none);
                        if (cut)
                            rec.detail +=
                                " The comment was cut to " + std::to_string(reply_comment_max_chars) + " characters.";
                    }
                }
            }
        }
        auto stored = s.add_reply(rec, now);
        if (!stored) return stored;
        json::object detail{
            {"state", scheduler::to_string(stored->state)},
            {"reason", scheduler::to_string(stored->reason)},
            {"event_id", optional_json(stored->event_id)},
            {"person_id", optional_json(stored->person_id)},
            {"rsvp", stored->rsvp ? json::value(scheduler::to_string(*stored->rsvp)) : json::value(nullptr)}};
        if (auto st = s.append_audit({stored->actor,
                                      stored->state == reply_state::applied ? "reply.applied" : "reply.refused",
                                      "reply", stored->id, json::serialize(detail)},
                                     now);
            !st)
            return st.err();
        return stored;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return ok_json(ctx, http::status::created, reply_view(*r));
}

task<response> list_replies(request_context& ctx) {
    auto scope = reply_scope(*ctx.caller);
    if (!scope) co_return fail(ctx, scope.err());
    auto pr = page_params(ctx);
    if (!pr) co_return fail(ctx, pr.err());
    scheduler::reply_filter f;
    f.programme_id = *scope;
    if (auto st = ctx.query("state")) {
        f.state = scheduler::parse<reply_state>(*st);
        if (!f.state) co_return fail(ctx, error::invalid("state", "must be applied or refused"));
    }
    f.event_id = ctx.query("event_id");
    auto job = [f, pr = *pr](store& s) { return s.list_replies(f, pr); };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return page_response(ctx, *r, reply_view);
}

} // namespace

void add_reply_routes(router& r) {
    using v = http::verb;
    r.add(v::post, "/api/v1/replies", access::any_token, post_reply);
    r.add(v::get, "/api/v1/replies", access::any_token, list_replies);
}

} // namespace copsched::server
