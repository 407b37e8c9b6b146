#include "server/pages/participant.hpp"

#include "scheduler/attendance.hpp"
#include "scheduler/clock.hpp"
#include "scheduler/store.hpp"
#include "server/api/attendance_handlers.hpp"
#include "server/api/auth.hpp"
#include "server/api/db_call.hpp"
#include "server/api/feed_handlers.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/json_input.hpp"
#include "server/api/services.hpp"
#include "server/api/views.hpp"
#include "server/pages/api_call.hpp"
#include "server/pages/format.hpp"
#include "server/pages/html.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace copsched::server::pages {
namespace {

namespace json = boost::json;
using scheduler::errc;
using scheduler::error;
using scheduler::event;
using scheduler::invitation;
using scheduler::result;
using scheduler::store;

// How far ahead the personal page lists events, and how many at most.
constexpr auto upcoming_window = std::chrono::hours(24 * 400);
constexpr std::size_t upcoming_max = 30;
constexpr auto past_window = std::chrono::hours(24 * 365);

std::string instant_from_now(std::chrono::system_clock::duration d) {
    return scheduler::format_utc(std::chrono::system_clock::now() + d);
}

// An event with what a page shows beside it.
struct event_info {
    event e;
    std::string group_name;
    std::string venue_name;
    std::string venue_address;
    std::optional<invitation> inv;
};

event_info info_of(store& s, event e) {
    event_info x;
    if (e.working_group_id)
        if (auto g = s.get_working_group(*e.working_group_id)) x.group_name = g->name;
    if (e.venue_id)
        if (auto v = s.get_venue(*e.venue_id)) {
            x.venue_name = v->name;
            x.venue_address = v->address;
        }
    x.e = std::move(e);
    return x;
}

// Where, when and how to join: the lines under an event's title.
std::string event_details(const event_info& x, lang l) {
    std::string h = "<p class=\"meta\">" + escape(when_text(x.e, l));
    if (!x.group_name.empty()) h += " \xc2\xb7 " + escape(x.group_name);
    h += "</p><ul class=\"plain\">";
    if (!x.venue_name.empty()) {
        h += "<li>" + std::string(pick(l, "Locatie: ", "Venue: ")) + escape(x.venue_name);
        if (!x.venue_address.empty()) h += ", " + escape(x.venue_address);
        h += "</li>";
    }
    if (!x.e.online_url.empty()) {
        const auto link = safe_link(x.e.online_url);
        if (!link.empty())
            h += "<li>" + std::string(pick(l, "Online: ", "Online: ")) + "<a href=\"" + escape(link) +
                 "\" rel=\"noopener noreferrer\">" + escape(link) + "</a></li>";
        else
            h += "<li>" +
                 std::string(pick(l, "De online link is geen http(s)-adres en wordt niet getoond.",
                                  "The online link is not an http(s) address and is not shown.")) +
                 "</li>";
    }
    h += "</ul>";
    return h;
}

std::string status_tags(const event& e, lang l) {
    std::string h;
    if (e.status == scheduler::event_status::cancelled)
        h += " <span class=\"tag bad\">" + std::string(pick(l, "afgelast", "cancelled")) + "</span>";
    else if (e.status == scheduler::event_status::tentative)
        h += " <span class=\"tag warn\">" + std::string(pick(l, "onder voorbehoud", "tentative")) + "</span>";
    return h;
}

std::string answer_line(const std::optional<invitation>& inv, lang l) {
    if (!inv) return "";
    if (inv->rsvp) {
        std::string h = "<p>" + std::string(pick(l, "Uw antwoord: ", "Your answer: ")) + "<strong>" +
                        escape(rsvp_label(*inv->rsvp, l)) + "</strong>";
        if (inv->rsvp_comment && !inv->rsvp_comment->empty())
            h += " \xe2\x80\x94 <q>" + escape(*inv->rsvp_comment) + "</q>";
        return h + "</p>";
    }
    return "<p>" + std::string(pick(l, "U heeft nog niet geantwoord.", "You have not answered yet.")) + "</p>";
}

// The answer form: comment and three buttons; `hidden` holds hidden inputs (form token).
std::string rsvp_form(const std::string& action, const std::string& hidden, const std::string& id_suffix,
                      const std::optional<invitation>& inv, lang l) {
    const auto comment_id = "comment-" + id_suffix;
    std::string h = "<form method=\"post\" action=\"" + escape(action) + "\">" + hidden + "<label for=\"" + comment_id +
                    "\">" + std::string(pick(l, "Opmerking (niet verplicht)", "Comment (optional)")) +
                    "</label><textarea id=\"" + comment_id + "\" name=\"comment\" rows=\"2\" maxlength=\"" +
                    std::to_string(rsvp_comment_max_chars) + "\">" +
                    escape(inv && inv->rsvp_comment ? *inv->rsvp_comment : "") + "</textarea><div class=\"row\">";
    for (auto a :
         {scheduler::rsvp_answer::accepted, scheduler::rsvp_answer::tentative, scheduler::rsvp_answer::declined}) {
        const bool chosen = inv && inv->rsvp == a;
        h += "<button type=\"submit\" name=\"rsvp\" value=\"" + std::string(scheduler::to_string(a)) + "\"" +
             (chosen ? " aria-pressed=\"true\"" : " class=\"secondary\"") + ">" + escape(rsvp_label(a, l)) +
             "</button>";
    }
    return h + "</div></form>";
}

// --- the signed RSVP link (/rsvp/{token}) ----------------------------------------------------

page invalid_link_page() {
    page p;
    p.status = http::status::not_found;
    p.title = "Link";
    p.body = "<h1>Deze link werkt niet / This link does not work</h1><p>Vraag de organisatie om een nieuwe link. / "
             "Ask the organisers for a new link.</p>";
    return p;
}

struct link_target {
    event_info x;
    scheduler::person person;
    invitation inv;
};

// The event, person and invitation a link names, when the link is genuine and the person
// is (still) invited. errc::not_found for anything else: a forged, altered or other
// person's link looks the same as an unknown one.
result<link_target> link_target_of(store& s, const std::pair<std::string, std::string>& ids) {
    auto e = s.get_event(ids.first);
    if (!e) return not_found("link");
    auto person = s.get_person(ids.second);
    if (!person || person->programme_id != e->programme_id) return not_found("link");
    auto inv = s.get_invitation(ids.first, ids.second);
    if (!inv) return inv.err();
    return link_target{info_of(s, std::move(*e)), std::move(*person), std::move(*inv)};
}

page form_page(const request_context& ctx, const link_target& t, const std::string& token, const std::string& note) {
    const auto l = lang_of(t.person.lang);
    page p;
    p.language = l;
    p.title = t.x.e.title;
    auto& h = p.body;
    h = "<h1>" + escape(t.x.e.title) + status_tags(t.x.e, l) + "</h1>";
    if (!note.empty()) h += "<p class=\"note\" role=\"status\">" + escape(note) + "</p>";
    h += event_details(t.x, l);
    h += "<p>" + std::string(pick(l, "Voor ", "For ")) + escape(t.person.name) + ".</p>";
    std::optional<invitation> inv = t.inv;
    h += answer_line(inv, l);
    if (t.x.e.status == scheduler::event_status::cancelled) {
        h += std::string(pick(l, "<p>Deze bijeenkomst is afgelast.</p>", "<p>This event has been cancelled.</p>"));
        return p;
    }
    h += rsvp_form("/rsvp/" + token, "", "rsvp", inv, l);
    h += "<p><a class=\"button secondary\" href=\"/rsvp/" + escape(token) + ".ics\">" +
         std::string(pick(l, "Zet in mijn agenda (.ics)", "Add to my calendar (.ics)")) + "</a></p>";
    const auto own = personal_page_url(ctx.svc.cfg, ctx.svc.feed_secret, t.person);
    h += "<p><a href=\"" + escape(own.substr(own.find("/my/"))) + "\">" +
         std::string(pick(l, "Mijn pagina: alle bijeenkomsten, agenda-abonnement en werkgroepen",
                          "My page: all events, calendar subscription and working groups")) +
         "</a></p>";
    return p;
}

page ended_page(const link_target& t) {
    const auto l = lang_of(t.person.lang);
    page p;
    p.status = http::status::gone;
    p.language = l;
    p.title = t.x.e.title;
    p.body = "<h1>" + escape(t.x.e.title) + "</h1><p>" +
             std::string(pick(l, "Deze bijeenkomst is voorbij; antwoorden kan niet meer.",
                              "This event has ended; answers are closed.")) +
             "</p>";
    return p;
}

// GET /rsvp/{token}: a page with the event and three buttons. A GET never changes
// anything: mail scanners open links before people do.
task<response> rsvp_link_page(request_context& ctx) {
    const std::string token(ctx.param("token"));
    auto ids = ctx.svc.feed_secret.check_rsvp_token(token);
    if (!ids) co_return html_response(invalid_link_page(), ctx.version(), ctx.keep_alive());
    auto job = [ids = *ids](store& s) -> result<link_target> { return link_target_of(s, ids); };
    auto t = co_await db_read(ctx.svc.db, std::move(job));
    if (!t) {
        if (t.err().code == errc::not_found)
            co_return html_response(invalid_link_page(), ctx.version(), ctx.keep_alive());
        co_return fail(ctx, t.err());
    }
    if (t->x.e.end_utc <= scheduler::now_utc())
        co_return html_response(ended_page(*t), ctx.version(), ctx.keep_alive());
    co_return html_response(form_page(ctx, *t, token, ""), ctx.version(), ctx.keep_alive());
}

// GET /rsvp/{token}.ics: the event as an iCalendar file (add to calendar).
task<response> rsvp_link_calendar(request_context& ctx) {
    auto ids = ctx.svc.feed_secret.check_rsvp_token(ctx.param("token"));
    if (!ids) co_return html_response(invalid_link_page(), ctx.version(), ctx.keep_alive());
    auto job = [ids = *ids](store& s) -> result<link_target> { return link_target_of(s, ids); };
    auto t = co_await db_read(ctx.svc.db, std::move(job));
    if (!t) {
        if (t.err().code == errc::not_found)
            co_return html_response(invalid_link_page(), ctx.version(), ctx.keep_alive());
        co_return fail(ctx, t.err());
    }
    auto a =
        co_await call_api(ctx, participant_caller(t->person), http::verb::get, "/api/v1/events/" + t->x.e.id + ".ics");
    response res{static_cast<http::status>(a.status), ctx.version()};
    res.set(http::field::content_type, a.content_type);
    if (!a.content_disposition.empty()) res.set(http::field::content_disposition, a.content_disposition);
    res.set(http::field::cache_control, "no-store");
    set_security_headers(res);
    res.keep_alive(ctx.keep_alive());
    res.body() = std::move(a.body);
    res.prepare_payload();
    co_return res;
}

// An answer sent through the RSVP link page (a form) or as JSON.
struct link_answer {
    scheduler::rsvp_answer answer{};
    std::optional<std::string> comment;
};

// Browsers send a textarea's newlines as CR LF.
std::string without_cr(const std::string& s) {
    std::string c;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!(s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) c += s[i];
    return c;
}

result<link_answer> read_link_answer(const request_context& ctx, bool json_body) {
    std::optional<std::string> answer_text, comment;
    if (json_body) {
        auto body = parse_json_object(ctx.req);
        if (!body) return body.err();
        object_reader in(*body);
        answer_text = in.optional_string("rsvp", 40);
        comment = in.optional_string("comment", rsvp_comment_max_chars, true);
        if (auto st = in.finish(); !st) return st.err();
    } else {
        auto f = parse_form(ctx.req.body());
        if (!f) return error{errc::malformed, "The form body cannot be read.", {}};
        if (f->has("rsvp")) answer_text = f->get("rsvp");
        if (!f->get("comment").empty()) comment = f->get("comment");
    }
    std::optional<scheduler::rsvp_answer> answer;
    if (answer_text) answer = scheduler::parse<scheduler::rsvp_answer>(*answer_text);
    if (!answer) return error::invalid("rsvp", "must be accepted, tentative or declined");
    if (comment) {
        auto c = without_cr(*comment);
        if (auto problem = text_problem(c, rsvp_comment_max_chars, true); !problem.empty())
            return error::invalid("comment", problem);
        comment = std::move(c);
    }
    return link_answer{*answer, std::move(comment)};
}

// What a link answer did: saved, or refused because the event has ended or was cancelled.
struct link_outcome {
    link_target target;
    bool ended = false;
};

result<link_outcome> answer_by_link(store& s, const std::pair<std::string, std::string>& ids, const link_answer& in) {
    auto t = link_target_of(s, ids);
    if (!t) return t.err();
    const auto now = scheduler::now_utc();
    if (t->x.e.end_utc <= now || t->x.e.status == scheduler::event_status::cancelled)
        return link_outcome{std::move(*t), true};
    auto r = s.set_rsvp(ids.first, ids.second, in.answer, in.comment, now);
    if (!r) return r.err();
    t->inv = *r;
    scheduler::audit_entry a{"rsvp-link", "attendance.rsvp", "event", ids.first,
                             json::serialize(json::object{{"person_id", ids.second},
                                                          {"rsvp", std::string(scheduler::to_string(in.answer))},
                                                          {"via", "link"}})};
    if (auto st = s.append_audit(a, now); !st) return st.err();
    return link_outcome{std::move(*t), false};
}

// POST /rsvp/{token}: rsvp=accepted|tentative|declined and an optional comment, as a form
// (application/x-www-form-urlencoded, what the page sends) or as JSON (answered as JSON).
task<response> rsvp_link_answer(request_context& ctx) {
    const std::string token(ctx.param("token"));
    auto ids = ctx.svc.feed_secret.check_rsvp_token(token);
    const bool json_body = media_type_is(ctx.req[http::field::content_type], "application/json");
    if (!ids) {
        if (json_body) co_return fail(ctx, not_found("This RSVP link is not valid."));
        co_return html_response(invalid_link_page(), ctx.version(), ctx.keep_alive());
    }
    auto answer = read_link_answer(ctx, json_body);
    if (!answer) co_return fail(ctx, answer.err());
    auto job = [ids = *ids, in = std::move(*answer)](store& s) { return answer_by_link(s, ids, in); };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) {
        if (r.err().code == errc::not_found) {
            if (json_body) co_return fail(ctx, not_found("This RSVP link is not valid."));
            co_return html_response(invalid_link_page(), ctx.version(), ctx.keep_alive());
        }
        co_return fail(ctx, r.err());
    }
    const auto l = lang_of(r->target.person.lang);
    if (r->ended) {
        const auto detail = r->target.x.e.status == scheduler::event_status::cancelled ? "the event was cancelled"
                                                                                       : "the event has ended";
        if (json_body) co_return fail(ctx, error::invalid("rsvp", detail));
        co_return html_response(ended_page(r->target), ctx.version(), ctx.keep_alive());
    }
    ctx.svc.feeds.changed(r->target.x.e.programme_id, {person_content_key(r->target.person.id)});
    if (json_body) co_return ok_json(ctx, http::status::ok, invitation_view(r->target.inv));
    co_return html_response(
        form_page(ctx, r->target, token,
                  std::string(pick(l, "Dank u, uw antwoord is opgeslagen.", "Thank you, your answer is saved."))),
        ctx.version(), ctx.keep_alive());
}

// --- the personal page (/my/{token}) ---------------------------------------------------------

struct membership_row {
    scheduler::membership m;
    scheduler::working_group g;
};

struct personal_data {
    scheduler::person person;
    scheduler::programme programme;
    std::vector<event_info> upcoming;
    std::vector<event_info> past;
    std::vector<membership_row> memberships;            // current and future
    std::vector<scheduler::working_group> groups;       // the programme's open groups
    std::vector<scheduler::membership_request> pending; // joins and leaves waiting for an organiser
};

// The person a page token names, when it is genuine, of the current generation and the
// person is active; not_found otherwise (an old, altered or forged link looks unknown).
result<scheduler::person> page_owner(store& s, const feed_key::page_owner& owner) {
    auto p = s.get_person(owner.person_id);
    if (!p || p->feed_generation != owner.generation || !p->active) return not_found("link");
    return p;
}

result<personal_data> load_personal(store& s, const feed_key::page_owner& owner) {
    auto person = page_owner(s, owner);
    if (!person) return person.err();
    auto programme = s.get_programme_by_id(person->programme_id);
    if (!programme) return programme.err();
    personal_data d{std::move(*person), std::move(*programme), {}, {}, {}, {}, {}};
    const auto now = scheduler::now_utc();
    auto coming =
        s.person_invitations(d.person.id, instant_from_now(-std::chrono::hours(12)), instant_from_now(upcoming_window));
    if (!coming) return coming.err();
    for (auto& i : *coming) {
        if (d.upcoming.size() >= upcoming_max) break;
        auto e = s.get_event(i.event_id);
        if (!e || e->end_utc <= now) continue;
        auto x = info_of(s, std::move(*e));
        x.inv = std::move(i);
        d.upcoming.push_back(std::move(x));
    }
    auto past = s.person_invitations(d.person.id, instant_from_now(-past_window), now);
    if (!past) return past.err();
    for (auto& i : *past) {
        auto e = s.get_event(i.event_id);
        if (!e || e->end_utc > now || e->status == scheduler::event_status::cancelled) continue;
        event_info x;
        x.e = std::move(*e);
        x.inv = std::move(i);
        d.past.push_back(std::move(x));
    }
    const auto today = now.substr(0, 10);
    auto gids = s.person_working_group_ids(d.person.id);
    if (!gids) return gids.err();
    for (const auto& gid : *gids) {
        auto g = s.get_working_group(gid);
        if (!g) continue;
        auto members = s.list_memberships(gid);
        if (!members) return members.err();
        for (auto& m : *members)
            if (m.person_id == d.person.id && (!m.until || *m.until >= today))
                d.memberships.push_back({std::move(m), *g});
    }
    auto groups = s.list_working_groups(d.person.programme_id, {}, {std::nullopt, 200});
    if (!groups) return groups.err();
    d.groups = std::move(groups->items);
    scheduler::membership_request_filter waiting;
    waiting.person_id = d.person.id;
    waiting.state = scheduler::membership_request_state::pending;
    auto pending = s.list_membership_requests(waiting, {std::nullopt, 200});
    if (!pending) return pending.err();
    d.pending = std::move(pending->items);
    return d;
}

// JSON bodies for the API, built outside the coroutines (GCC 12 rejects a braced
// json::object with string keys inside a co_await expression).
std::string rsvp_body(const form& f) {
    json::object body{{"rsvp", f.get("rsvp")}};
    const auto comment = without_cr(f.get("comment"));
    if (!comment.empty()) body["comment"] = comment;
    return json::serialize(body);
}

std::string one_field(const char* name, json::value v) { return json::serialize(json::object{{name, std::move(v)}}); }

std::string form_token(const request_context& ctx, std::string_view token) {
    return ctx.svc.feed_secret.sign("my-form:" + std::string(token));
}

std::string hidden_token(const request_context& ctx, std::string_view token) {
    return "<input type=\"hidden\" name=\"form_token\" value=\"" + escape(form_token(ctx, token)) + "\">";
}

std::string note_text(std::string_view code, lang l) {
    if (code == "rsvp")
        return std::string(pick(l, "Dank u, uw antwoord is opgeslagen.", "Thank you, your answer is saved."));
    if (code == "reminders")
        return std::string(
            pick(l, "Uw voorkeur voor herinneringen is opgeslagen.", "Your reminder preference is saved."));
    if (code == "joined")
        return std::string(pick(l, "U bent lid van de werkgroep.", "You have joined the working group."));
    if (code == "left")
        return std::string(pick(l, "U heeft de werkgroep verlaten.", "You have left the working group."));
    if (code == "requested")
        return std::string(pick(l, "Uw verzoek is verstuurd. Het wacht op goedkeuring van een organisator.",
                                "Your request is sent. It is waiting for an organiser's approval."));
    return "";
}

page personal_page(const request_context& ctx, const personal_data& d, const std::string& token, lang l,
                   const std::string& note, bool note_is_problem) {
    page p;
    p.language = l;
    p.title = std::string(pick(l, "Mijn bijeenkomsten", "My events"));
    const std::string base = "/my/" + token;
    p.nav = "<a href=\"#events\">" + std::string(pick(l, "Bijeenkomsten", "Events")) + "</a><a href=\"#subscribe\">" +
            std::string(pick(l, "Abonneren", "Subscribe")) + "</a><a href=\"#groups\">" +
            std::string(pick(l, "Werkgroepen", "Working groups")) + "</a><a href=\"" + escape(base) +
            "?lang=" + (l == lang::en ? "nl\" lang=\"nl\">Nederlands" : "en\" lang=\"en\">English") + "</a>";
    auto& h = p.body;
    h += "<h1>" + std::string(pick(l, "Hallo ", "Hello ")) + escape(d.person.name) + "</h1><p class=\"lead\">" +
         escape(d.programme.name) + "</p>";
    if (!note.empty())
        h += std::string("<p class=\"note") + (note_is_problem ? " bad\" role=\"alert\">" : "\" role=\"status\">") +
             escape(note) + "</p>";

    // Upcoming events.
    const auto hidden = hidden_token(ctx, token);
    h += "<h2 id=\"events\">" + std::string(pick(l, "Komende bijeenkomsten", "Upcoming events")) + "</h2>";
    if (d.upcoming.empty())
        h += "<p>" +
             std::string(pick(l, "Er staan geen bijeenkomsten voor u gepland.", "No events are planned for you.")) +
             "</p>";
    for (const auto& x : d.upcoming) {
        const bool cancelled = x.e.status == scheduler::event_status::cancelled;
        h += "<section class=\"card" + std::string(cancelled ? " cancelled" : "") + "\" id=\"event-" + escape(x.e.id) +
             "\" aria-labelledby=\"title-" + escape(x.e.id) + "\"><h3 id=\"title-" + escape(x.e.id) + "\">" +
             escape(x.e.title) + status_tags(x.e, l) + "</h3>";
        h += event_details(x, l);
        h += answer_line(x.inv, l);
        if (!cancelled) h += rsvp_form(base + "/events/" + x.e.id + "/rsvp", hidden, x.e.id, x.inv, l);
        h += "<p><a href=\"" + escape(base + "/events/" + x.e.id + ".ics") + "\">" +
             std::string(pick(l, "Zet in mijn agenda", "Add to my calendar")) +
             "<span class=\"visually-hidden\">: " + escape(x.e.title) + "</span></a></p></section>";
    }

    // Subscribe.
    const auto links = feed_links(ctx.svc, d.person);
    const std::string feed_url(links.at("feed_url").as_string());
    const std::string webcal_url(links.at("webcal_url").as_string());
    h += "<h2 id=\"subscribe\">" + std::string(pick(l, "Abonneren op uw agenda", "Subscribe to your calendar")) +
         "</h2><p>" +
         std::string(pick(l,
                          "Uw agenda-app haalt de bijeenkomsten zelf op en houdt ze bij. Deze link is persoonlijk: "
                          "deel hem niet.",
                          "Your calendar app fetches the events and keeps them up to date. This link is personal: do "
                          "not share it.")) +
         "</p><p class=\"row\"><a class=\"button\" id=\"subscribe-webcal\" href=\"" + escape(webcal_url) + "\">" +
         std::string(pick(l, "Abonneren (Apple, Outlook)", "Subscribe (Apple, Outlook)")) +
         "</a><a class=\"button secondary\" id=\"subscribe-google\" href=\"" +
         escape("https://calendar.google.com/calendar/r?cid=" + url_encode(webcal_url)) +
         "\" rel=\"noopener noreferrer\">Google Calendar</a><a class=\"button secondary\" id=\"subscribe-outlook\" "
         "href=\"" +
         escape("https://outlook.live.com/calendar/0/addfromweb?url=" + url_encode(feed_url) +
                "&name=" + url_encode(d.programme.name)) +
         "\" rel=\"noopener noreferrer\">Outlook.com</a></p><label for=\"feed-url\">" +
         std::string(pick(l, "Of kopieer de link", "Or copy the link")) +
         "</label><div class=\"copy-row\"><input type=\"text\" id=\"feed-url\" readonly value=\"" + escape(feed_url) +
         "\"><button type=\"button\" class=\"secondary\" data-copy=\"feed-url\" data-done=\"" +
         std::string(pick(l, "Gekopieerd", "Copied")) + "\" hidden>" + std::string(pick(l, "Kopieer", "Copy")) +
         "</button></div><p id=\"feed-url-status\" role=\"status\"></p>";

    // Reminders.
    h += "<h2 id=\"reminders\">" + std::string(pick(l, "Herinneringen per e-mail", "Reminders by e-mail")) +
         "</h2><p>" +
         std::string(d.person.reminders_opt_out
                         ? pick(l, "U ontvangt geen herinneringen. Uitnodigingen en wijzigingen krijgt u wel.",
                                "You receive no reminders. Invitations and changes still reach you.")
                         : pick(l, "U ontvangt herinneringen voor uw bijeenkomsten.",
                                "You receive reminders for your events.")) +
         "</p><form method=\"post\" action=\"" + escape(base + "/reminders") + "\">" + hidden +
         "<input type=\"hidden\" name=\"opt_out\" value=\"" + (d.person.reminders_opt_out ? "false" : "true") +
         "\"><button type=\"submit\" class=\"secondary\">" +
         std::string(d.person.reminders_opt_out ? pick(l, "Weer herinneringen ontvangen", "Receive reminders again")
                                                : pick(l, "Geen herinneringen meer", "Stop reminders")) +
         "</button></form>";

    // Working groups.
    h += "<h2 id=\"groups\">" + std::string(pick(l, "Mijn werkgroepen", "My working groups")) + "</h2>";
    const auto today = scheduler::now_utc().substr(0, 10);
    // Still a member after today: open-ended or ending later (leaving ends a membership).
    const auto staying = [&](const scheduler::membership& m) { return !m.until || *m.until > today; };
    std::size_t current = 0;
    for (const auto& r : d.memberships)
        if (staying(r.m)) ++current;
    // A join or leave waiting for an organiser replaces that group's button.
    const auto waiting = [&](const std::string& group_id) {
        return std::any_of(d.pending.begin(), d.pending.end(),
                           [&](const scheduler::membership_request& r) { return r.working_group_id == group_id; });
    };
    const std::string waiting_note =
        "<p class=\"meta\">" +
        std::string(pick(l, "Wacht op goedkeuring van een organisator.", "Waiting for an organiser's approval.")) +
        "</p>";
    h += "<ul class=\"plain\">";
    for (const auto& r : d.memberships) {
        h += "<li class=\"card\"><h3>" + escape(r.g.name) + "</h3>";
        if (r.m.until)
            h += "<p class=\"meta\">" + std::string(pick(l, "Lid tot en met ", "Member until ")) +
                 escape(date_text(*r.m.until, l)) + "</p>";
        if (staying(r.m)) {
            if (waiting(r.g.id))
                h += waiting_note;
            else if (current > 1)
                h += "<form method=\"post\" action=\"" + escape(base + "/groups/" + r.m.id + "/leave") + "\">" +
                     hidden + "<button type=\"submit\" class=\"secondary\">" +
                     std::string(pick(l, "Verlaat deze werkgroep", "Leave this working group")) +
                     "<span class=\"visually-hidden\">: " + escape(r.g.name) + "</span></button></form>";
            else
                h += "<p class=\"meta\">" +
                     std::string(pick(l, "Iedereen zit in minstens \xc3\xa9\xc3\xa9n werkgroep.",
                                      "Everyone stays in at least one working group.")) +
                     "</p>";
        }
        h += "</li>";
    }
    h += "</ul>";
    std::string others;
    for (const auto& g : d.groups) {
        bool member = false;
        for (const auto& r : d.memberships) member = member || r.g.id == g.id;
        if (member || g.archived_at) continue;
        others += "<li class=\"card\"><h3>" + escape(g.name) + "</h3>";
        if (!g.description.empty()) others += "<p>" + escape(g.description) + "</p>";
        if (waiting(g.id)) {
            others += waiting_note + "</li>";
            continue;
        }
        others += "<form method=\"post\" action=\"" + escape(base + "/groups") + "\">" + hidden +
                  "<input type=\"hidden\" name=\"working_group_id\" value=\"" + escape(g.id) +
                  "\"><button type=\"submit\">" + std::string(pick(l, "Word lid", "Join")) +
                  "<span class=\"visually-hidden\">: " + escape(g.name) + "</span></button></form></li>";
    }
    if (!others.empty())
        h += "<h3>" + std::string(pick(l, "Andere werkgroepen", "Other working groups")) + "</h3><ul class=\"plain\">" +
             others + "</ul>";

    // Past year.
    h += "<h2 id=\"attendance\">" +
         std::string(pick(l, "Mijn aanwezigheid het afgelopen jaar", "My attendance in the past year")) + "</h2>";
    if (d.past.empty()) {
        h += "<p>" + std::string(pick(l, "Geen bijeenkomsten in het afgelopen jaar.", "No events in the past year.")) +
             "</p>";
    } else {
        std::size_t present = 0;
        for (const auto& x : d.past)
            if (x.inv && x.inv->presence == scheduler::presence_state::present) ++present;
        h += "<p>" + std::to_string(present) + std::string(pick(l, " van ", " of ")) + std::to_string(d.past.size()) +
             std::string(pick(l, " bijeenkomsten aanwezig.", " events attended.")) + "</p>";
        h += "<div class=\"scroll\"><table><caption class=\"visually-hidden\">" +
             std::string(pick(l, "Aanwezigheid per bijeenkomst", "Attendance per event")) +
             "</caption><thead><tr><th scope=\"col\">" + std::string(pick(l, "Datum", "Date")) +
             "</th><th scope=\"col\">" + std::string(pick(l, "Bijeenkomst", "Event")) + "</th><th scope=\"col\">" +
             std::string(pick(l, "Aanwezigheid", "Attendance")) + "</th></tr></thead><tbody>";
        for (auto it = d.past.rbegin(); it != d.past.rend(); ++it) {
            h += "<tr><td>" + escape(date_text(it->e.start_local.substr(0, 10), l)) + "</td><td>" +
                 escape(it->e.title) + "</td><td>" +
                 (it->inv && it->inv->presence ? escape(presence_label(*it->inv->presence, l))
                                               : std::string(pick(l, "niet vastgelegd", "not recorded"))) +
                 "</td></tr>";
        }
        h += "</tbody></table></div>";
    }
    h += "<footer class=\"page\">" +
         std::string(pick(l,
                          "Deze pagina hoort bij uw persoonlijke link. Wie de link heeft, kan hier voor u antwoorden.",
                          "This page belongs to your personal link. Whoever has the link can answer for you here.")) +
         "</footer>";
    return p;
}

page invalid_personal_page() {
    page p;
    p.status = http::status::not_found;
    p.title = "Link";
    p.body = "<h1>Deze link werkt niet / This link does not work</h1><p>Uw persoonlijke link is vervangen of onjuist. "
             "Gebruik de link uit de laatste e-mail. / Your personal link was replaced or is wrong. Use the link in "
             "the latest e-mail.</p>";
    return p;
}

lang page_lang(const request_context& ctx, const scheduler::person& p) {
    if (auto q = ctx.query("lang")) {
        if (*q == "en") return lang::en;
        if (*q == "nl") return lang::nl;
    }
    return lang_of(p.lang);
}

task<response> show_personal(request_context& ctx, const std::string& token, const feed_key::page_owner& owner,
                             std::string note, bool problem, http::status status) {
    auto job = [owner](store& s) { return load_personal(s, owner); };
    auto d = co_await db_read(ctx.svc.db, std::move(job));
    if (!d) {
        if (d.err().code == errc::not_found)
            co_return html_response(invalid_personal_page(), ctx.version(), ctx.keep_alive());
        co_return fail(ctx, d.err());
    }
    const auto l = page_lang(ctx, d->person);
    if (note.empty())
        if (auto code = ctx.query("note")) note = note_text(*code, l);
    auto p = personal_page(ctx, *d, token, l, note, problem);
    p.status = status;
    co_return html_response(p, ctx.version(), ctx.keep_alive());
}

// GET /my/{token}
task<response> my_page(request_context& ctx) {
    const std::string token(ctx.param("token"));
    auto owner = ctx.svc.feed_secret.check_page_token(token);
    if (!owner) co_return html_response(invalid_personal_page(), ctx.version(), ctx.keep_alive());
    co_return co_await show_personal(ctx, token, *owner, "", false, http::status::ok);
}

// The person of a genuine, current page token; nullopt when the link does not work.
task<std::optional<scheduler::person>> owner_of(request_context& ctx, const std::string& token) {
    auto owner = ctx.svc.feed_secret.check_page_token(token);
    if (!owner) co_return std::nullopt;
    auto job = [o = *owner](store& s) { return page_owner(s, o); };
    auto p = co_await db_read(ctx.svc.db, std::move(job));
    if (!p) co_return std::nullopt;
    co_return std::move(*p);
}

// The forms of the personal page and the API request each one makes as the person.
enum class my_form { rsvp, reminders, join, leave };

struct api_request {
    http::verb method = http::verb::get;
    std::string target;
    std::string body;
};

// The API request for a form, or the problem with the form (422 naming the field).
std::variant<api_request, api_answer> request_for(my_form what, const request_context& ctx, const form& f) {
    switch (what) {
    case my_form::rsvp:
        return api_request{http::verb::put, "/api/v1/me/events/" + url_encode(ctx.param("id")) + "/rsvp", rsvp_body(f)};
    case my_form::reminders: {
        const auto v = f.get("opt_out");
        if (v != "true" && v != "false") {
            api_answer bad;
            bad.status = 422;
            bad.body =
                R"({"detail":"The form is incomplete.","errors":[{"field":"opt_out","problem":"must be true or false"}]})";
            return bad;
        }
        return api_request{http::verb::put, "/api/v1/me/reminders", one_field("opt_out", v == "true")};
    }
    case my_form::join:
        return api_request{http::verb::post, "/api/v1/me/memberships",
                           one_field("working_group_id", json::value(f.get("working_group_id")))};
    case my_form::leave:
        return api_request{http::verb::delete_, "/api/v1/me/memberships/" + url_encode(ctx.param("id")), ""};
    }
    return api_answer{};
}

const char* note_code(my_form what) {
    switch (what) {
    case my_form::rsvp: return "rsvp";
    case my_form::reminders: return "reminders";
    case my_form::join: return "joined";
    case my_form::leave: return "left";
    }
    return "";
}

const char* anchor_of(my_form what) {
    switch (what) {
    case my_form::rsvp: return "events";
    case my_form::reminders: return "reminders";
    case my_form::join:
    case my_form::leave: return "groups";
    }
    return "";
}

// Runs a form of the personal page: checks the link and the form token, then the API
// request as the person; a success goes back to the page with a note (303), a refusal
// shows the page with the API's reason (with its 4xx status).
task<response> personal_action(request_context& ctx, my_form what) {
    const std::string token(ctx.param("token"));
    auto person = co_await owner_of(ctx, token);
    if (!person) co_return html_response(invalid_personal_page(), ctx.version(), ctx.keep_alive());
    auto f = parse_form(ctx.req.body());
    if (!f) co_return fail(ctx, error{errc::malformed, "The form body cannot be read.", {}});
    if (!constant_time_equal(f->get("form_token"), form_token(ctx, token)))
        co_return fail(ctx, error{errc::forbidden,
                                  "The form is not from this page; reload the page and try again.",
                                  {{"form_token", "does not match this page"}}});
    auto req = request_for(what, ctx, *f);
    api_answer answer;
    if (auto* r = std::get_if<api_request>(&req))
        answer =
            co_await call_api(ctx, participant_caller(*person), r->method, std::move(r->target), std::move(r->body));
    else
        answer = std::get<api_answer>(req);
    if (!answer.ok()) {
        const auto owner = ctx.svc.feed_secret.check_page_token(token);
        co_return co_await show_personal(ctx, token, *owner, answer.problem_text(), true, answer.refused_status());
    }
    // 202: the programme's memberships.approval made the join or leave a request.
    const char* note = answer.status == 202 ? "requested" : note_code(what);
    co_return see_other("/my/" + token + "?note=" + note + "#" + anchor_of(what), ctx.version(), ctx.keep_alive());
}

// POST /my/{token}/events/{id}/rsvp: rsvp, comment, form_token.
task<response> my_rsvp(request_context& ctx) { co_return co_await personal_action(ctx, my_form::rsvp); }
// POST /my/{token}/reminders: opt_out=true|false, form_token.
task<response> my_reminders(request_context& ctx) { co_return co_await personal_action(ctx, my_form::reminders); }
// POST /my/{token}/groups: working_group_id, form_token (join).
task<response> my_join(request_context& ctx) { co_return co_await personal_action(ctx, my_form::join); }
// POST /my/{token}/groups/{id}/leave: form_token; {id} is the membership.
task<response> my_leave(request_context& ctx) { co_return co_await personal_action(ctx, my_form::leave); }

// GET /my/{token}/events/{id}.ics: one event to add to a calendar.
task<response> my_event_calendar(request_context& ctx) {
    const std::string token(ctx.param("token"));
    auto person = co_await owner_of(ctx, token);
    if (!person) co_return html_response(invalid_personal_page(), ctx.version(), ctx.keep_alive());
    auto a = co_await call_api(ctx, participant_caller(*person), http::verb::get,
                               "/api/v1/events/" + url_encode(ctx.param("id")) + ".ics");
    response res{static_cast<http::status>(a.status), ctx.version()};
    res.set(http::field::content_type, a.content_type);
    if (!a.content_disposition.empty()) res.set(http::field::content_disposition, a.content_disposition);
    res.set(http::field::cache_control, "no-store");
    set_security_headers(res);
    res.keep_alive(ctx.keep_alive());
    res.body() = std::move(a.body);
    res.prepare_payload();
    co_return res;
}

} // namespace

void add_participant_routes(router& r) {
    using v = http::verb;
    r.add(v::get, "/rsvp/{token}.ics", access::public_route, rsvp_link_calendar); // before "/rsvp/{token}"
    r.add(v::get, "/rsvp/{token}", access::public_route, rsvp_link_page);
    r.add(v::post, "/rsvp/{token}", access::public_route, rsvp_link_answer);
    r.add(v::get, "/my/{token}", access::public_route, my_page);
    r.add(v::get, "/my/{token}/events/{id}.ics", access::public_route, my_event_calendar);
    r.add(v::post, "/my/{token}/events/{id}/rsvp", access::public_route, my_rsvp);
    r.add(v::post, "/my/{token}/reminders", access::public_route, my_reminders);
    r.add(v::post, "/my/{token}/groups", access::public_route, my_join);
    r.add(v::post, "/my/{token}/groups/{id}/leave", access::public_route, my_leave);
}

} // namespace copsched::server::pages
