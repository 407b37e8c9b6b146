// Report routes: attendance rates, the commitments check and organisations absent from the
// last CoP meetings, as JSON or as CSV for spreadsheets. The facts are read on a reader;
// the numbers are scheduler/attendance.hpp's pure functions. Reports with people's names are
// for admins only and each export is written to the audit trail.
#include "server/api/attendance_handlers.hpp"

#include "scheduler/attendance.hpp"
#include "scheduler/civil_time.hpp"
#include "scheduler/clock.hpp"
#include "scheduler/time_zone.hpp"
#include "server/api/csv.hpp"
#include "server/api/db_call.hpp"
#include "server/api/errors.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/services.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

namespace copsched::server {
namespace {

namespace json = boost::json;
using scheduler::errc;
using scheduler::error;
using scheduler::result;
using scheduler::store;

// How many of the latest CoP meetings the absence report looks at, by default and at most.
constexpr long long default_absence_meetings = 2;
constexpr long long max_absence_meetings = 20;

struct report_params {
    int year = 0;
    scheduler::language lang = scheduler::language::nl;
    bool lang_given = false;
    bool csv = false;
    char delimiter = 0; // 0: by language
};

std::optional<long long> integer_param(const request_context& ctx, const char* name, long long min, long long max,
                                       std::vector<scheduler::field_problem>& problems) {
    auto v = ctx.query(name);
    if (!v) return std::nullopt;
    long long n = 0;
    const bool digits =
        !v->empty() && v->size() <= 9 && std::all_of(v->begin(), v->end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits) n = std::stoll(*v);
    if (!digits || n < min || n > max) {
        problems.push_back({name, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max)});
        return std::nullopt;
    }
    return n;
}

result<report_params> read_params(const request_context& ctx, std::vector<scheduler::field_problem>& problems) {
    report_params p;
    p.year = static_cast<int>(
        integer_param(ctx, "year", 1970, 9999, problems).value_or(std::stoll(scheduler::now_utc().substr(0, 4))));
    if (auto l = ctx.query("lang")) {
        if (auto v = scheduler::parse<scheduler::language>(*l))
            p.lang = *v, p.lang_given = true;
        else
            problems.push_back({"lang", "must be nl or en"});
    }
    if (auto f = ctx.query("format")) {
        if (*f == "csv")
            p.csv = true;
        else if (*f != "json")
            problems.push_back({"format", "must be json or csv"});
    } else {
        p.csv = ctx.req[http::field::accept].find("text/csv") != std::string_view::npos;
    }
    if (auto d = ctx.query("delimiter")) {
        if (*d == "comma")
            p.delimiter = ',';
        else if (*d == "semicolon")
            p.delimiter = ';';
        else
            problems.push_back({"delimiter", "must be comma or semicolon"});
    }
    if (!problems.empty()) return error{errc::invalid_input, "The query has invalid parameters.", problems};
    return p;
}

json::value rate_json(const std::optional<double>& r) {
    if (!r) return nullptr;
    return std::round(*r * 10000.0) / 10000.0;
}

json::object cell_json(const scheduler::rate_cell& c) {
    return {{"invited", c.invited},       {"present", c.present}, {"absent", c.absent},       {"excused", c.excused},
            {"unrecorded", c.unrecorded}, {"events", c.events},   {"rate", rate_json(c.rate)}};
}

struct loaded_facts {
    scheduler::programme programme;
    scheduler::report_facts facts;
};

// Reads the programme (visible to the caller) and the report facts of [from, to).
result<loaded_facts> load_facts(store& s, const std::string& slug, const scheduler::api_token& caller, int year,
                                bool all_past) {
    auto p = visible_programme(s, slug, caller);
    if (!p) return p.err();
    if (caller.role == scheduler::token_role::participant)
        return error{errc::forbidden, "Reports are for the programme's organisers and admins.", {}};
    auto zone = programme_zone(*p);
    if (!zone) return zone.err();
    auto [from, to] = year_window(**zone, year);
    if (all_past) {
        from = "0000-01-01T00:00:00Z";
        to = "9999-12-31T23:59:59Z";
    }
    auto facts = s.report_facts_for(p->id, from, to);
    if (!facts) return facts.err();
    return loaded_facts{std::move(*p), std::move(*facts)};
}

// An organiser of part of the programme (or of another one) may not read whole-programme
// reports: forbidden with `detail`. Admins and the programme's organisers pass.
std::optional<error> unless_programme_organiser(const scheduler::api_token& caller, const std::string& programme_id,
                                                const char* detail) {
    if (caller.role == scheduler::token_role::organiser && !may_write_programme(caller, programme_id))
        return error{errc::forbidden, detail, {}};
    return std::nullopt;
}

char delimiter_for(const report_params& p) {
    if (p.delimiter) return p.delimiter;
    return p.lang == scheduler::language::nl ? ';' : ','; // what Excel expects in that locale
}

char decimal_for(char delimiter) { return delimiter == ';' ? ',' : '.'; }

response csv_response(const request_context& ctx, std::string body, const std::string& filename) {
    response res{http::status::ok, ctx.version()};
    res.set(http::field::content_type, "text/csv; charset=utf-8; header=present");
    res.set(http::field::content_disposition, "attachment; filename=\"" + filename + "\"");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(ctx.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

std::string percent(const std::optional<double>& rate, char decimal) {
    return rate ? csv_number(*rate * 100.0, 1, decimal) : std::string();
}

// --- attendance rates ----------------------------------------------------------------------

// The attendance report the caller may see: tokens limited to working groups only by
// working group and only their own groups' rows.
result<std::pair<scheduler::attendance_report, scheduler::programme>> load_attendance_report(
    store& s, const std::string& slug, const scheduler::api_token& caller, const report_params& p,
    scheduler::report_grouping by) {
    auto f = load_facts(s, slug, caller, p.year, false);
    if (!f) return f.err();
    const bool scoped = caller.role == scheduler::token_role::organiser && !caller.working_group_ids.empty();
    if (!scoped)
        if (auto e = unless_programme_organiser(caller, f->programme.id,
                                                "Reports are for the programme's organisers and admins."))
            return *e;
    if (scoped && by != scheduler::report_grouping::working_group)
        return error{
            errc::forbidden, "A token limited to working groups can only see the report by working group.", {}};
    const auto lang = p.lang_given ? p.lang : f->programme.lang;
    auto report = scheduler::make_attendance_report(f->facts, by, p.year, scheduler::now_utc(), lang);
    if (scoped)
        std::erase_if(report.rows, [&](const auto& row) {
            return std::find(caller.working_group_ids.begin(), caller.working_group_ids.end(), row.key) ==
                   caller.working_group_ids.end();
        });
    return std::pair{std::move(report), std::move(f->programme)};
}

// The attendance report as CSV rows: a head, then per row the year and each quarter.
std::vector<std::vector<std::string>> attendance_csv_rows(const scheduler::attendance_report& report, bool personal,
                                                          bool en, char decimal) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> head{en ? "id" : "id", en ? "name" : "naam"};
    if (personal) head.push_back(en ? "organisation_id" : "organisatie_id");
    static constexpr std::array<const char*, 6> en_columns{"invited", "present",    "absent",
                                                           "excused", "unrecorded", "attendance %"};
    static constexpr std::array<const char*, 6> nl_columns{"uitgenodigd", "aanwezig",           "afwezig",
                                                           "afgemeld",    "niet geregistreerd", "opkomst %"};
    const auto& columns = en ? en_columns : nl_columns;
    for (const char* period : {en ? "year" : "jaar", "Q1", "Q2", "Q3", "Q4"})
        for (const char* col : columns) head.push_back(std::string(period) + " " + col);
    rows.push_back(std::move(head));
    for (const auto& row : report.rows) {
        std::vector<std::string> line{row.key, row.label};
        if (personal) line.push_back(row.organisation_id);
        auto add = [&](const scheduler::rate_cell& c) {
            for (auto n : {c.invited, c.present, c.absent, c.excused, c.unrecorded}) line.push_back(std::to_string(n));
            line.push_back(percent(c.rate, decimal));
        };
        add(row.year);
        for (const auto& q : row.quarters) add(q);
        rows.push_back(std::move(line));
    }
    return rows;
}

json::object attendance_json(const scheduler::attendance_report& report, const scheduler::programme& programme,
                             bool personal) {
    json::array items;
    for (const auto& row : report.rows) {
        json::array quarters;
        for (const auto& q : row.quarters) quarters.push_back(cell_json(q));
        json::object o{
            {"key", row.key}, {"label", row.label}, {"year", cell_json(row.year)}, {"quarters", std::move(quarters)}};
        if (personal) o["organisation_id"] = row.organisation_id;
        items.push_back(std::move(o));
    }
    return {{"programme", programme.slug},
            {"year", report.year},
            {"by", std::string(scheduler::to_string(report.by))},
            {"rate_definition", "present / (invited - excused), over events held (started, not "
                                "cancelled); no presence recorded counts as not present"},
            {"total", cell_json(report.total)},
            {"items", std::move(items)},
            {"next_cursor", nullptr}};
}

task<response> attendance_report(request_context& ctx) {
    std::vector<scheduler::field_problem> problems;
    auto by = scheduler::parse<scheduler::report_grouping>(ctx.query("by").value_or("organisation"));
    if (!by) problems.push_back({"by", "must be person, organisation, working_group or role"});
    auto params = read_params(ctx, problems);
    if (!params) co_return fail(ctx, params.err());
    const auto caller = *ctx.caller;
    const bool personal = *by == scheduler::report_grouping::person;
    if (personal && caller.role != scheduler::token_role::admin)
        co_return fail(ctx, error{errc::forbidden, "Reports per person hold personal data: admins only.", {}});
    auto job = [slug = std::string(ctx.param("slug")), caller, p = *params, by = *by](store& s) {
        return load_attendance_report(s, slug, caller, p, by);
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    auto& [report, programme] = *r;
    if (personal) { // personal data leaving the service: on the audit trail
        auto a = audit(ctx, "report.export", "programme", programme.id,
                       json::object{{"report", "attendance"},
                                    {"by", "person"},
                                    {"year", report.year},
                                    {"format", params->csv ? "csv" : "json"},
                                    {"rows", report.rows.size()}});
        auto log_job = [a](store& s) {
            return s.append_audit(a, scheduler::now_utc());
        }; // named: GCC 12 and temporaries in co_await
        auto logged = co_await db_write(ctx.svc.db, std::move(log_job));
        if (!logged) co_return fail(ctx, logged.err());
    }
    const auto lang = params->lang_given ? params->lang : programme.lang;
    if (params->csv) {
        const char d = delimiter_for(*params);
        co_return csv_response(
            ctx,
            csv_document(attendance_csv_rows(report, personal, lang == scheduler::language::en, decimal_for(d)), d),
            "attendance-" + std::string(scheduler::to_string(report.by)) + "-" + std::to_string(report.year) + ".csv");
    }
    co_return paged_json(ctx, attendance_json(report, programme, personal), "key");
}

// --- commitments -----------------------------------------------------------------------------

// The commitments check as CSV rows, one per organisation.
std::vector<std::vector<std::string>> commitments_csv_rows(const scheduler::commitments_report& report, bool en) {
    std::vector<std::vector<std::string>> rows;
    rows.push_back(en ? std::vector<std::string>{"organisation_id", "organisation", "status",
                                                 "people in working groups", "working groups", "CoP meetings held",
                                                 "CoP meetings attended", "CoP meetings planned", "reasons"}
                      : std::vector<std::string>{"organisatie_id", "organisatie", "status", "mensen in werkgroepen",
                                                 "werkgroepen", "CoP-bijeenkomsten gehouden",
                                                 "CoP-bijeenkomsten aanwezig", "CoP-bijeenkomsten gepland", "redenen"});
    for (const auto& o : report.organisations) {
        std::string groups, reasons;
        for (const auto& g : o.working_group_ids) groups += (groups.empty() ? "" : " ") + g;
        for (const auto& why : o.reasons) reasons += (reasons.empty() ? "" : " ") + why;
        rows.push_back({o.organisation_id, o.organisation_name, std::string(scheduler::to_string(o.status)),
                        std::to_string(o.people_in_groups), groups, std::to_string(o.cop_meetings_held),
                        std::to_string(o.cop_meetings_attended), std::to_string(o.cop_meetings_planned), reasons});
    }
    return rows;
}

json::object commitments_json(const scheduler::commitments_report& report, const scheduler::programme& programme) {
    json::array items;
    for (const auto& o : report.organisations) {
        json::array groups, reasons;
        for (const auto& g : o.working_group_ids) groups.emplace_back(g);
        for (const auto& why : o.reasons) reasons.emplace_back(why);
        items.push_back(json::object{{"organisation_id", o.organisation_id},
                                     {"organisation_name", o.organisation_name},
                                     {"status", std::string(scheduler::to_string(o.status))},
                                     {"people_in_groups", o.people_in_groups},
                                     {"working_group_ids", std::move(groups)},
                                     {"cop_meetings_held", o.cop_meetings_held},
                                     {"cop_meetings_attended", o.cop_meetings_attended},
                                     {"cop_meetings_planned", o.cop_meetings_planned},
                                     {"reasons", std::move(reasons)}});
    }
    return {{"programme", programme.slug},
            {"year", report.year},
            {"thresholds", json::object{{"min_cop_meetings", report.thresholds.min_cop_meetings},
                                        {"min_people_in_groups", report.thresholds.min_people_in_groups}}},
            {"meeting", report.meeting},
            {"on_track", report.on_track},
            {"falling_short", report.falling_short},
            {"items", std::move(items)},
            {"next_cursor", nullptr}};
}

task<response> commitments_report(request_context& ctx) {
    std::vector<scheduler::field_problem> problems;
    scheduler::commitment_thresholds th;
    if (auto n = integer_param(ctx, "min_cop_meetings", 0, 52, problems)) th.min_cop_meetings = static_cast<int>(*n);
    if (auto n = integer_param(ctx, "min_people_in_groups", 0, 1000, problems))
        th.min_people_in_groups = static_cast<int>(*n);
    auto params = read_params(ctx, problems);
    if (!params) co_return fail(ctx, params.err());
    auto job = [slug = std::string(ctx.param("slug")), caller = *ctx.caller, p = *params,
                th](store& s) -> result<std::pair<scheduler::commitments_report, scheduler::programme>> {
        auto f = load_facts(s, slug, caller, p.year, false);
        if (!f) return f.err();
        if (auto e = unless_programme_organiser(caller, f->programme.id,
                                                "The commitments check is for the programme's organisers and admins."))
            return *e;
        const auto lang = p.lang_given ? p.lang : f->programme.lang;
        return std::pair{scheduler::check_commitments(f->facts, p.year, scheduler::now_utc(), th, lang),
                         std::move(f->programme)};
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    auto& [report, programme] = *r;
    const bool en = (params->lang_given ? params->lang : programme.lang) == scheduler::language::en;
    if (params->csv) {
        const char d = delimiter_for(*params);
        co_return csv_response(ctx, csv_document(commitments_csv_rows(report, en), d),
                               "commitments-" + std::to_string(report.year) + ".csv");
    }
    co_return paged_json(ctx, commitments_json(report, programme), "organisation_id");
}

// --- organisations absent from the last CoP meetings -----------------------------------------

task<response> absence_report(request_context& ctx) {
    std::vector<scheduler::field_problem> problems;
    const auto meetings =
        integer_param(ctx, "meetings", 1, max_absence_meetings, problems).value_or(default_absence_meetings);
    auto params = read_params(ctx, problems);
    if (!params) co_return fail(ctx, params.err());
    auto job = [slug = std::string(ctx.param("slug")), caller = *ctx.caller, p = *params,
                meetings](store& s) -> result<std::pair<scheduler::absence_report, scheduler::programme>> {
        auto f = load_facts(s, slug, caller, p.year, true);
        if (!f) return f.err();
        if (auto e = unless_programme_organiser(caller, f->programme.id,
                                                "This report is for the programme's organisers and admins."))
            return *e;
        return std::pair{
            scheduler::absent_from_last_meetings(f->facts, static_cast<std::size_t>(meetings), scheduler::now_utc()),
            std::move(f->programme)};
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    auto& [report, programme] = *r;
    const bool en = (params->lang_given ? params->lang : programme.lang) == scheduler::language::en;
    if (params->csv) {
        std::vector<std::vector<std::string>> rows;
        rows.push_back(
            en ? std::vector<std::string>{"organisation_id", "organisation", "last present at a CoP meeting"}
               : std::vector<std::string>{"organisatie_id", "organisatie", "laatst aanwezig bij een CoP-bijeenkomst"});
        for (const auto& o : report.organisations)
            rows.push_back({o.organisation_id, o.organisation_name, o.last_present_at.value_or("")});
        co_return csv_response(ctx, csv_document(rows, delimiter_for(*params)), "absent-organisations.csv");
    }
    json::array considered, items;
    for (const auto& m : report.meetings)
        considered.push_back(
            json::object{{"id", m.id}, {"title", m.title}, {"start", m.start_local}, {"start_utc", m.start_utc}});
    for (const auto& o : report.organisations)
        items.push_back(json::object{
            {"organisation_id", o.organisation_id},
            {"organisation_name", o.organisation_name},
            {"last_present_at", o.last_present_at ? json::value(*o.last_present_at) : json::value(nullptr)}});
    co_return paged_json(ctx,
                         json::object{{"programme", programme.slug},
                                      {"meetings", std::move(considered)},
                                      {"items", std::move(items)},
                                      {"next_cursor", nullptr}},
                         "organisation_id");
}

} // namespace

void add_report_routes(router& r) {
    using v = http::verb;
    r.add(v::get, "/api/v1/programmes/{slug}/reports/attendance", access::any_token, attendance_report);
    r.add(v::get, "/api/v1/programmes/{slug}/reports/commitments", access::any_token, commitments_report);
    r.add(v::get, "/api/v1/programmes/{slug}/reports/absent-organisations", access::any_token, absence_report);
}

} // namespace copsched::server
