#include "server/pages/dashboard.hpp"

#include "scheduler/attendance.hpp"
#include "scheduler/clock.hpp"
#include "scheduler/day_rules.hpp"
#include "scheduler/store.hpp"
#include "scheduler/time_zone.hpp"
#include "server/api/attendance_handlers.hpp"
#include "server/api/auth.hpp"
#include "server/api/db_call.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/services.hpp"
#include "server/options/config.hpp"
#include "server/pages/api_call.hpp"
#include "server/pages/charts.hpp"
#include "server/pages/format.hpp"
#include "server/pages/html.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace copsched::server::pages {
namespace {

namespace json = boost::json;
using scheduler::errc;
using scheduler::error;
using scheduler::result;
using scheduler::store;

constexpr const char* session_cookie = "copsched_session";
constexpr const char* sign_in_cookie = "copsched_signin";
constexpr int sign_in_form_seconds = 3600;
// Most events the year view reads (a programme holds a few hundred a year).
constexpr std::size_t year_view_max_events = 5000;

// --- small JSON readers ------------------------------------------------------------------------

std::string str(const json::value& v, std::string_view key) {
    if (!v.is_object()) return "";
    const auto* x = v.as_object().if_contains(key);
    if (!x) return "";
    if (x->is_string()) return std::string(x->as_string());
    if (x->is_int64()) return std::to_string(x->as_int64());
    if (x->is_double()) return std::to_string(x->as_double());
    if (x->is_bool()) return x->as_bool() ? "true" : "false";
    return "";
}

long long num(const json::value& v, std::string_view key) {
    if (!v.is_object()) return 0;
    const auto* x = v.as_object().if_contains(key);
    if (!x) return 0;
    if (x->is_int64()) return x->as_int64();
    if (x->is_uint64()) return static_cast<long long>(x->as_uint64());
    if (x->is_double()) return static_cast<long long>(x->as_double());
    return 0;
}

const json::array& arr(const json::value& v, std::string_view key) {
    static const json::array empty;
    if (!v.is_object()) return empty;
    const auto* x = v.as_object().if_contains(key);
    return x && x->is_array() ? x->as_array() : empty;
}

// --- cookies and sessions ----------------------------------------------------------------------

std::optional<std::string> cookie_value(const request& req, std::string_view name) {
    for (auto it = req.find(http::field::cookie); it != req.end() && it->name() == http::field::cookie; ++it) {
        std::string_view all = it->value();
        while (!all.empty()) {
            auto end = all.find(';');
            auto part = all.substr(0, end);
            while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
            const auto eq = part.find('=');
            if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
            if (end == std::string_view::npos) break;
            all.remove_prefix(end + 1);
        }
    }
    return std::nullopt;
}

bool secure_cookies(const request_context& ctx) {
    if (base_url(ctx.svc.cfg).starts_with("https://")) return true;
    return ctx.svc.cfg.trust_forwarded_for && ctx.req["X-Forwarded-Proto"] == "https";
}

std::string cookie(const request_context& ctx, std::string_view name, std::string_view value, long max_age) {
    return std::string(name) + "=" + std::string(value) + "; Path=/dashboard; Max-Age=" + std::to_string(max_age) +
           "; HttpOnly; SameSite=Strict" + (secure_cookies(ctx) ? "; Secure" : "");
}

struct signed_in {
    scheduler::web_session session;
    scheduler::api_token token;
};

task<std::optional<signed_in>> current_session(request_context& ctx) {
    const auto id = cookie_value(ctx.req, session_cookie);
    if (!id || id->size() < 20 || id->size() > 100) co_return std::nullopt;
    auto job = [hash = sha256_hex(*id), now = scheduler::now_utc()](store& s) { return s.find_web_session(hash, now); };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return std::nullopt;
    co_return signed_in{std::move(r->session), std::move(r->token)};
}

lang dashboard_lang(const request_context& ctx) {
    if (auto q = ctx.query("lang")) return *q == "en" ? lang::en : lang::nl;
    if (auto c = cookie_value(ctx.req, "copsched_lang")) return *c == "en" ? lang::en : lang::nl;
    const auto accept = ctx.req[http::field::accept_language];
    return accept.starts_with("en") ? lang::en : lang::nl;
}

std::string hidden_form_token(const signed_in& s) {
    return "<input type=\"hidden\" name=\"form_token\" value=\"" + escape(s.session.form_token) + "\">";
}

bool form_token_ok(const signed_in& s, const form& f) {
    return constant_time_equal(f.get("form_token"), s.session.form_token);
}

std::string nav_for(const signed_in& s, const std::string& slug, lang l) {
    std::string n;
    if (!slug.empty()) {
        const auto base = "/dashboard/programmes/" + escape(slug);
        n += "<a href=\"" + base + "\">" + std::string(pick(l, "Jaar", "Year")) + "</a>";
        n += "<a href=\"" + base + "/plan\">" + std::string(pick(l, "Jaarplan", "Year plan")) + "</a>";
        n += "<a href=\"" + base + "/reports\">" + std::string(pick(l, "Rapporten", "Reports")) + "</a>";
        n += "<a href=\"" + base + "/outbox\">" + std::string(pick(l, "E-mail", "E-mail")) + "</a>";
        n += "<a href=\"" + base + "/membership-requests\">" +
             std::string(pick(l, "Lidmaatschapsverzoeken", "Membership requests")) + "</a>";
    }
    n += "<form method=\"post\" action=\"/dashboard/sign-out\">" + hidden_form_token(s) + "<button type=\"submit\">" +
         std::string(pick(l, "Afmelden", "Sign out")) + "</button></form>";
    return n;
}

page base_page(const signed_in& s, const std::string& slug, lang l, std::string title) {
    page p;
    p.language = l;
    p.wide = true;
    p.title = std::move(title);
    p.nav = nav_for(s, slug, l);
    return p;
}

response respond(const request_context& ctx, const page& p) {
    return html_response(p, ctx.version(), ctx.keep_alive());
}

response to_sign_in(const request_context& ctx) {
    return see_other("/dashboard/sign-in", ctx.version(), ctx.keep_alive());
}

std::string note_html(const std::string& text, bool problem) {
    if (text.empty()) return "";
    return std::string("<p class=\"note") + (problem ? " bad\" role=\"alert\">" : "\" role=\"status\">") +
           escape(text) + "</p>";
}

page problem_page(const signed_in& s, const std::string& slug, lang l, const api_answer& a) {
    auto p = base_page(s, slug, l, std::string(pick(l, "Niet gelukt", "Not possible")));
    p.status = a.failed_status();
    p.body = "<h1>" + escape(p.title) + "</h1>" + note_html(a.problem_text(), true) + "<p><a href=\"/dashboard\">" +
             std::string(pick(l, "Naar het overzicht", "To the overview")) + "</a></p>";
    return p;
}

// JSON bodies for the API, built outside the coroutines (GCC 12 rejects a braced
// json::object with string keys inside a co_await expression).
std::string plan_body(int year, bool apply) { return json::serialize(json::object{{"year", year}, {"apply", apply}}); }

std::string presence_body(const std::string& presence) { return json::serialize(json::object{{"presence", presence}}); }

std::string bulk_presence_body(const std::vector<std::string>& people, const std::string& presence) {
    json::array records;
    for (const auto& pid : people) records.push_back(json::object{{"person_id", pid}, {"presence", presence}});
    return json::serialize(json::object{{"records", std::move(records)}});
}

int year_param(const request_context& ctx) {
    const auto now_year = std::stoi(scheduler::now_utc().substr(0, 4));
    auto y = ctx.query("year");
    if (!y || y->size() != 4 || !std::all_of(y->begin(), y->end(), [](char c) { return c >= '0' && c <= '9'; }))
        return now_year;
    const int v = std::stoi(*y);
    return v < 1970 || v > 2199 ? now_year : v;
}

// --- sign-in and sign-out ----------------------------------------------------------------------

page sign_in_page(const request_context& ctx, lang l, const std::string& form_token, const std::string& problem) {
    page p;
    p.language = l;
    p.title = std::string(pick(l, "Aanmelden", "Sign in"));
    (void)ctx;
    p.nav = std::string("<a href=\"/dashboard/sign-in?lang=") +
            (l == lang::en ? "nl\" lang=\"nl\">Nederlands" : "en\" lang=\"en\">English") + "</a>";
    p.body =
        "<h1>" + std::string(pick(l, "Aanmelden als organisator", "Sign in as an organiser")) + "</h1>" +
        note_html(problem, true) + "<p>" +
        std::string(pick(l,
                         "Plak uw API-token (het begint met cps_). Het wordt eenmalig omgewisseld voor een "
                         "sessie in deze browser; het token zelf wordt niet bewaard.",
                         "Paste your API token (it starts with cps_). It is exchanged once for a session in this "
                         "browser; the token itself is not kept.")) +
        "</p><form method=\"post\" action=\"/dashboard/sign-in\"><input type=\"hidden\" name=\"form_token\" "
        "value=\"" +
        escape(form_token) + "\"><input type=\"hidden\" name=\"lang\" value=\"" + (l == lang::en ? "en" : "nl") +
        "\"><label for=\"token\">" + std::string(pick(l, "API-token", "API token")) +
        "</label><input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"off\" required "
        "spellcheck=\"false\"><p><button type=\"submit\">" +
        std::string(pick(l, "Aanmelden", "Sign in")) + "</button></p></form><p>" +
        std::string(pick(l, "Deelnemers hebben geen token nodig: zij gebruiken de persoonlijke link uit hun e-mail.",
                         "Participants need no token: they use the personal link in their e-mail.")) +
        "</p>";
    return p;
}

std::string sign_in_token(const request_context& ctx, const std::string& nonce) {
    return ctx.svc.feed_secret.sign("sign-in:" + nonce);
}

// GET /dashboard/sign-in
task<response> sign_in_form(request_context& ctx) {
    if (co_await current_session(ctx)) co_return see_other("/dashboard", ctx.version(), ctx.keep_alive());
    const auto nonce = random_urlsafe(18);
    const auto l = dashboard_lang(ctx);
    auto res = respond(ctx, sign_in_page(ctx, l, sign_in_token(ctx, nonce), ""));
    res.insert(http::field::set_cookie, cookie(ctx, sign_in_cookie, nonce, sign_in_form_seconds));
    co_return res;
}

// The API token behind `presented`, when it is genuine and not revoked.
task<std::optional<scheduler::api_token>> authenticate(request_context& ctx, const std::string& presented) {
    const auto prefix = token_prefix(presented);
    if (!prefix) co_return std::nullopt;
    auto job = [p = *prefix](store& s) { return s.find_tokens_by_prefix(p); };
    auto found = co_await db_read(ctx.svc.db, std::move(job));
    if (!found) co_return std::nullopt;
    const auto hash = sha256_hex(presented);
    for (auto& c : *found)
        if (constant_time_equal(c.secret_hash, hash) && !c.token.revoked_at) co_return std::move(c.token);
    co_return std::nullopt;
}

// POST /dashboard/sign-in: token, form_token (bound to the sign-in cookie).
task<response> sign_in(request_context& ctx) {
    auto f = parse_form(ctx.req.body());
    if (!f) co_return fail(ctx, error{errc::malformed, "The form body cannot be read.", {}});
    const auto l = f->get("lang") == "en" ? lang::en : lang::nl;
    const auto nonce = cookie_value(ctx.req, sign_in_cookie);
    const auto fresh_nonce = random_urlsafe(18);
    auto again = [&](http::status st, const std::string& problem) {
        auto p = sign_in_page(ctx, l, sign_in_token(ctx, fresh_nonce), problem);
        p.status = st;
        auto res = respond(ctx, p);
        res.insert(http::field::set_cookie, cookie(ctx, sign_in_cookie, fresh_nonce, sign_in_form_seconds));
        return res;
    };
    if (!nonce || !constant_time_equal(f->get("form_token"), sign_in_token(ctx, *nonce)))
        co_return again(http::status::forbidden, std::string(pick(l, "Het formulier is verlopen; probeer het opnieuw.",
                                                                  "The form has expired; please try again.")));
    if (f->get("token").empty())
        co_return again(http::status::unprocessable_entity,
                        std::string(pick(l, "Vul een API-token in.", "Enter an API token.")));
    const auto now = auth_throttle::clock::now();
    if (ctx.svc.throttle.blocked(ctx.client_address, now))
        co_return again(http::status::too_many_requests,
                        std::string(pick(l, "Te veel mislukte pogingen; probeer het later opnieuw.",
                                         "Too many failed attempts; try again later.")));
    auto token = co_await authenticate(ctx, f->get("token"));
    if (!token) {
        ctx.svc.throttle.record_failure(ctx.client_address, now);
        co_return again(http::status::unauthorized, std::string(pick(l, "Dit token is onbekend of ingetrokken.",
                                                                     "This token is unknown or has been revoked.")));
    }
    if (token->role == scheduler::token_role::participant)
        co_return again(http::status::forbidden,
                        std::string(pick(l, "Dit is een deelnemerstoken; gebruik uw persoonlijke link.",
                                         "This is a participant token; use your personal link.")));
    const auto id = random_urlsafe(32);
    scheduler::web_session ws;
    ws.id_hash = sha256_hex(id);
    ws.token_id = token->id;
    ws.form_token = random_urlsafe(24);
    ws.created_at = scheduler::now_utc();
    ws.expires_at = scheduler::format_utc(std::chrono::system_clock::now() + session_lifetime);
    auto job = [ws, a = scheduler::audit_entry{token->id, "session.create", "api_token", token->id, "{}"}](store& s) {
        auto st = s.create_web_session(ws);
        if (!st) return st;
        return s.append_audit(a, ws.created_at);
    };
    auto st = co_await db_write(ctx.svc.db, std::move(job));
    if (!st) co_return fail(ctx, st.err());
    auto res = see_other("/dashboard", ctx.version(), ctx.keep_alive());
    res.insert(
        http::field::set_cookie,
        cookie(ctx, session_cookie, id, std::chrono::duration_cast<std::chrono::seconds>(session_lifetime).count()));
    res.insert(http::field::set_cookie, cookie(ctx, sign_in_cookie, "", 0));
    res.insert(http::field::set_cookie, cookie(ctx, "copsched_lang", l == lang::en ? "en" : "nl", 31536000));
    co_return res;
}

// POST /dashboard/sign-out: form_token.
task<response> sign_out(request_context& ctx) {
    auto s = co_await current_session(ctx);
    auto res = see_other("/dashboard/sign-in", ctx.version(), ctx.keep_alive());
    res.insert(http::field::set_cookie, cookie(ctx, session_cookie, "", 0));
    if (!s) co_return res;
    auto f = parse_form(ctx.req.body());
    if (!f) co_return fail(ctx, error{errc::malformed, "The form body cannot be read.", {}});
    if (!f->has("form_token")) co_return fail(ctx, error::invalid("form_token", "is required"));
    if (!form_token_ok(*s, *f))
        co_return fail(ctx, error{errc::forbidden,
                                  "The form is not from this session.",
                                  {{"form_token", "does not match the session"}}});
    auto job = [hash = s->session.id_hash](store& st) { return st.delete_web_session(hash); };
    auto st = co_await db_write(ctx.svc.db, std::move(job));
    if (!st) co_return fail(ctx, st.err());
    co_return res;
}

// GET /dashboard: the programme of an organiser's token, or the list for admins.
task<response> home(request_context& ctx) {
    auto s = co_await current_session(ctx);
    if (!s) co_return to_sign_in(ctx);
    if (s->token.programme_slug)
        co_return see_other("/dashboard/programmes/" + url_encode(*s->token.programme_slug), ctx.version(),
                            ctx.keep_alive());
    const auto l = dashboard_lang(ctx);
    auto a = co_await call_api(ctx, s->token, http::verb::get, "/api/v1/programmes");
    if (!a.ok()) co_return respond(ctx, problem_page(*s, "", l, a));
    auto p = base_page(*s, "", l, std::string(pick(l, "Programma's", "Programmes")));
    p.body = "<h1>" + escape(p.title) + "</h1><ul>";
    const auto programmes = a.json();
    if (arr(programmes, "items").size() == 1) // one programme: straight to its year
        co_return see_other("/dashboard/programmes/" + url_encode(str(arr(programmes, "items").front(), "slug")),
                            ctx.version(), ctx.keep_alive());
    for (const auto& prog : arr(programmes, "items"))
        p.body += "<li><a href=\"/dashboard/programmes/" + escape(url_encode(str(prog, "slug"))) + "\">" +
                  escape(str(prog, "name")) + "</a></li>";
    p.body += "</ul>";
    co_return respond(ctx, p);
}

// --- the year ----------------------------------------------------------------------------------

struct year_item {
    std::string date; // YYYY-MM-DD, local
    std::string css;  // k-cop, k-session, k-other, k-holiday, k-blackout
    std::string html;
};

struct year_data {
    scheduler::programme programme;
    std::vector<year_item> items;
    std::size_t events = 0, cancelled = 0;
    int year = 0;
};

// The year view's data; without a year asked for, this year, or the programme's first or
// last when it runs later or has ended.
result<year_data> load_year(store& s, const std::string& slug, const scheduler::api_token& caller, int year,
                            bool year_given, lang l) {
    auto p = visible_programme(s, slug, caller);
    if (!p) return p.err();
    if (caller.role == scheduler::token_role::participant) return forbidden_write();
    auto zone = programme_zone(*p);
    if (!zone) return zone.err();
    if (!year_given && p->starts_on.size() >= 4 && p->ends_on.size() >= 4)
        year = std::clamp(year, std::stoi(p->starts_on.substr(0, 4)), std::stoi(p->ends_on.substr(0, 4)));
    const auto [from, to] = year_window(**zone, year);
    year_data d{*p, {}, 0, 0, year};
    std::map<std::string, std::string> group_names;
    auto groups = s.list_working_groups(p->id, {true}, {std::nullopt, 1000});
    if (!groups) return groups.err();
    for (const auto& g : groups->items) group_names[g.id] = g.name;
    const bool scoped = caller.role == scheduler::token_role::organiser && !caller.working_group_ids.empty();
    scheduler::event_filter f;
    f.from_utc = from;
    f.to_utc = to;
    scheduler::page_request pr{std::nullopt, 500};
    for (;;) {
        auto page = s.list_events(p->id, f, pr);
        if (!page) return page.err();
        for (const auto& e : page->items) {
            if (e.start_local.substr(0, 4) != std::to_string(year)) continue;
            if (scoped && e.working_group_id &&
                std::find(caller.working_group_ids.begin(), caller.working_group_ids.end(), *e.working_group_id) ==
                    caller.working_group_ids.end())
                continue;
            year_item it;
            it.date = e.start_local.substr(0, 10);
            it.css = e.kind == scheduler::event_kind::cop_meeting             ? "k-cop"
                     : e.kind == scheduler::event_kind::working_group_session ? "k-session"
                                                                              : "k-other";
            const bool cancelled = e.status == scheduler::event_status::cancelled;
            ++d.events;
            if (cancelled) ++d.cancelled;
            it.html = "<a href=\"/dashboard/events/" + escape(url_encode(e.id)) + "\"" +
                      (cancelled ? " class=\"cancelled-text\"" : "") + ">" +
                      escape(std::to_string(std::stoi(it.date.substr(8, 2))) + " " +
                             (e.all_day ? "" : e.start_local.substr(11, 5) + " ") + e.title) +
                      "</a>";
            if (e.working_group_id && e.kind == scheduler::event_kind::working_group_session) {
                auto g = group_names.find(*e.working_group_id);
                if (g != group_names.end() && e.title.find(g->second) == std::string::npos)
                    it.html += " <span class=\"meta\">(" + escape(g->second) + ")</span>";
            }
            if (cancelled)
                it.html += " <span class=\"tag bad\">" + std::string(pick(l, "afgelast", "cancelled")) + "</span>";
            else if (e.status == scheduler::event_status::tentative)
                it.html += " <span class=\"tag warn\">" + std::string(pick(l, "voorlopig", "tentative")) + "</span>";
            d.items.push_back(std::move(it));
            if (d.events >= year_view_max_events) break;
        }
        if (!page->next_cursor || d.events >= year_view_max_events) break;
        pr.after = page->next_cursor;
    }
    // Public holidays of the programme's country.
    const auto rules = scheduler::day_rules_of(*p);
    const auto language = l == lang::en ? scheduler::language::en : scheduler::language::nl;
    for (auto day = scheduler::civil_date{year, 1, 1}; day.year == year; day = scheduler::add_days(day, 1))
        if (auto h = scheduler::holiday_on(rules, day, language); h && h->day_off)
            d.items.push_back(
                {scheduler::format_date(day), "k-holiday", escape(std::to_string(day.day) + " " + h->name)});
    // Blackout periods that touch the year.
    auto blackouts = s.list_blackouts(p->id, std::nullopt);
    if (!blackouts) return blackouts.err();
    for (const auto& b : *blackouts) {
        if (b.end_utc <= from || b.start_utc >= to) continue;
        const auto start = scheduler::parse_instant(b.start_utc);
        const auto end = scheduler::parse_instant(b.end_utc);
        if (!start || !end) continue;
        const auto ls = (*zone)->to_local(*start);
        const auto le = (*zone)->to_local(*end - std::chrono::seconds(1));
        const auto first = ls.date.year < year ? scheduler::civil_date{year, 1, 1} : ls.date;
        d.items.push_back({scheduler::format_date(first), "k-blackout",
                           escape(std::string(pick(l, "Niet plannen: ", "Blackout: ")) + b.name + " (" +
                                  date_text(scheduler::format_date(ls.date), l) + " \xe2\x80\x93 " +
                                  date_text(scheduler::format_date(le.date), l) + ")")});
    }
    std::stable_sort(d.items.begin(), d.items.end(),
                     [](const year_item& a, const year_item& b) { return a.date < b.date; });
    return d;
}

// GET /dashboard/programmes/{slug}?year=
task<response> year_view(request_context& ctx) {
    auto s = co_await current_session(ctx);
    if (!s) co_return to_sign_in(ctx);
    const auto l = dashboard_lang(ctx);
    const std::string slug(ctx.param("slug"));
    auto job = [slug, caller = s->token, year = year_param(ctx), given = ctx.query("year").has_value(), l](store& st) {
        return load_year(st, slug, caller, year, given, l);
    };
    auto d = co_await db_read(ctx.svc.db, std::move(job));
    if (!d) co_return fail(ctx, d.err());
    const int year = d->year;
    auto p = base_page(*s, slug, l, d->programme.name + " " + std::to_string(year));
    auto& h = p.body;
    const auto base = "/dashboard/programmes/" + escape(url_encode(slug));
    h += "<h1>" + escape(d->programme.name) + " \xc2\xb7 " + std::to_string(year) + "</h1>";
    if (auto n = ctx.query("note"); n && *n == "booked")
        h += note_html(std::string(pick(l, "Het jaarplan is geboekt.", "The year plan has been booked.")), false);
    // Joins and leaves waiting for this organiser (memberships.approval organiser).
    auto waiting = co_await call_api(ctx, s->token, http::verb::get,
                                     "/api/v1/programmes/" + url_encode(slug) +
                                         "/membership-requests?state=pending&limit=" + std::to_string(max_page_size));
    if (waiting.ok()) {
        const auto list = waiting.json();
        if (const auto n = arr(list, "items").size(); n > 0)
            h += "<p class=\"note warn\" id=\"requests-waiting\"><a href=\"" + base + "/membership-requests\">" +
                 std::string(pick(l, "Lidmaatschapsverzoeken die op uw besluit wachten: ",
                                  "Membership requests waiting for your decision: ")) +
                 std::to_string(n) + (n == max_page_size ? "+" : "") + "</a></p>";
    }
    h += "<p class=\"row\"><a class=\"button secondary\" href=\"" + base + "?year=" + std::to_string(year - 1) + "\">" +
         std::string(pick(l, "\xe2\x86\x90 Vorig jaar", "\xe2\x86\x90 Previous year")) +
         "</a><a class=\"button secondary\" href=\"" + base + "?year=" + std::to_string(year + 1) + "\">" +
         std::string(pick(l, "Volgend jaar \xe2\x86\x92", "Next year \xe2\x86\x92")) +
         "</a><a class=\"button\" href=\"" + base + "/plan?year=" + std::to_string(year) + "\">" +
         std::string(pick(l, "Jaarplan bekijken", "Preview the year plan")) + "</a></p>";
    h += "<p>" + std::to_string(d->events) + std::string(pick(l, " bijeenkomsten", " events")) + ", " +
         std::to_string(d->cancelled) + std::string(pick(l, " afgelast.", " cancelled.")) + "</p>";
    h += "<ul class=\"legend\"><li class=\"k-cop\">" + std::string(pick(l, "CoP-bijeenkomst", "CoP meeting")) +
         "</li><li class=\"k-session\">" + std::string(pick(l, "Werkgroepsessie", "Working group session")) +
         "</li><li class=\"k-other\">" + std::string(pick(l, "Overig", "Other")) + "</li><li class=\"k-holiday\">" +
         std::string(pick(l, "Feestdag", "Public holiday")) + "</li><li class=\"k-blackout\">" +
         std::string(pick(l, "Niet plannen", "Blackout")) + "</li></ul>";
    h += "<div class=\"year\">";
    std::size_t at = 0;
    for (int m = 1; m <= 12; ++m) {
        char prefix[32];
        std::snprintf(prefix, sizeof prefix, "%04d-%02d", year, m);
        h += "<section class=\"month\" aria-labelledby=\"m" + std::to_string(m) + "\"><h2 id=\"m" + std::to_string(m) +
             "\">" + escape(month_name(m, l)) + "</h2><ul>";
        std::size_t shown = 0;
        while (at < d->items.size() && d->items[at].date.compare(0, 7, prefix) <= 0) {
            if (d->items[at].date.compare(0, 7, prefix) == 0) {
                h += "<li class=\"" + d->items[at].css + "\">" + d->items[at].html + "</li>";
                ++shown;
            }
            ++at;
        }
        if (shown == 0) h += "<li>" + std::string(pick(l, "Niets gepland", "Nothing planned")) + "</li>";
        h += "</ul></section>";
    }
    h += "</div>";
    co_return respond(ctx, p);
}

// --- the year plan -----------------------------------------------------------------------------

std::string slot_text(const json::value& slot, lang l) {
    const auto start = str(slot, "start"), end = str(slot, "end");
    if (start.size() < 16) return start;
    return date_text(start.substr(0, 10), l) + ", " + start.substr(11, 5) + "\xe2\x80\x93" +
           (end.size() >= 16 ? end.substr(11, 5) : "");
}

page plan_page(const signed_in& s, const std::string& slug, lang l, int year, const json::value& plan,
               const std::string& note, bool problem) {
    auto p = base_page(s, slug, l, std::string(pick(l, "Jaarplan ", "Year plan ")) + std::to_string(year));
    auto& h = p.body;
    const auto base = "/dashboard/programmes/" + escape(url_encode(slug));
    h += "<h1>" + escape(p.title) + "</h1>" + note_html(note, problem);
    h += "<form method=\"get\" action=\"" + base + "/plan\" class=\"row\"><label class=\"inline\" for=\"plan-year\">" +
         std::string(pick(l, "Jaar", "Year")) +
         "</label><input type=\"number\" id=\"plan-year\" name=\"year\" min=\"1970\" "
         "max=\"2199\" value=\"" +
         std::to_string(year) + "\" class=\"short\"><button type=\"submit\" class=\"secondary\">" +
         std::string(pick(l, "Toon", "Show")) + "</button></form>";
    const auto& meetings = arr(plan, "meetings");
    if (meetings.empty()) {
        h += "<p>" + std::string(pick(l, "Geen voorstel.", "No proposal.")) + "</p>";
        return p;
    }
    h += "<p>" + std::string(pick(l, "Totale score: ", "Total score: ")) + escape(str(plan, "total_score")) + "</p>";
    h += "<div class=\"scroll\"><table id=\"plan\"><thead><tr><th scope=\"col\">" +
         std::string(pick(l, "Bijeenkomst", "Meeting")) +
         "</th><th scope=\"col\" class=\"num\">Score</th><th scope=\"col\">" +
         std::string(pick(l, "Redenen", "Reasons")) + "</th><th scope=\"col\">" +
         std::string(pick(l, "Alternatieven", "Alternatives")) + "</th></tr></thead><tbody>";
    for (const auto& m : meetings) {
        h += "<tr><td>" + escape(slot_text(m, l)) + "</td><td class=\"num\">";
        if (m.is_object())
            if (const auto* sc = m.as_object().if_contains("score")) h += escape(str(*sc, "total"));
        h += "</td><td><ul>";
        for (const auto& r : arr(m, "reasons"))
            if (r.is_string()) h += "<li>" + escape(std::string(r.as_string())) + "</li>";
        h += "</ul></td><td><ul>";
        for (const auto& a : arr(m, "alternatives")) {
            h += "<li>" + escape(slot_text(a, l));
            if (a.is_object())
                if (const auto* sc = a.as_object().if_contains("score")) h += " (" + escape(str(*sc, "total")) + ")";
            for (const auto& w : arr(a, "why_lost"))
                if (w.is_string()) h += ": " + escape(std::string(w.as_string()));
            h += "</li>";
        }
        h += "</ul></td></tr>";
    }
    h += "</tbody></table></div>";
    h += "<form method=\"post\" action=\"" + base + "/plan\">" + hidden_form_token(s) +
         "<input type=\"hidden\" name=\"year\" value=\"" + std::to_string(year) +
         "\"><button type=\"submit\" id=\"book-plan\">" +
         std::string(pick(l, "Boek dit jaarplan", "Book this year plan")) + "</button></form>";
    return p;
}

// GET /dashboard/programmes/{slug}/plan?year=
task<response> plan_preview(request_context& ctx) {
    auto s = co_await current_session(ctx);
    if (!s) co_return to_sign_in(ctx);
    const auto l = dashboard_lang(ctx);
    const std::string slug(ctx.param("slug"));
    const int year = year_param(ctx);
    auto a = co_await call_api(ctx, s->token, http::verb::post, "/api/v1/programmes/" + url_encode(slug) + "/plans",
                               plan_body(year, false));
    if (!a.ok()) {
        auto p = plan_page(*s, slug, l, year, json::value(), a.problem_text(), true);
        p.status = a.failed_status();
        co_return respond(ctx, p);
    }
    co_return respond(ctx, plan_page(*s, slug, l, year, a.json(), "", false));
}

// POST /dashboard/programmes/{slug}/plan: form_token, year.
task<response> plan_book(request_context& ctx) {
    auto s = co_await current_session(ctx);
    if (!s) co_return to_sign_in(ctx);
    auto f = parse_form(ctx.req.body());
    if (!f || !form_token_ok(*s, *f))
        co_return fail(ctx, error{errc::forbidden,
                                  "The form is not from this session.",
                                  {{"form_token", "does not match the session"}}});
    const auto l = dashboard_lang(ctx);
    const std::string slug(ctx.param("slug"));
    const auto y = f->get("year");
    if (y.size() != 4 || !std::all_of(y.begin(), y.end(), [](char c) { return c >= '0' && c <= '9'; }))
        co_return fail(ctx, error::invalid("year", "must be a year such as 2027"));
    const int year = std::stoi(y);
    auto a = co_await call_api(ctx, s->token, http::verb::post, "/api/v1/programmes/" + url_encode(slug) + "/plans",
                               plan_body(year, true));
    if (!a.ok()) {
        auto preview = co_await call_api(ctx, s->token, http::verb::post,
                                         "/api/v1/programmes/" + url_encode(slug) + "/plans", plan_body(year, false));
        auto p = plan_page(*s, slug, l, year, preview.ok() ? preview.json() : json::value(), a.problem_text(), true);
        p.status = a.failed_status();
        co_return respond(ctx, p);
    }
    co_return see_other("/dashboard/programmes/" + url_encode(slug) + "?year=" + std::to_string(year) + "&note=booked",
                        ctx.version(), ctx.keep_alive());
}

// --- an event ----------------------------------------------------------------------------------

page event_page(const signed_in& s, lang l, const json::value& ev, const json::value& att, const std::string& note,
                bool problem) {
    const auto slug = s.token.programme_slug.value_or("");
    auto p = base_page(s, slug, l, str(ev, "title"));
    auto& h = p.body;
    const auto id = str(ev, "id");
    const bool cancelled = str(ev, "status") == "cancelled";
    h += "<h1>" + escape(str(ev, "title")) +
         (cancelled ? " <span class=\"tag bad\">" + std::string(pick(l, "afgelast", "cancelled")) + "</span>" : "") +
         "</h1>" + note_html(note, problem);
    scheduler::event e;
    e.start_local = str(ev, "start");
    e.end_local = str(ev, "end");
    e.all_day = str(ev, "all_day") == "true";
    h += "<p class=\"meta\">" + escape(when_text(e, l)) + "</p>";
    const auto online = str(ev, "online_url");
    if (!online.empty()) {
        const auto link = safe_link(online);
        h += "<p>Online: " +
             (link.empty() ? escape(std::string(pick(l, "(geen http(s)-adres)", "(not an http(s) address)")))
                           : "<a href=\"" + escape(link) + "\" rel=\"noopener noreferrer\">" + escape(link) + "</a>") +
             "</p>";
    }
    if (att.is_object()) {
        if (const auto* c = att.as_object().if_contains("counts"); c && c->is_object()) {
            h += "<p>";
            for (auto [key, nl, en] :
                 std::initializer_list<std::array<const char*, 3>>{{"invited", "uitgenodigd", "invited"},
                                                                   {"accepted", "komen", "accepted"},
                                                                   {"tentative", "misschien", "tentative"},
                                                                   {"declined", "komen niet", "declined"},
                                                                   {"no_answer", "geen antwoord", "no answer"},
                                                                   {"present", "aanwezig", "present"}})
                h += "<span class=\"tag\">" + std::to_string(num(*c, key)) + " " + std::string(pick(l, nl, en)) +
                     "</span> ";
            h += "</p>";
        }
        if (const auto cap = str(att, "capacity"); !cap.empty())
            h += "<p>" + std::string(pick(l, "Capaciteit van de locatie: ", "Venue capacity: ")) + escape(cap) + "</p>";
        for (const auto& w : arr(att, "warnings"))
            h += "<p class=\"note warn\" role=\"alert\">" +
                 std::string(pick(l, "Meer aanmeldingen dan plaatsen: ", "More acceptances than places: ")) +
                 escape(str(w, "detail")) + "</p>";
    }
    const bool started = str(att, "started") == "true";
    const auto& items = arr(att, "items");
    const auto action = "/dashboard/events/" + escape(url_encode(id));
    if (started && !cancelled) {
        h += "<form method=\"post\" action=\"" + action + "/accepted-present\">" + hidden_form_token(s) +
             "<button type=\"submit\" id=\"accepted-present\">" +
             std::string(pick(l, "Iedereen die zich aanmeldde is aanwezig", "Everyone who accepted is present")) +
             "</button></form>";
    } else if (!started) {
        h += "<p>" +
             std::string(pick(l, "Aanwezigheid kan worden vastgelegd zodra de bijeenkomst begonnen is.",
                              "Presence can be recorded once the event has started.")) +
             "</p>";
    }
    h += "<h2>" + std::string(pick(l, "Uitnodigingen", "Invitations")) + " (" + std::to_string(items.size()) + ")</h2>";
    const bool marking = started && !cancelled;
    if (marking) h += "<form method=\"post\" action=\"" + action + "/presence\">" + hidden_form_token(s);
    h += "<div class=\"scroll\"><table id=\"invitations\"><thead><tr>";
    if (marking)
        h += "<th scope=\"col\"><span class=\"visually-hidden\">" + std::string(pick(l, "Kies", "Select")) +
             "</span></th>";
    h += "<th scope=\"col\">" + std::string(pick(l, "Naam", "Name")) + "</th><th scope=\"col\">" +
         std::string(pick(l, "Antwoord", "Answer")) + "</th><th scope=\"col\">" +
         std::string(pick(l, "Opmerking", "Comment")) + "</th><th scope=\"col\">" +
         std::string(pick(l, "Aanwezigheid", "Presence")) + "</th>";
    if (marking) h += "<th scope=\"col\">" + std::string(pick(l, "Vastleggen", "Record")) + "</th>";
    h += "</tr></thead><tbody>";
    for (const auto& i : items) {
        const auto pid = str(i, "person_id");
        const auto name = str(i, "person_name");
        const auto rsvp = str(i, "rsvp");
        const auto presence = str(i, "presence");
        h += "<tr>";
        if (marking)
            h += "<td><input type=\"checkbox\" name=\"person_id\" value=\"" + escape(pid) + "\" id=\"sel-" +
                 escape(pid) + "\" aria-label=\"" + escape(name) + "\"></td>";
        h += "<td>" + escape(name) + "</td><td>" +
             (rsvp.empty() ? "\xe2\x80\x94" : escape(rsvp_label(*scheduler::parse<scheduler::rsvp_answer>(rsvp), l))) +
             "</td><td>" + escape(str(i, "rsvp_comment")) + "</td><td>" +
             (presence.empty() ? "\xe2\x80\x94"
                               : escape(presence_label(*scheduler::parse<scheduler::presence_state>(presence), l))) +
             "</td>";
        if (marking)
            h += "<td><button type=\"submit\" class=\"secondary\" name=\"one\" value=\"" + escape(pid) + "|present\">" +
                 std::string(pick(l, "Aanwezig", "Present")) + "<span class=\"visually-hidden\">: " + escape(name) +
                 "</span></button><button type=\"submit\" class=\"secondary\" name=\"one\" value=\"" + escape(pid) +
                 "|absent\">" + std::string(pick(l, "Afwezig", "Absent")) +
                 "<span class=\"visually-hidden\">: " + escape(name) + "</span></button></td>";
        h += "</tr>";
    }
    h += "</tbody></table></div>";
    if (marking)
        h += "<div class=\"row\"><label class=\"inline\" for=\"bulk-presence\">" +
             std::string(pick(l, "Gekozen personen:", "Selected people:")) +
             "</label><select id=\"bulk-presence\" name=\"presence\"><option value=\"present\">" +
             presence_label(scheduler::presence_state::present, l) + "</option><option value=\"absent\">" +
             presence_label(scheduler::presence_state::absent, l) + "</option><option value=\"excused\">" +
             presence_label(scheduler::presence_state::excused, l) +
             "</option></select><button type=\"submit\" id=\"bulk-mark\">" +
             std::string(pick(l, "Vastleggen", "Record")) + "</button></div></form>";
    return p;
}

// Adds a list page's items to `all` (the first page is taken whole); the page's
// next_cursor, "" at the end.
std::string merge_page(json::value& all, json::value page) {
    if (!page.is_object()) return "";
    auto next = str(page, "next_cursor");
    if (!all.is_object()) {
        all = std::move(page);
    } else if (auto* items = page.as_object().if_contains("items"); items && items->is_array()) {
        auto& into = all.as_object()["items"];
        if (!into.is_array()) into = json::array();
        for (auto& i : items->as_array()) into.as_array().push_back(std::move(i));
    }
    return next;
}

task<response> show_event(request_context& ctx, const signed_in& s, const std::string& id, std::string note,
                          bool problem, http::status status) {
    const auto l = dashboard_lang(ctx);
    auto ev = co_await call_api(ctx, s.token, http::verb::get, "/api/v1/events/" + url_encode(id));
    if (!ev.ok()) co_return respond(ctx, problem_page(s, s.token.programme_slug.value_or(""), l, ev));
    // Every invitation: the API pages them (at most 200 a page).
    json::value att;
    std::string cursor;
    for (int pages = 0; pages < 100; ++pages) {
        auto target = "/api/v1/events/" + url_encode(id) + "/attendance?limit=200";
        if (!cursor.empty()) target += "&cursor=" + url_encode(cursor);
        auto a = co_await call_api(ctx, s.token, http::verb::get, std::move(target));
        if (!a.ok()) break;
        cursor = merge_page(att, a.json());
        if (cursor.empty()) break;
    }
    if (note.empty())
        if (auto n = ctx.query("note"); n && *n == "recorded")
            note = std::string(pick(l, "Aanwezigheid vastgelegd.", "Presence recorded."));
    auto p = event_page(s, l, ev.json(), att, note, problem);
    p.status = status;
    co_return respond(ctx, p);
}

// GET /dashboard/events/{id}
task<response> event_view(request_context& ctx) {
    auto s = co_await current_session(ctx);
    if (!s) co_return to_sign_in(ctx);
    co_return co_await show_event(ctx, *s, std::string(ctx.param("id")), "", false, http::status::ok);
}

task<response> after_marking(request_context& ctx, const signed_in& s, const std::string& id, const api_answer& a) {
    if (!a.ok()) co_return co_await show_event(ctx, s, id, a.problem_text(), true, a.refused_status());
    co_return see_other("/dashboard/events/" + url_encode(id) + "?note=recorded", ctx.version(), ctx.keep_alive());
}

// POST /dashboard/events/{id}/presence: form_token; one=<person>|<presence>, or
// person_id (repeated) with presence.
task<response> mark_presence(request_context& ctx) {
    auto s = co_await current_session(ctx);
    if (!s) co_return to_sign_in(ctx);
    auto f = parse_form(ctx.req.body());
    if (!f || !form_token_ok(*s, *f))
        co_return fail(ctx, error{errc::forbidden,
                                  "The form is not from this session.",
                                  {{"form_token", "does not match the session"}}});
    const std::string id(ctx.param("id"));
    if (f->has("one")) {
        const auto one = f->get("one");
        const auto bar = one.find('|');
        if (bar == std::string::npos) co_return fail(ctx, error::invalid("one", "must be <person id>|<presence>"));
        auto a = co_await call_api(ctx, s->token, http::verb::put,
                                   "/api/v1/events/" + url_encode(id) + "/attendance/" + url_encode(one.substr(0, bar)),
                                   presence_body(one.substr(bar + 1)));
        co_return co_await after_marking(ctx, *s, id, a);
    }
    const auto people = f->all("person_id");
    if (people.empty())
        co_return co_await show_event(ctx, *s, id,
                                      std::string(pick(dashboard_lang(ctx), "Kies eerst een of meer personen.",
                                                       "Select one or more people first.")),
                                      true, http::status::unprocessable_entity);
    auto body = bulk_presence_body(people, f->get("presence"));
    auto a = co_await call_api(ctx, s->token, http::verb::post, "/api/v1/events/" + url_encode(id) + "/attendance",
                               std::move(body));
    co_return co_await after_marking(ctx, *s, id, a);
}

// POST /dashboard/events/{id}/accepted-present: form_token.
task<response> mark_accepted_present(request_context& ctx) {
    auto s = co_await current_session(ctx);
    if (!s) co_return to_sign_in(ctx);
    auto f = parse_form(ctx.req.body());
    if (!f || !form_token_ok(*s, *f))
        co_return fail(ctx, error{errc::forbidden,
                                  "The form is not from this session.",
                                  {{"form_token", "does not match the session"}}});
    const std::string id(ctx.param("id"));
    auto a = co_await call_api(ctx, s->token, http::verb::post,
                               "/api/v1/events/" + url_encode(id) + "/attendance/accepted-present", "{}");
    co_return co_await after_marking(ctx, *s, id, a);
}

// --- reports -----------------------------------------------------------------------------------

// The reports page's numbers from one read of the year's facts (the three API reports
// would read them three times). Who sees what mirrors the API's report routes
// (server/api/report_handlers.cpp): participants none; an organiser limited to working
// groups the groups' chart with their rows only; organisers of the whole programme and
// admins everything.
struct report_data {
    scheduler::programme programme;
    std::optional<scheduler::attendance_report> by_organisation;
    scheduler::attendance_report by_group;
    std::optional<scheduler::commitments_report> commitments;
};

result<report_data> load_reports(store& s, const std::string& slug, const scheduler::api_token& caller, int year,
                                 lang l) {
    auto p = visible_programme(s, slug, caller);
    if (!p) return p.err();
    if (caller.role == scheduler::token_role::participant)
        return error{errc::forbidden, "Reports are for the programme's organisers and admins.", {}};
    const bool scoped = caller.role == scheduler::token_role::organiser && !caller.working_group_ids.empty();
    if (!scoped && caller.role == scheduler::token_role::organiser && !may_write_programme(caller, p->id))
        return error{errc::forbidden, "Reports are for the programme's organisers and admins.", {}};
    auto zone = programme_zone(*p);
    if (!zone) return zone.err();
    const auto [from, to] = year_window(**zone, year);
    auto facts = s.report_facts_for(p->id, from, to);
    if (!facts) return facts.err();
    const auto now = scheduler::now_utc();
    const auto language = l == lang::en ? scheduler::language::en : scheduler::language::nl;
    report_data d{*p, std::nullopt, {}, std::nullopt};
    d.by_group =
        scheduler::make_attendance_report(*facts, scheduler::report_grouping::working_group, year, now, language);
    if (scoped) {
        std::erase_if(d.by_group.rows, [&](const auto& row) {
            return std::find(caller.working_group_ids.begin(), caller.working_group_ids.end(), row.key) ==
                   caller.working_group_ids.end();
        });
        return d;
    }
    d.by_organisation =
        scheduler::make_attendance_report(*facts, scheduler::report_grouping::organisation, year, now, language);
    d.commitments = scheduler::check_commitments(*facts, year, now, {}, language);
    return d;
}

std::string chart_section(const std::string& title, const scheduler::attendance_report& report,
                          const std::string& csv_href, lang l) {
    std::string h = "<section class=\"card\"><h2>" + escape(title) + "</h2>";
    std::vector<chart_row> rows;
    for (const auto& item : report.rows) {
        chart_row r;
        r.label = item.label;
        for (std::size_t q = 0; q < 4; ++q) r.quarters[q] = item.quarters[q].rate;
        rows.push_back(std::move(r));
    }
    if (rows.empty())
        h += "<p>" + std::string(pick(l, "Nog geen gegevens.", "No data yet.")) + "</p>";
    else
        h += "<figure class=\"chart\">" + quarter_rate_chart(title, rows, l) + "</figure>";
    h += "<p><a class=\"button secondary\" href=\"" + escape(csv_href) + "\" download>" +
         std::string(pick(l, "Download CSV", "Download CSV")) + "<span class=\"visually-hidden\">: " + escape(title) +
         "</span></a></p></section>";
    return h;
}

// The commitments check's status as a tag class and as words.
const char* commitment_tag(scheduler::commitment_status status) {
    switch (status) {
    case scheduler::commitment_status::meets: return "ok";
    case scheduler::commitment_status::on_track: return "warn";
    case scheduler::commitment_status::falls_short: return "bad";
    }
    return "warn";
}

std::string commitment_label(scheduler::commitment_status status, lang l) {
    switch (status) {
    case scheduler::commitment_status::meets: return std::string(pick(l, "voldoet", "meets"));
    case scheduler::commitment_status::on_track: return std::string(pick(l, "op koers", "on track"));
    case scheduler::commitment_status::falls_short: return std::string(pick(l, "schiet tekort", "falls short"));
    }
    return "";
}

std::string commitments_section(const scheduler::commitments_report& c, const std::string& csv_href, lang l) {
    std::string h = "<section class=\"card\"><h2>" + std::string(pick(l, "Afspraken", "Commitments")) + "</h2>";
    h += "<div class=\"scroll\"><table id=\"commitments\"><thead><tr><th scope=\"col\">" +
         std::string(pick(l, "Organisatie", "Organisation")) +
         "</th><th scope=\"col\">Status</th><th scope=\"col\" class=\"num\">" +
         std::string(pick(l, "CoP aanwezig / gehouden", "CoP attended / held")) +
         "</th><th scope=\"col\" class=\"num\">" +
         std::string(pick(l, "Mensen in werkgroepen", "People in working groups")) + "</th><th scope=\"col\">" +
         std::string(pick(l, "Redenen", "Reasons")) + "</th></tr></thead><tbody>";
    for (const auto& o : c.organisations) {
        h += "<tr><td>" + escape(o.organisation_name) + "</td><td><span class=\"tag " + commitment_tag(o.status) +
             "\">" + escape(commitment_label(o.status, l)) + "</span></td><td class=\"num\">" +
             std::to_string(o.cop_meetings_attended) + " / " + std::to_string(o.cop_meetings_held) +
             "</td><td class=\"num\">" + std::to_string(o.people_in_groups) + "</td><td><ul>";
        for (const auto& r : o.reasons) h += "<li>" + escape(r) + "</li>";
        h += "</ul></td></tr>";
    }
    h += "</tbody></table></div><p><a class=\"button secondary\" href=\"" + escape(csv_href) + "\" download>" +
         std::string(pick(l, "Download CSV", "Download CSV")) +
         "<span class=\"visually-hidden\">: " + std::string(pick(l, "Afspraken", "Commitments")) +
         "</span></a></p></section>";
    return h;
}

// GET /dashboard/programmes/{slug}/reports?year=
task<response> reports(request_context& ctx) {
    auto s = co_await current_session(ctx);
    if (!s) co_return to_sign_in(ctx);
    const auto l = dashboard_lang(ctx);
    const std::string slug(ctx.param("slug"));
    const int year = year_param(ctx);
    auto job = [slug, caller = s->token, year, l](store& st) { return load_reports(st, slug, caller, year, l); };
    auto d = co_await db_read(ctx.svc.db, std::move(job));
    if (!d) co_return fail(ctx, d.err());
    auto p = base_page(*s, slug, l, std::string(pick(l, "Rapporten ", "Reports ")) + std::to_string(year));
    auto& h = p.body;
    const auto base = "/dashboard/programmes/" + url_encode(slug) + "/reports";
    const auto y = "year=" + std::to_string(year);
    h += "<h1>" + escape(p.title) + "</h1><p class=\"row\"><a class=\"button secondary\" href=\"" + escape(base) +
         "?year=" + std::to_string(year - 1) + "\">" + std::to_string(year - 1) +
         "</a><a class=\"button secondary\" href=\"" + escape(base) + "?year=" + std::to_string(year + 1) + "\">" +
         std::to_string(year + 1) + "</a></p><p>" +
         std::string(pick(l, "Opkomst = aanwezig / (uitgenodigd \xe2\x88\x92 afgemeld), per kwartaal.",
                          "Attendance rate = present / (invited \xe2\x88\x92 excused), per quarter.")) +
         "</p>";
    if (d->by_organisation)
        h += chart_section(std::string(pick(l, "Opkomst per organisatie", "Attendance per organisation")),
                           *d->by_organisation, base + "/attendance.csv?by=organisation&" + y, l);
    h += chart_section(std::string(pick(l, "Opkomst per werkgroep", "Attendance per working group")), d->by_group,
                       base + "/attendance.csv?by=working_group&" + y, l);
    if (d->commitments) h += commitments_section(*d->commitments, base + "/commitments.csv?" + y, l);
    co_return respond(ctx, p);
}

task<response> csv_download(request_context& ctx, const std::string& report) {
    auto s = co_await current_session(ctx);
    if (!s) co_return to_sign_in(ctx);
    const auto l = dashboard_lang(ctx);
    std::string target = "/api/v1/programmes/" + url_encode(ctx.param("slug")) + "/reports/" + report +
                         "?format=csv&year=" + std::to_string(year_param(ctx)) +
                         "&lang=" + (l == lang::en ? "en" : "nl");
    if (report == "attendance") {
        const auto by = ctx.query("by").value_or("organisation");
        if (by != "organisation" && by != "working_group" && by != "role")
            co_return fail(ctx, error::invalid("by", "must be organisation, working_group or role"));
        target += "&by=" + by;
    }
    auto a = co_await call_api(ctx, s->token, http::verb::get, target);
    if (!a.ok()) co_return respond(ctx, problem_page(*s, s->token.programme_slug.value_or(""), l, a));
    response res{http::status::ok, ctx.version()};
    res.set(http::field::content_type, a.content_type);
    res.set(http::field::content_disposition, a.content_disposition);
    res.set(http::field::cache_control, "no-store");
    set_security_headers(res);
    res.keep_alive(ctx.keep_alive());
    res.body() = std::move(a.body);
    res.prepare_payload();
    co_return res;
}

// GET /dashboard/programmes/{slug}/reports/attendance.csv?by=&year=
task<response> attendance_csv(request_context& ctx) { co_return co_await csv_download(ctx, "attendance"); }
// GET /dashboard/programmes/{slug}/reports/commitments.csv?year=
task<response> commitments_csv(request_context& ctx) { co_return co_await csv_download(ctx, "commitments"); }

// --- outbox ------------------------------------------------------------------------------------

// GET /dashboard/programmes/{slug}/outbox
task<response> outbox(request_context& ctx) {
    auto s = co_await current_session(ctx);
    if (!s) co_return to_sign_in(ctx);
    const auto l = dashboard_lang(ctx);
    const std::string slug(ctx.param("slug"));
    auto a =
        co_await call_api(ctx, s->token, http::verb::get, "/api/v1/reminders/summary?programme=" + url_encode(slug));
    auto p = base_page(*s, slug, l, std::string(pick(l, "E-mail", "E-mail")));
    auto& h = p.body;
    h += "<h1>" + std::string(pick(l, "Uitgaande e-mail", "Outgoing e-mail")) + "</h1>";
    if (!a.ok()) {
        h += note_html(a.problem_text(), true);
        co_return respond(ctx, p);
    }
    const auto v = a.json();
    h += "<table id=\"outbox\"><thead><tr><th scope=\"col\">" + std::string(pick(l, "Toestand", "State")) +
         "</th><th scope=\"col\" class=\"num\">" + std::string(pick(l, "Berichten", "Messages")) +
         "</th></tr></thead><tbody>";
    if (v.is_object())
        if (const auto* c = v.as_object().if_contains("counts"); c && c->is_object())
            for (auto [key, nl, en] : std::initializer_list<std::array<const char*, 3>>{
                     {"pending", "wacht", "pending"},
                     {"leased", "wordt verstuurd", "being sent"},
                     {"sent", "verstuurd", "sent"},
                     {"failed", "mislukt, nieuwe poging volgt", "failed, will retry"},
                     {"dead", "opgegeven", "given up"},
                     {"dropped", "vervallen", "dropped"}})
                h += "<tr><td>" + std::string(pick(l, nl, en)) + "</td><td class=\"num\">" +
                     std::to_string(num(*c, key)) + "</td></tr>";
    h += "</tbody></table><p>" + std::string(pick(l, "Nu te versturen: ", "Due now: ")) +
         std::to_string(num(v, "due_now")) + "</p>";
    co_return respond(ctx, p);
}

// --- membership requests -----------------------------------------------------------------------

std::string reason_body(const std::string& reason) {
    if (reason.empty()) return "";
    return json::serialize(json::object{{"reason", reason}});
}

// The name of a request's {"id", "name"} member ("person", "organisation", "working_group").
std::string member_name(const json::value& r, std::string_view key) {
    if (const auto* o = r.as_object().if_contains(key); o && o->is_object()) return str(*o, "name");
    return "";
}

page requests_page(const signed_in& s, const std::string& slug, lang l, const json::value& list,
                   const std::string& note, bool problem) {
    auto p = base_page(s, slug, l, std::string(pick(l, "Lidmaatschapsverzoeken", "Membership requests")));
    auto& h = p.body;
    h += "<h1>" + escape(p.title) + "</h1>" + note_html(note, problem);
    h += "<p>" +
         std::string(pick(l, "Deelnemers die zich aan- of afmelden voor een werkgroep wachten op uw goedkeuring.",
                          "Participants joining or leaving a working group wait for your approval.")) +
         "</p>";
    if (!list.is_object()) return p;
    const auto& items = arr(list, "items");
    if (items.empty()) {
        h += "<p id=\"no-requests\">" + std::string(pick(l, "Er wachten geen verzoeken.", "No requests are waiting.")) +
             "</p>";
        return p;
    }
    const auto base = "/dashboard/programmes/" + url_encode(slug) + "/membership-requests/";
    h += "<div class=\"scroll\"><table id=\"membership-requests\"><thead><tr><th scope=\"col\">" +
         std::string(pick(l, "Persoon", "Person")) + "</th><th scope=\"col\">" +
         std::string(pick(l, "Organisatie", "Organisation")) + "</th><th scope=\"col\">" +
         std::string(pick(l, "Werkgroep", "Working group")) + "</th><th scope=\"col\">" +
         std::string(pick(l, "Verzoek", "Request")) + "</th><th scope=\"col\">" +
         std::string(pick(l, "Datum", "Date")) + "</th><th scope=\"col\">" +
         std::string(pick(l, "Besluit", "Decision")) + "</th></tr></thead><tbody>";
    for (const auto& r : items) {
        const auto id = str(r, "id");
        const auto person = member_name(r, "person");
        const bool join = str(r, "kind") == "join";
        const auto action = escape(base + url_encode(id));
        const auto who = "<span class=\"visually-hidden\">: " + escape(person) + "</span>";
        h += "<tr><td>" + escape(person) + "</td><td>" + escape(member_name(r, "organisation")) + "</td><td>" +
             escape(member_name(r, "working_group")) + "</td><td>" +
             std::string(join ? pick(l, "aanmelden", "join") : pick(l, "afmelden", "leave")) + "</td><td>" +
             escape(date_text(str(r, "created_at").substr(0, 10), l)) + "</td><td><form method=\"post\" action=\"" +
             action + "/approve\">" + hidden_form_token(s) + "<button type=\"submit\">" +
             std::string(pick(l, "Goedkeuren", "Approve")) + who + "</button></form><form method=\"post\" action=\"" +
             action + "/decline\">" + hidden_form_token(s) + "<label for=\"reason-" + escape(id) + "\">" +
             std::string(pick(l, "Reden (niet verplicht)", "Reason (optional)")) + "</label><input id=\"reason-" +
             escape(id) +
             "\" type=\"text\" name=\"reason\" maxlength=\"1000\"><button type=\"submit\" class=\"secondary\">" +
             std::string(pick(l, "Afwijzen", "Decline")) + who + "</button></form></td></tr>";
    }
    h += "</tbody></table></div>";
    return p;
}

task<response> show_requests(request_context& ctx, const signed_in& s, const std::string& slug, std::string note,
                             bool problem, http::status status) {
    const auto l = dashboard_lang(ctx);
    if (note.empty())
        if (auto n = ctx.query("note")) {
            if (*n == "approved")
                note = std::string(pick(l, "Het verzoek is goedgekeurd.", "The request is approved."));
            if (*n == "declined") note = std::string(pick(l, "Het verzoek is afgewezen.", "The request is declined."));
        }
    auto a =
        co_await call_api(ctx, s.token, http::verb::get,
                          "/api/v1/programmes/" + url_encode(slug) + "/membership-requests?state=pending&limit=200");
    if (!a.ok()) {
        auto p = requests_page(s, slug, l, json::value(), a.problem_text(), true);
        p.status = a.failed_status();
        co_return respond(ctx, p);
    }
    auto p = requests_page(s, slug, l, a.json(), note, problem);
    p.status = status;
    co_return respond(ctx, p);
}

// GET /dashboard/programmes/{slug}/membership-requests: the pending ones, oldest first.
task<response> membership_requests(request_context& ctx) {
    auto s = co_await current_session(ctx);
    if (!s) co_return to_sign_in(ctx);
    co_return co_await show_requests(ctx, *s, std::string(ctx.param("slug")), "", false, http::status::ok);
}

// POST /dashboard/programmes/{slug}/membership-requests/{id}/approve and /decline:
// form_token, reason (decline, optional).
task<response> decide_request(request_context& ctx, bool approve) {
    auto s = co_await current_session(ctx);
    if (!s) co_return to_sign_in(ctx);
    auto f = parse_form(ctx.req.body());
    if (!f || !form_token_ok(*s, *f))
        co_return fail(ctx, error{errc::forbidden,
                                  "The form is not from this session.",
                                  {{"form_token", "does not match the session"}}});
    const std::string slug(ctx.param("slug"));
    auto body = reason_body(f->get("reason"));
    auto a = co_await call_api(ctx, s->token, http::verb::post,
                               "/api/v1/membership-requests/" + url_encode(ctx.param("id")) +
                                   (approve ? "/approve" : "/decline"),
                               std::move(body));
    if (!a.ok()) co_return co_await show_requests(ctx, *s, slug, a.problem_text(), true, a.refused_status());
    co_return see_other("/dashboard/programmes/" + url_encode(slug) +
                            "/membership-requests?note=" + (approve ? "approved" : "declined"),
                        ctx.version(), ctx.keep_alive());
}

task<response> approve_request(request_context& ctx) { co_return co_await decide_request(ctx, true); }
task<response> decline_request(request_context& ctx) { co_return co_await decide_request(ctx, false); }

} // namespace

void add_dashboard_routes(router& r) {
    using v = http::verb;
    r.add(v::get, "/dashboard", access::public_route, home);
    r.add(v::get, "/dashboard/sign-in", access::public_route, sign_in_form);
    r.add(v::post, "/dashboard/sign-in", access::public_route, sign_in);
    r.add(v::post, "/dashboard/sign-out", access::public_route, sign_out);
    r.add(v::get, "/dashboard/programmes/{slug}", access::public_route, year_view);
    r.add(v::get, "/dashboard/programmes/{slug}/plan", access::public_route, plan_preview);
    r.add(v::post, "/dashboard/programmes/{slug}/plan", access::public_route, plan_book);
    r.add(v::get, "/dashboard/programmes/{slug}/reports", access::public_route, reports);
    r.add(v::get, "/dashboard/programmes/{slug}/reports/attendance.csv", access::public_route, attendance_csv);
    r.add(v::get, "/dashboard/programmes/{slug}/reports/commitments.csv", access::public_route, commitments_csv);
    r.add(v::get, "/dashboard/programmes/{slug}/outbox", access::public_route, outbox);
    r.add(v::get, "/dashboard/programmes/{slug}/membership-requests", access::public_route, membership_requests);
    r.add(v::post, "/dashboard/programmes/{slug}/membership-requests/{id}/approve", access::public_route,
          approve_request);
    r.add(v::post, "/dashboard/programmes/{slug}/membership-requests/{id}/decline", access::public_route,
          decline_request);
    r.add(v::get, "/dashboard/events/{id}", access::public_route, event_view);
    r.add(v::post, "/dashboard/events/{id}/presence", access::public_route, mark_presence);
    r.add(v::post, "/dashboard/events/{id}/accepted-present", access::public_route, mark_accepted_present);
}

} // namespace copsched::server::pages
