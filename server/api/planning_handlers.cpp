// Planning routes. The planner runs inside a reader job (never on an I/O thread); applying
// a plan books its meetings in one writer job through the same path as POST .../events.
#include "server/api/planning_handlers.hpp"

#include "calendar/import.hpp"
#include "scheduler/civil_time.hpp"
#include "scheduler/clock.hpp"
#include "scheduler/holidays.hpp"
#include "scheduler/time_zone.hpp"
#include "scheduler/year_planning.hpp"
#include "server/api/db_call.hpp"
#include "server/api/errors.hpp"
#include "server/api/feed_handlers.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/json_input.hpp"
#include "server/api/views.hpp"
#include "server/options/config.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <memory>

namespace copsched::server {
namespace {

namespace json = boost::json;
using scheduler::errc;
using scheduler::error;
using scheduler::result;
using scheduler::store;

// How far around the programme period an uploaded calendar is expanded and kept.
constexpr int import_margin_days = 366;
// Suggestions: the longest window one request may ask for.
constexpr int max_suggestion_days = 731;
constexpr std::size_t max_suggestions = 50;
constexpr std::size_t max_occurrences = 52;
constexpr std::size_t max_start_times = 8;

std::optional<scheduler::civil_date> date_or_none(const std::string& text) { return scheduler::parse_date(text); }

json::object slot_json(const scheduler::slot& s) {
    return {{"start", scheduler::format_local_time(s.start_local)},
            {"end", scheduler::format_local_time(s.end_local)},
            {"start_utc", scheduler::format_instant(s.start_utc)},
            {"end_utc", scheduler::format_instant(s.end_utc)}};
}

json::object score_json(const scheduler::score_breakdown& b) {
    return {{"total", b.total},
            {"organisations_points", b.organisations_points},
            {"people_points", b.people_points},
            {"time_points", b.time_points},
            {"spread_points", b.spread_points},
            {"school_holiday_points", b.school_holiday_points},
            {"organisations_free", b.organisations_free},
            {"organisations_total", b.organisations_total},
            {"people_free", b.people_free},
            {"people_total", b.people_total}};
}

json::array strings_json(const std::vector<std::string>& v) {
    json::array out;
    for (const auto& s : v) out.emplace_back(s);
    return out;
}

json::object plan_json(const scheduler::year_plan& plan, int year, const scheduler::plan_weights& w) {
    json::array meetings;
    for (const auto& m : plan.meetings) {
        auto o = slot_json(m.when);
        o["score"] = score_json(m.score);
        o["reasons"] = strings_json(m.reasons);
        json::array alts;
        for (const auto& a : m.alternatives) {
            auto x = slot_json(a.when);
            x["score"] = score_json(a.score);
            x["plan_score_difference"] = a.plan_score_difference;
            x["why_lost"] = strings_json(a.why_lost);
            alts.push_back(std::move(x));
        }
        o["alternatives"] = std::move(alts);
        json::array excluded;
        for (const auto& e : m.excluded)
            excluded.push_back(json::object{{"date", scheduler::format_date(e.date)}, {"reason", e.reason}});
        o["excluded"] = std::move(excluded);
        meetings.push_back(std::move(o));
    }
    return {{"year", year},
            {"total_score", plan.total_score},
            {"candidates_considered", plan.candidates_considered},
            {"candidates_examined", plan.candidates_examined},
            {"weights", json::object{{"organisations", w.organisations},
                                     {"people", w.people},
                                     {"off_preferred_time_per_hour", w.off_preferred_time_per_hour},
                                     {"spread_per_day", w.spread_per_day},
                                     {"outside_segment", w.outside_segment},
                                     {"school_holiday", w.school_holiday}}},
            {"notes", strings_json(plan.notes)},
            {"meetings", std::move(meetings)}};
}

bool is_calendar(const request& req) { return media_type_is(req[http::field::content_type], "text/calendar"); }

error not_calendar() {
    return {errc::malformed,
            "The body must be an iCalendar file with Content-Type: text/calendar.",
            {{"Content-Type", "must be text/calendar"}}};
}

// The window an uploaded calendar is expanded over: the programme period with a margin.
calendar::import_limits import_window(const scheduler::programme& p, const scheduler::time_zone& zone,
                                      std::size_t max_bytes) {
    calendar::import_limits l;
    l.max_bytes = max_bytes;
    const auto first = date_or_none(p.starts_on).value_or(scheduler::civil_date{2000, 1, 1});
    const auto last = date_or_none(p.ends_on).value_or(scheduler::add_days(first, 3 * 366));
    l.horizon_start = scheduler::local_midnight(zone, scheduler::add_days(first, -import_margin_days));
    l.horizon_end = scheduler::local_midnight(zone, scheduler::add_days(last, import_margin_days + 1));
    return l;
}

// --- year plan ----------------------------------------------------------------------------

struct plan_body {
    scheduler::plan_options options;
    bool apply = false;
    scheduler::event_status status = scheduler::event_status::tentative;
};

result<plan_body> read_plan_body(const json::object& body) {
    plan_body out;
    object_reader in(body);
    auto year = in.required_integer("year", scheduler::first_holiday_year, scheduler::last_holiday_year);
    if (year) out.options.year = static_cast<int>(*year);
    if (auto a = in.optional_bool("apply")) out.apply = *a;
    if (auto c = in.optional_integer("count", 1, 12)) out.options.count = static_cast<std::size_t>(*c);
    if (auto a = in.optional_integer("alternatives", 0, 10)) out.options.alternatives = static_cast<std::size_t>(*a);
    if (auto l = in.optional_bool("liberation_day_every_year")) out.options.liberation_day_every_year = *l;
    if (auto times = in.optional_string_array("start_times", max_start_times, 5)) {
        for (const auto& t : *times) {
            if (auto m = scheduler::parse_clock_minutes(t))
                out.options.start_times.push_back(*m);
            else
                in.problem("start_times", "'" + t + "' is not a time HH:MM");
        }
    }
    if (auto s = in.optional_enum<scheduler::event_status>("status", "tentative, confirmed")) {
        if (*s == scheduler::event_status::cancelled)
            in.problem("status", "must be tentative or confirmed");
        else
            out.status = *s;
    }
    if (auto st = in.finish(); !st) return st.err();
    return out;
}

// Books a plan made in an earlier read, if the caller still may: the booked meetings and
// the programme's zone, or errc::conflict with `blocked` filled per meeting.
result<std::pair<std::vector<scheduler::event>, std::string>> book_plan(
    store& s, const std::string& programme_id, const scheduler::year_plan& plan, int year,
    scheduler::event_status status, const scheduler::api_token& caller, scheduler::audit_entry a,
    std::vector<scheduler::plan_booking_failure>& blocked) {
    auto p = s.get_programme_by_id(programme_id);
    if (!p || !may_write_programme(caller, p->id)) return not_found("The programme is gone.");
    auto events = scheduler::apply_year_plan(s, *p, plan, year, status, blocked);
    if (!events) return events.err();
    json::array ids;
    for (const auto& e : *events) ids.emplace_back(e.id);
    a.detail = json::serialize(json::object{{"year", year}, {"events", std::move(ids)}});
    if (auto st = s.append_audit(a, scheduler::now_utc()); !st) return st.err();
    return std::pair{std::move(*events), p->timezone};
}

// A failed apply: 409 with the conflicts per meeting when there are any, else the error.
response plan_failure(const request_context& ctx, const error& e,
                      const std::vector<scheduler::plan_booking_failure>& blocked) {
    if (e.code != errc::conflict || blocked.empty()) return fail(ctx, e);
    json::array per;
    for (const auto& b : blocked)
        per.push_back(json::object{{"start", b.start}, {"conflicts", conflicts_view(b.conflicts)}});
    return problem(http::status::conflict, public_error(e).detail, ctx.version(), ctx.keep_alive(),
                   json::object{{"meetings", std::move(per)}});
}

task<response> create_plan(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    struct planned {
        scheduler::programme programme;
        plan_body input;
        scheduler::year_plan plan;
    };
    auto job = [body = std::move(*body), slug = std::string(ctx.param("slug")),
                caller = *ctx.caller](store& s) -> result<planned> {
        auto p = visible_programme(s, slug, caller);
        if (!p) return p.err();
        if (!may_write_programme(caller, p->id))
            return error{errc::forbidden, "Only the programme's organisers plan its meetings.", {}};
        auto input = read_plan_body(body);
        if (!input) return input.err();
        auto plan = scheduler::make_year_plan(s, *p, input->options);
        if (!plan) return plan.err();
        return planned{std::move(*p), std::move(*input), std::move(*plan)};
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    auto out = plan_json(r->plan, r->input.options.year, scheduler::plan_weights{});
    if (!r->input.apply) {
        out["applied"] = false;
        co_return ok_json(ctx, http::status::ok, out);
    }

    auto blocked =
        std::make_shared<std::vector<scheduler::plan_booking_failure>>(); // written on the writer, read after
    auto apply = [programme_id = r->programme.id, plan = r->plan, year = r->input.options.year,
                  status = r->input.status, blocked, caller = *ctx.caller,
                  a = audit(ctx, "plan.apply", "programme", r->programme.id)](store& s) {
        return book_plan(s, programme_id, plan, year, status, caller, a, *blocked);
    };
    auto booked = co_await db_write(ctx.svc.db, std::move(apply));
    if (!booked) co_return plan_failure(ctx, booked.err(), *blocked);
    ctx.svc.feeds.changed(r->programme.id, {programme_content_key(r->programme.id)}, feed_cache::change::content);
    json::array events;
    for (const auto& e : booked->first) events.push_back(event_view(e, booked->second));
    out["applied"] = true;
    out["events"] = std::move(events);
    co_return ok_json(ctx, http::status::created, out);
}

// --- working-group suggestions ----------------------------------------------------------------

struct suggestion_params {
    std::optional<std::string> from, to;
    int duration = 120;
    std::size_t count = 5;
    std::size_t occurrences = 1;
    int interval_weeks = 1;
    int day_start = 9 * 60, day_end = 17 * 60, step = 30;
    std::optional<std::vector<scheduler::weekday>> weekdays;
};

result<suggestion_params> read_suggestion_params(const request_context& ctx) {
    suggestion_params out;
    std::vector<scheduler::field_problem> problems;
    auto integer = [&](const char* name, long long lo, long long hi, auto& into) {
        auto v = ctx.query(name);
        if (!v) return;
        try {
            std::size_t used = 0;
            const long long n = std::stoll(*v, &used);
            if (used != v->size() || n < lo || n > hi) throw std::out_of_range(name);
            into = static_cast<std::remove_reference_t<decltype(into)>>(n);
        } catch (const std::exception&) {
            problems.push_back(
                {name, "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi)});
        }
    };
    integer("duration_minutes", 15, 12 * 60, out.duration);
    integer("count", 1, static_cast<long long>(max_suggestions), out.count);
    integer("occurrences", 1, static_cast<long long>(max_occurrences), out.occurrences);
    integer("interval_weeks", 1, 52, out.interval_weeks);
    integer("step_minutes", 5, 240, out.step);
    for (auto [name, into] : {std::pair{"day_start", &out.day_start}, std::pair{"day_end", &out.day_end}}) {
        if (auto v = ctx.query(name)) {
            if (auto m = scheduler::parse_clock_minutes(*v))
                *into = *m;
            else
                problems.push_back({name, "must be a time HH:MM"});
        }
    }
    if (out.day_end <= out.day_start) problems.push_back({"day_end", "must be after day_start"});
    if (auto w = ctx.query("weekdays")) {
        std::vector<scheduler::weekday> days;
        std::stringstream in(*w);
        for (std::string d; std::getline(in, d, ',');) {
            if (auto x = scheduler::parse_weekday(d))
                days.push_back(*x);
            else
                problems.push_back(
                    {"weekdays", "must be day names mon, tue, wed, thu, fri, sat, sun separated by commas"});
        }
        if (days.empty() && problems.empty()) problems.push_back({"weekdays", "must name at least one day"});
        out.weekdays = days;
    }
    out.from = ctx.query("from");
    out.to = ctx.query("to");
    if (!problems.empty()) return error{errc::invalid_input, "The request has invalid fields.", std::move(problems)};
    return out;
}

json::array people_json(const std::vector<std::string>& ids, const std::map<std::string, std::string>& names) {
    json::array out;
    for (const auto& id : ids) {
        auto it = names.find(id);
        out.push_back(json::object{{"id", id}, {"name", it == names.end() ? std::string() : it->second}});
    }
    return out;
}

// The days to search, from the query: by default from tomorrow (in the programme's zone)
// for 90 days; at most max_suggestion_days.
result<std::pair<scheduler::civil_date, scheduler::civil_date>> suggestion_window(const suggestion_params& q,
                                                                                  const scheduler::time_zone& zone) {
    const auto today =
        zone.to_local(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now())).date;
    const auto from = q.from ? scheduler::parse_date(*q.from) : std::optional(scheduler::add_days(today, 1));
    if (!from) return error::invalid("from", "must be a date YYYY-MM-DD");
    const auto to = q.to ? scheduler::parse_date(*q.to) : std::optional(scheduler::add_days(*from, 90));
    if (!to) return error::invalid("to", "must be a date YYYY-MM-DD");
    if (*to < *from) return error::invalid("to", "must not be before from");
    if (scheduler::days_from_civil(*to) - scheduler::days_from_civil(*from) >= max_suggestion_days)
        return error::invalid("to", "must be less than " + std::to_string(max_suggestion_days) + " days after from");
    return std::pair{*from, *to};
}

// The search for group `g`: the query's pattern, and as facts the blackouts, the events
// that block the group (CoP meetings, its own sessions, sessions sharing members) and
// the members' busy times.
result<scheduler::suggestion_request> suggestion_search(store& s, const suggestion_params& q,
                                                        const scheduler::working_group& g,
                                                        const scheduler::programme& p,
                                                        const scheduler::time_zone& zone) {
    auto window = suggestion_window(q, zone);
    if (!window) return window.err();
    const auto [from, to] = *window;
    scheduler::suggestion_request r;
    r.zone = &zone;
    r.first_day = from;
    r.last_day = to;
    if (q.weekdays) r.weekdays = *q.weekdays;
    r.day_start_minutes = q.day_start;
    r.day_end_minutes = q.day_end;
    r.step_minutes = q.step;
    r.duration_minutes = q.duration;
    r.count = q.count;
    r.occurrences = q.occurrences;
    r.interval_weeks = q.interval_weeks;
    r.lang = p.lang;
    r.days = scheduler::day_rules_of(p);
    // Later occurrences of a pattern may run past `to`.
    const auto reach = scheduler::add_days(
        to, static_cast<std::int64_t>(7 * q.interval_weeks) * static_cast<std::int64_t>(q.occurrences - 1) + 1);
    auto facts = s.planning_facts_for(
        {p.id, {scheduler::local_midnight(zone, from), scheduler::local_midnight(zone, reach)}, g.id});
    if (!facts) return facts.err();
    r.blackouts = std::move(facts->blackouts);
    for (auto& e : facts->events) {
        const bool own = e.working_group_id && *e.working_group_id == g.id;
        if (e.kind == scheduler::event_kind::cop_meeting || own || e.shares_members) r.blocked.push_back(e.what);
    }
    r.members = std::move(facts->members);
    return r;
}

// The suggestions with each occurrence's free and busy members by name.
json::array suggestions_json(store& s, const scheduler::suggestion_request& r,
                             const std::vector<scheduler::suggestion>& found) {
    std::map<std::string, std::string> names;
    for (const auto& m : r.members)
        if (!names.contains(m.person.id))
            if (auto person = s.get_person(m.person.id)) names[m.person.id] = person->name;
    json::array items;
    for (const auto& sug : found) {
        auto o = slot_json(sug.occurrences.front().when);
        o["members_free"] = sug.members_free;
        o["members_total"] = sug.members_total;
        o["score"] = sug.score;
        json::array school;
        for (const auto& h : sug.school_holidays) school.emplace_back(h);
        o["school_holidays"] = std::move(school);
        json::array occ;
        for (const auto& x : sug.occurrences) {
            auto so = slot_json(x.when);
            so["free"] = people_json(x.free, names);
            so["busy"] = people_json(x.busy, names);
            occ.push_back(std::move(so));
        }
        o["free"] = occ.front().as_object().at("free");
        o["busy"] = occ.front().as_object().at("busy");
        o["occurrences"] = std::move(occ);
        items.push_back(std::move(o));
    }
    return items;
}

task<response> suggestions(request_context& ctx) {
    auto params = read_suggestion_params(ctx);
    if (!params) co_return fail(ctx, params.err());
    auto job = [q = std::move(*params), id = std::string(ctx.param("id")),
                caller = *ctx.caller](store& s) -> result<json::object> {
        auto g = visible_working_group(s, id, caller);
        if (!g) return g.err();
        if (!may_write_group(caller, g->programme_id, g->id))
            return error{errc::forbidden, "Only the group's organisers see who is free when.", {}};
        auto p = s.get_programme_by_id(g->programme_id);
        if (!p) return p.err();
        auto zone = programme_zone(*p);
        if (!zone) return zone.err();
        auto r = suggestion_search(s, q, *g, *p, **zone);
        if (!r) return r.err();
        auto found = scheduler::suggest_slots(*r);
        if (!found) return found.err();
        return json::object{{"working_group_id", g->id},
                            {"from", scheduler::format_date(r->first_day)},
                            {"to", scheduler::format_date(r->last_day)},
                            {"duration_minutes", q.duration},
                            {"timezone", p->timezone},
                            {"items", suggestions_json(s, *r, *found)}};
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return ok_json(ctx, http::status::ok, *r);
}

// --- blackout calendars ---------------------------------------------------------------------

task<response> import_blackouts(request_context& ctx) {
    // Parsed on a reader thread (libical work stays off the I/O threads), stored by the writer.
    struct parsed {
        std::string programme_id;
        std::vector<scheduler::named_interval> periods;
    };
    auto parse = [slug = std::string(ctx.param("slug")), caller = *ctx.caller, calendar = is_calendar(ctx.req),
                  body = ctx.req.body(), max = ctx.svc.cfg.body_limit](store& s) -> result<parsed> {
        auto p = visible_programme(s, slug, caller);
        if (!p) return p.err();
        if (!may_write_programme(caller, p->id)) return forbidden_write();
        if (!calendar) return not_calendar();
        auto zone = programme_zone(*p);
        if (!zone) return zone.err();
        auto periods = calendar::import_blackouts(body, **zone, import_window(*p, **zone, max));
        if (!periods) return periods.err();
        for (auto& x : *periods)
            if (x.name.empty()) x.name = p->lang == scheduler::language::en ? "(no title)" : "(geen titel)";
        return parsed{p->id, std::move(*periods)};
    };
    auto got = co_await db_read(ctx.svc.db, std::move(parse));
    if (!got) co_return fail(ctx, got.err());
    auto name = ctx.query("name").value_or("");
    if (name.empty()) name = "upload " + scheduler::now_utc();
    if (auto problem_text = text_problem(name, name_max_chars, false); !problem_text.empty())
        co_return fail(ctx, error::invalid("name", problem_text));
    auto store_job = [g = std::move(*got), name, a = audit(ctx, "blackouts.import", "programme", "")](
                         store& s) mutable -> result<scheduler::blackout_import> {
        auto imp = s.import_blackouts(g.programme_id, name, g.periods, scheduler::now_utc());
        if (!imp) return imp.err();
        a.object_id = g.programme_id;
        a.detail = json::serialize(json::object{{"import_id", imp->id}, {"name", name}, {"periods", imp->periods}});
        if (auto st = s.append_audit(a, scheduler::now_utc()); !st) return st.err();
        return imp;
    };
    auto imp = co_await db_write(ctx.svc.db, std::move(store_job));
    if (!imp) co_return fail(ctx, imp.err());
    auto res = ok_json(ctx, http::status::created, blackout_import_view(*imp));
    res.set(http::field::location,
            "/api/v1/programmes/" + std::string(ctx.param("slug")) + "/blackouts?import=" + imp->id);
    co_return res;
}

task<response> list_blackouts(request_context& ctx) {
    auto pr = page_params(ctx);
    if (!pr) co_return fail(ctx, pr.err());
    auto job = [slug = std::string(ctx.param("slug")), caller = *ctx.caller, import = ctx.query("import"),
                pr = *pr](store& s) -> result<json::object> {
        auto p = visible_programme(s, slug, caller);
        if (!p) return p.err();
        auto zone = programme_zone(*p);
        if (!zone) return zone.err();
        auto imports = s.list_blackout_imports(p->id);
        if (!imports) return imports.err();
        if (import && std::none_of(imports->begin(), imports->end(), [&](const auto& i) { return i.id == *import; }))
            return error::invalid("import", "is not an import of this programme");
        auto periods = s.page_blackouts(p->id, import, pr);
        if (!periods) return periods.err();
        json::array imps, items;
        for (const auto& i : *imports) imps.push_back(blackout_import_view(i));
        for (const auto& b : periods->items) items.push_back(blackout_period_view(b, **zone));
        return json::object{{"imports", std::move(imps)},
                            {"items", std::move(items)},
                            {"next_cursor", optional_json(periods->next_cursor)}};
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return ok_json(ctx, http::status::ok, *r);
}

task<response> delete_blackouts(request_context& ctx) {
    auto job = [slug = std::string(ctx.param("slug")), caller = *ctx.caller, id = std::string(ctx.param("import_id")),
                a = audit(ctx, "blackouts.delete", "blackout_import", std::string(ctx.param("import_id")))](
                   store& s) mutable -> scheduler::status {
        auto p = visible_programme(s, slug, caller);
        if (!p) return p.err();
        if (!may_write_programme(caller, p->id)) return forbidden_write();
        if (auto st = s.delete_blackout_import(p->id, id); !st) return st;
        return s.append_audit(a, scheduler::now_utc());
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return no_content(ctx);
}

// --- busy times -------------------------------------------------------------------------------

// The person behind {id}, when the caller is that person or an admin.
result<std::pair<scheduler::person, scheduler::programme>> busy_owner(store& s, const std::string& id,
                                                                      const scheduler::api_token& caller) {
    auto p = visible_person(s, id, caller);
    if (!p) return p.err();
    const bool self = caller.role == scheduler::token_role::participant && caller.person_id == p->id;
    if (caller.role != scheduler::token_role::admin && !self)
        return error{errc::forbidden, "Only the person and admins can see or change busy times.", {}};
    auto prog = s.get_programme_by_id(p->programme_id);
    if (!prog) return prog.err();
    return std::pair{std::move(*p), std::move(*prog)};
}

task<response> put_busy(request_context& ctx) {
    auto parse = [id = std::string(ctx.param("id")), caller = *ctx.caller, calendar = is_calendar(ctx.req),
                  body = ctx.req.body(),
                  max = ctx.svc.cfg.body_limit](store& s) -> result<std::vector<scheduler::interval>> {
        auto owner = busy_owner(s, id, caller);
        if (!owner) return owner.err();
        if (!calendar) return not_calendar();
        auto zone = programme_zone(owner->second);
        if (!zone) return zone.err();
        return calendar::import_busy(body, **zone, import_window(owner->second, **zone, max));
    };
    auto busy = co_await db_read(ctx.svc.db, std::move(parse));
    if (!busy) co_return fail(ctx, busy.err());
    auto store_job = [id = std::string(ctx.param("id")), caller = *ctx.caller, b = std::move(*busy),
                      a = audit(ctx, "busy.replace", "person", std::string(ctx.param("id")))](
                         store& s) mutable -> result<std::size_t> {
        if (auto owner = busy_owner(s, id, caller); !owner) return owner.err();
        auto n = s.replace_busy_times(id, b);
        if (!n) return n.err();
        a.detail = json::serialize(json::object{{"intervals", *n}}); // never the times or titles
        if (auto st = s.append_audit(a, scheduler::now_utc()); !st) return st.err();
        return n;
    };
    auto n = co_await db_write(ctx.svc.db, std::move(store_job));
    if (!n) co_return fail(ctx, n.err());
    co_return ok_json(ctx, http::status::ok,
                      json::object{{"person_id", std::string(ctx.param("id"))}, {"intervals", *n}});
}

task<response> get_busy(request_context& ctx) {
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller](store& s) -> result<json::object> {
        auto owner = busy_owner(s, id, caller);
        if (!owner) return owner.err();
        auto zone = programme_zone(owner->second);
        if (!zone) return zone.err();
        auto busy = s.busy_times(id);
        if (!busy) return busy.err();
        json::array items;
        for (const auto& b : *busy)
            items.push_back(json::object{{"start", scheduler::format_local_time((*zone)->to_local(b.start))},
                                         {"end", scheduler::format_local_time((*zone)->to_local(b.end))},
                                         {"start_utc", scheduler::format_instant(b.start)},
                                         {"end_utc", scheduler::format_instant(b.end)}});
        return json::object{{"person_id", id}, {"items", std::move(items)}, {"next_cursor", nullptr}};
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return paged_json(ctx, std::move(*r), "start_utc end_utc");
}

task<response> delete_busy(request_context& ctx) {
    auto job =
        [id = std::string(ctx.param("id")), caller = *ctx.caller,
         a = audit(ctx, "busy.delete", "person", std::string(ctx.param("id")))](store& s) mutable -> scheduler::status {
        if (auto owner = busy_owner(s, id, caller); !owner) return owner.err();
        if (auto n = s.replace_busy_times(id, {}); !n) return n.err();
        return s.append_audit(a, scheduler::now_utc());
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return no_content(ctx);
}

} // namespace

void add_planning_routes(router& r) {
    using v = http::verb;
    r.add(v::post, "/api/v1/programmes/{slug}/plans", access::any_token, create_plan);
    r.add(v::get, "/api/v1/working-groups/{id}/suggestions", access::any_token, suggestions);
    r.add(v::post, "/api/v1/programmes/{slug}/blackouts", access::any_token, import_blackouts);
    r.add(v::get, "/api/v1/programmes/{slug}/blackouts", access::any_token, list_blackouts);
    r.add(v::delete_, "/api/v1/programmes/{slug}/blackouts/{import_id}", access::any_token, delete_blackouts);
    r.add(v::put, "/api/v1/people/{id}/busy", access::any_token, put_busy);
    r.add(v::get, "/api/v1/people/{id}/busy", access::any_token, get_busy);
    r.add(v::delete_, "/api/v1/people/{id}/busy", access::any_token, delete_busy);
}

} // namespace copsched::server
