// Programme data over HTTP: programmes, organisations, people, working groups and their
// members, venues. Each resource is described once (a traits struct: how to read its
// JSON, view it, and store it); the generic handlers below do the rest: authorization,
// ETag/If-Match, pagination, audit, errors.
#include "server/api/programme_handlers.hpp"

#include "scheduler/civil_time.hpp"
#include "scheduler/clock.hpp"
#include "scheduler/day_rules.hpp"
#include "scheduler/time_zone.hpp"
#include "server/api/auth.hpp"
#include "server/api/db_call.hpp"
#include "server/api/feed_handlers.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/json_input.hpp"
#include "server/api/views.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace copsched::server {
namespace {

namespace json = boost::json;
using scheduler::errc;
using scheduler::error;
using scheduler::result;
using scheduler::store;

constexpr std::size_t slug_max_chars = 60;
constexpr std::size_t address_max_chars = 500;
constexpr std::size_t email_max_chars = 254;
constexpr int capacity_max = 100'000;
constexpr std::size_t max_school_regions = 20;

bool valid_slug(const std::string& s) {
    if (s.empty() || s.size() > slug_max_chars || s.front() == '-' || s.back() == '-') return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool valid_email(const std::string& s) {
    const auto at = s.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= s.size() || s.find('@', at + 1) != std::string::npos)
        return false;
    if (s.find('.', at) == std::string::npos || s.size() > email_max_chars) return false;
    return std::none_of(s.begin(), s.end(),
                        [](char c) { return c == ' ' || c == ',' || c == ';' || c == '<' || c == '>'; });
}

// --- programmes -------------------------------------------------------------------------

void read_rules(object_reader& in, scheduler::meeting_rules& r) {
    const auto* o = in.optional_object("meeting_rules");
    if (!o) return;
    object_reader rules(*o, "meeting_rules.");
    if (auto v = rules.optional_integer("per_year", 1, 12)) r.per_year = static_cast<int>(*v);
    if (auto v = rules.optional_string_array("weekdays", 7, 3)) {
        if (v->empty()) rules.problem("weekdays", "must name at least one day");
        for (const auto& d : *v)
            if (!scheduler::parse_weekday(d))
                rules.problem("weekdays", "must be day names mon, tue, wed, thu, fri, sat, sun");
        r.weekdays = *v;
    }
    if (auto v = rules.optional_string("start_time", 5)) {
        auto t = scheduler::parse_local_time("2000-01-01T" + *v);
        if (v->size() != 5 || !t)
            rules.problem("start_time", "must be a time HH:MM");
        else
            r.start_time = *v;
    }
    if (auto v = rules.optional_integer("duration_minutes", 15, 24 * 60)) r.duration_minutes = static_cast<int>(*v);
    if (auto v = rules.optional_integer("min_gap_days", 0, 365)) r.min_gap_days = static_cast<int>(*v);
    if (auto v = rules.nullable_string_array("school_holiday_regions", max_school_regions, 40)) {
        if (*v) {
            auto regions = **v;
            std::sort(regions.begin(), regions.end());
            if (std::adjacent_find(regions.begin(), regions.end()) != regions.end())
                rules.problem("school_holiday_regions", "names a region twice");
        }
        r.school_holiday_regions = *v; // null: back to the programme's default
    }
    if (auto v = rules.optional_enum<scheduler::school_holiday_mode>("school_holidays", "avoid, prefer_not"))
        r.school_holidays = *v;
    in.merge(std::move(rules));
}

// Two letters A-Z ("NL"), or for a subdivision the country, '-' and 1 to 3 letters or digits ("DE-BY").
bool valid_country_code(const std::string& s) {
    return s.size() == 2 && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

void read_holidays(object_reader& in, scheduler::holiday_settings& h) {
    const auto* o = in.optional_object("holidays");
    if (!o) return;
    object_reader holidays(*o, "holidays.");
    if (auto v = holidays.nullable_string("country", 2)) {
        if (*v && !valid_country_code(**v))
            holidays.problem("country", "must be an ISO 3166-1 alpha-2 code in capitals, such as NL");
        h.country = *v; // null: the country of the programme's time zone
    }
    if (auto v = holidays.nullable_string("subdivision", 6)) h.subdivision = *v;
    in.merge(std::move(holidays));
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

// The holiday settings checked against the data, on the programme as it will be stored
// (a changed time zone changes the default country and so which regions exist).
void check_days(object_reader& in, const scheduler::programme& p) {
    const auto rules = scheduler::day_rules_of(p);
    const auto countries = scheduler::holiday_countries();
    if (p.holidays.country && std::find(countries.begin(), countries.end(), *p.holidays.country) == countries.end())
        in.problem("holidays.country", "has no public holiday data in copsched; known: " + joined(countries));
    if (p.holidays.subdivision) {
        const auto subdivisions = scheduler::holiday_subdivisions(rules.country);
        if (rules.country.empty())
            in.problem("holidays.subdivision",
                       "needs a country: the time zone " + p.timezone + " has no default, so set holidays.country");
        else if (!scheduler::holiday_subdivision_known(rules.country, *p.holidays.subdivision))
            in.problem("holidays.subdivision",
                       "is not a subdivision of " + rules.country + " with holiday data" +
                           (subdivisions.empty() ? std::string("; ") + rules.country + " has none"
                                                 : "; known: " + joined(subdivisions)));
    }
    if (p.rules.school_holiday_regions && !p.rules.school_holiday_regions->empty()) {
        const auto known = scheduler::school_holiday_regions_of(rules.country);
        if (known.empty())
            in.problem(
                "meeting_rules.school_holiday_regions",
                "copsched has no school holidays for " +
                    (rules.country.empty() ? std::string("a programme without a holiday country") : rules.country) +
                    "; use [] or set holidays.country to one with data");
        else
            for (const auto& region : *p.rules.school_holiday_regions)
                if (std::find(known.begin(), known.end(), region) == known.end()) {
                    in.problem("meeting_rules.school_holiday_regions", "'" + region +
                                                                           "' is not a school holiday region of " +
                                                                           rules.country + "; known: " + joined(known));
                    break;
                }
    }
}

void read_mail(object_reader& in, scheduler::mail_settings& m) {
    const auto* o = in.optional_object("mail");
    if (!o) return;
    object_reader mail(*o, "mail.");
    if (auto v = mail.optional_bool("enabled")) m.enabled = *v;
    if (auto v = mail.optional_string("sender_name", name_max_chars)) m.sender_name = *v;
    if (auto v = mail.optional_string("sender_email", email_max_chars)) {
        if (!v->empty() && !valid_email(*v)) mail.problem("sender_email", "must be an e-mail address (or empty)");
        m.sender_email = *v;
    }
    if (auto v = mail.optional_string("reply_address", email_max_chars)) {
        // The tag goes after a '+' in the local part: the mailbox's own address has none.
        if (!v->empty() && (!valid_email(*v) || v->find('+') != std::string::npos))
            mail.problem("reply_address", "must be an e-mail address without '+' (or empty)");
        m.reply_address = *v;
    }
    if (auto v = mail.optional_string("reminder_time", 5)) {
        auto t = scheduler::parse_local_time("2000-01-01T" + *v);
        if (v->size() != 5 || !t)
            mail.problem("reminder_time", "must be a time HH:MM");
        else
            m.reminder_time = *v;
    }
    if (const auto* d = mail.optional_object("reminder_days")) {
        object_reader days(*d, "mail.reminder_days.");
        if (auto v = days.optional_integer_set("cop_meeting", 5, 0, 60)) m.cop_meeting_days = *v;
        if (auto v = days.optional_integer_set("working_group_session", 5, 0, 60)) m.session_days = *v;
        if (auto v = days.optional_integer_set("other", 5, 0, 60)) m.other_days = *v;
        mail.merge(std::move(days));
    }
    in.merge(std::move(mail));
}

void read_memberships(object_reader& in, scheduler::programme& p) {
    const auto* o = in.optional_object("memberships");
    if (!o) return;
    object_reader memberships(*o, "memberships.");
    if (auto v = memberships.optional_enum<scheduler::membership_approval>("approval", "none, organiser"))
        p.approval = *v;
    in.merge(std::move(memberships));
}

void read_programme(object_reader& in, scheduler::programme& p, bool create) {
    if (create) {
        if (auto v = in.required_string("slug", slug_max_chars)) {
            if (!valid_slug(*v)) in.problem("slug", "must be lower-case letters, digits and '-', at most 60");
            p.slug = *v;
        }
    }
    if (auto name = in.nonempty_string("name", name_max_chars, create)) p.name = *name;
    if (auto v = in.optional_string("timezone", 64)) {
        if (!scheduler::find_time_zone(*v)) in.problem("timezone", "is not a known IANA time zone");
        p.timezone = *v;
    }
    if (auto v = in.optional_enum<scheduler::language>("language", "nl, en")) p.lang = *v;
    auto starts = create ? in.required_string("starts_on", 10) : in.optional_string("starts_on", 10);
    auto ends = create ? in.required_string("ends_on", 10) : in.optional_string("ends_on", 10);
    if (starts) {
        if (!scheduler::parse_date(*starts)) in.problem("starts_on", "must be a date YYYY-MM-DD");
        p.starts_on = *starts;
    }
    if (ends) {
        if (!scheduler::parse_date(*ends)) in.problem("ends_on", "must be a date YYYY-MM-DD");
        p.ends_on = *ends;
    }
    if (!p.starts_on.empty() && !p.ends_on.empty() && p.ends_on < p.starts_on)
        in.problem("ends_on", "must not be before starts_on");
    read_rules(in, p.rules);
    read_holidays(in, p.holidays);
    read_mail(in, p.mail);
    read_memberships(in, p);
    if (auto v = in.optional_bool("feeds_public")) p.feeds_public = *v;
    check_days(in, p);
}

task<response> create_programme(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    object_reader in(*body);
    scheduler::programme p;
    read_programme(in, p, true);
    if (auto st = in.finish(); !st) co_return fail(ctx, st.err());
    auto job =
        [p, a = audit(ctx, "programme.create", "programme", p.slug)](store& s) mutable -> result<scheduler::programme> {
        const auto now = scheduler::now_utc();
        auto r = s.create_programme(p, now);
        if (!r) return r;
        a.object_id = r->id;
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return r;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    auto res = resource_response(ctx, http::status::created, to_json(*r), r->id, r->version);
    res.set(http::field::location, "/api/v1/programmes/" + r->slug);
    co_return res;
}

task<response> patch_programme(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    auto job = [body = std::move(*body), slug = std::string(ctx.param("slug")), caller = *ctx.caller,
                tag = std::string(ctx.req[http::field::if_match]),
                a = audit(ctx, "programme.update", "programme", "")](store& s) mutable -> result<scheduler::programme> {
        auto current = visible_programme(s, slug, caller);
        if (!current) return current.err();
        if (!may_write_programme(caller, current->id)) return forbidden_write();
        object_reader in(body);
        auto p = *current;
        read_programme(in, p, false);
        if (auto st = in.finish(); !st) return st.err();
        const auto now = scheduler::now_utc();
        auto r = s.update_programme(p, parse_if_match(tag, p.id), now);
        if (!r) return r;
        a.object_id = r->id;
        a.detail = json::serialize(json::value(body));
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return r;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    ctx.svc.feeds.changed(r->id, {programme_content_key(r->id)});
    co_return resource_response(ctx, http::status::ok, to_json(*r), r->id, r->version);
}

// --- the other resources, described once each ------------------------------------------

// Who may change a resource: programme-wide data, or one working group's.
enum class write_scope { programme, group };

struct organisation_traits {
    using type = scheduler::organisation;
    using filter = scheduler::organisation_filter;
    static constexpr const char* name = "organisation";
    static constexpr const char* path = "/api/v1/organisations/";
    static constexpr write_scope scope = write_scope::programme;

    static void read(object_reader& in, type& o, bool create) {
        if (auto n = in.nonempty_string("name", name_max_chars, create)) o.name = *n;
        constexpr std::string_view kinds = "government, company, knowledge_partner", levels = "starter, advanced";
        auto k = create ? in.required_enum<scheduler::organisation_kind>("kind", kinds)
                        : in.optional_enum<scheduler::organisation_kind>("kind", kinds);
        auto l = create ? in.required_enum<scheduler::organisation_level>("level", levels)
                        : in.optional_enum<scheduler::organisation_level>("level", levels);
        if (k) o.kind = *k;
        if (l) o.level = *l;
    }
    static json::object view(const type& o, const request_context&) { return to_json(o); }
    static std::vector<std::string> feed_keys(const type&) { return {}; } // only the organisation feed shows it
    static result<filter> read_filter(const request_context& ctx) {
        filter f;
        if (auto v = ctx.query("kind")) {
            f.kind = scheduler::parse<scheduler::organisation_kind>(*v);
            if (!f.kind) return error::invalid("kind", "must be government, company or knowledge_partner");
        }
        if (auto v = ctx.query("level")) {
            f.level = scheduler::parse<scheduler::organisation_level>(*v);
            if (!f.level) return error::invalid("level", "must be starter or advanced");
        }
        return f;
    }
    static result<type> create(store& s, const type& o, const std::string& now) {
        return s.create_organisation(o, now);
    }
    static result<type> get(store& s, const std::string& id) { return s.get_organisation(id); }
    static result<scheduler::page<type>> list(store& s, const std::string& pid, const filter& f,
                                              const scheduler::page_request& pr) {
        return s.list_organisations(pid, f, pr);
    }
    static result<type> update(store& s, const type& o, scheduler::expected_version e, const std::string& now) {
        return s.update_organisation(o, e, now);
    }
    static scheduler::status remove(store& s, const std::string& id, scheduler::expected_version e) {
        return s.delete_organisation(id, e);
    }
};

struct person_traits {
    using type = scheduler::person;
    using filter = scheduler::person_filter;
    static constexpr const char* name = "person";
    static constexpr const char* path = "/api/v1/people/";
    static constexpr write_scope scope = write_scope::programme;

    static void read(object_reader& in, type& p, bool create) {
        if (auto n = in.nonempty_string("name", name_max_chars, create)) p.name = *n;
        auto e = create ? in.required_string("email", email_max_chars) : in.optional_string("email", email_max_chars);
        if (e) {
            if (!valid_email(*e)) in.problem("email", "must be an e-mail address");
            p.email = *e;
        }
        if (auto o = in.nonempty_string("organisation_id", 100, create)) p.organisation_id = *o;
        constexpr std::string_view roles =
            "buyer, sustainability_coordinator, budget_holder, project_leader, consultant, other";
        auto r = create ? in.required_enum<scheduler::person_role>("role", roles)
                        : in.optional_enum<scheduler::person_role>("role", roles);
        if (r) p.role = *r;
        if (auto l = in.optional_enum<scheduler::language>("language", "nl, en")) p.lang = *l;
        if (auto a = in.optional_bool("active")) p.active = *a;
        if (auto a = in.optional_bool("reminders_opt_out")) p.reminders_opt_out = *a;
    }
    static json::object view(const type& p, const request_context& ctx) {
        auto out = to_json(p, *ctx.caller);
        // The person's own feed URL: for the person, admins and the programme's organisers.
        const auto& c = *ctx.caller;
        const bool self = c.role == scheduler::token_role::participant && c.person_id == p.id;
        if (self || may_write_programme(c, p.programme_id))
            for (auto& [k, v] : feed_links(ctx.svc, p)) out[k] = v;
        return out;
    }
    static std::vector<std::string> feed_keys(const type& p) { return {person_content_key(p.id)}; }
    static result<filter> read_filter(const request_context& ctx) {
        filter f;
        f.organisation_id = ctx.query("organisation_id");
        if (auto v = ctx.query("role")) {
            f.role = scheduler::parse<scheduler::person_role>(*v);
            if (!f.role) return error::invalid("role", "is not a person role");
        }
        if (auto v = ctx.query("email")) {
            if (ctx.caller->role == scheduler::token_role::participant)
                return error{errc::forbidden, "Participants cannot search by e-mail address.", {}};
            f.email = *v;
        }
        return f;
    }
    static result<type> create(store& s, const type& p, const std::string& now) { return s.create_person(p, now); }
    static result<type> get(store& s, const std::string& id) { return s.get_person(id); }
    static result<scheduler::page<type>> list(store& s, const std::string& pid, const filter& f,
                                              const scheduler::page_request& pr) {
        return s.list_people(pid, f, pr);
    }
    static result<type> update(store& s, const type& p, scheduler::expected_version e, const std::string& now) {
        return s.update_person(p, e, now);
    }
    static scheduler::status remove(store& s, const std::string& id, scheduler::expected_version e) {
        return s.delete_person(id, e);
    }
};

struct working_group_traits {
    using type = scheduler::working_group;
    using filter = scheduler::working_group_filter;
    static constexpr const char* name = "working group";
    static constexpr const char* path = "/api/v1/working-groups/";
    static constexpr write_scope scope = write_scope::group;

    static void read(object_reader& in, type& g, bool create) {
        if (create) {
            if (auto v = in.required_string("slug", slug_max_chars)) {
                if (!valid_slug(*v)) in.problem("slug", "must be lower-case letters, digits and '-', at most 60");
                g.slug = *v;
            }
        }
        if (auto n = in.nonempty_string("name", name_max_chars, create)) g.name = *n;
        if (auto d = in.optional_string("description", text_max_chars, true)) g.description = *d;
    }
    static json::object view(const type& g, const request_context&) { return to_json(g); }
    static std::vector<std::string> feed_keys(const type& g) { return {group_content_key(g.id)}; }
    static result<filter> read_filter(const request_context& ctx) {
        filter f;
        if (auto v = ctx.query("archived")) {
            if (*v != "true" && *v != "false") return error::invalid("archived", "must be true or false");
            f.include_archived = *v == "true";
        }
        return f;
    }
    static result<type> create(store& s, const type& g, const std::string& now) {
        return s.create_working_group(g, now);
    }
    static result<type> get(store& s, const std::string& id) { return s.get_working_group(id); }
    static result<scheduler::page<type>> list(store& s, const std::string& pid, const filter& f,
                                              const scheduler::page_request& pr) {
        return s.list_working_groups(pid, f, pr);
    }
    static result<type> update(store& s, const type& g, scheduler::expected_version e, const std::string& now) {
        return s.update_working_group(g, e, now);
    }
    static scheduler::status remove(store& s, const std::string& id, scheduler::expected_version e) {
        return s.delete_working_group(id, e);
    }
};

struct venue_traits {
    using type = scheduler::venue;
    struct filter {};
    static constexpr const char* name = "venue";
    static constexpr const char* path = "/api/v1/venues/";
    static constexpr write_scope scope = write_scope::programme;

    static void read(object_reader& in, type& v, bool create) {
        if (auto n = in.nonempty_string("name", name_max_chars, create)) v.name = *n;
        if (auto a = in.optional_string("address", address_max_chars, true)) v.address = *a;
        auto c = create ? in.required_integer("capacity", 0, capacity_max)
                        : in.optional_integer("capacity", 0, capacity_max);
        if (c) v.capacity = static_cast<int>(*c);
    }
    static json::object view(const type& v, const request_context&) { return to_json(v); }
    static std::vector<std::string> feed_keys(const type& v) {
        return {programme_content_key(v.programme_id)};
    } // LOCATION
    static result<filter> read_filter(const request_context&) { return filter{}; }
    static result<type> create(store& s, const type& v, const std::string& now) { return s.create_venue(v, now); }
    static result<type> get(store& s, const std::string& id) { return s.get_venue(id); }
    static result<scheduler::page<type>> list(store& s, const std::string& pid, const filter&,
                                              const scheduler::page_request& pr) {
        return s.list_venues(pid, pr);
    }
    static result<type> update(store& s, const type& v, scheduler::expected_version e, const std::string& now) {
        return s.update_venue(v, e, now);
    }
    static scheduler::status remove(store& s, const std::string& id, scheduler::expected_version e) {
        return s.delete_venue(id, e);
    }
};

template <class R>
bool may_write(const scheduler::api_token& caller, const typename R::type& x) {
    if constexpr (R::scope == write_scope::group)
        return may_write_group(caller, x.programme_id, x.id);
    else
        return may_write_programme(caller, x.programme_id);
}

template <class R>
std::string missing(const std::string& id) {
    return std::string("No ") + R::name + " with id '" + id + "'.";
}

// The resource with this id when `caller` may read its programme; else not_found.
template <class R>
result<typename R::type> visible(store& s, const std::string& id, const scheduler::api_token& caller) {
    auto r = R::get(s, id);
    if (!r || !may_read(caller, r->programme_id)) return not_found(missing<R>(id));
    return r;
}

// POST /api/v1/programmes/{slug}/<collection>. Fields are checked after the caller's
// rights, so a caller without them learns nothing about the data.
template <class R>
task<response> create_in_programme(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    auto job = [body = std::move(*body), slug = std::string(ctx.param("slug")), caller = *ctx.caller,
                key = &ctx.svc.feed_secret, a = audit(ctx, std::string(R::name) + ".create", R::name, "")](
                   store& s) mutable -> result<typename R::type> {
        auto p = visible_programme(s, slug, caller);
        if (!p) return p.err();
        if (!may_write_programme(caller, p->id)) return forbidden_write();
        object_reader in(body);
        typename R::type x;
        R::read(in, x, true);
        if (auto st = in.finish(); !st) return st.err();
        x.programme_id = p->id;
        const auto now = scheduler::now_utc();
        auto r = R::create(s, x, now);
        if (!r) return r;
        if constexpr (std::is_same_v<typename R::type, scheduler::person>) {
            if (auto st = s.set_feed_token(r->id, r->feed_generation, key->token_hash(r->id, r->feed_generation)); !st)
                return st.err();
        }
        a.object_id = r->id;
        a.detail = json::serialize(json::value(body));
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return r;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    ctx.svc.feeds.changed(r->programme_id, R::feed_keys(*r));
    auto res = resource_response(ctx, http::status::created, R::view(*r, ctx), r->id, r->version);
    res.set(http::field::location, R::path + r->id);
    co_return res;
}

// GET /api/v1/programmes/{slug}/<collection>
template <class R>
task<response> list_in_programme(request_context& ctx) {
    auto pr = page_params(ctx);
    if (!pr) co_return fail(ctx, pr.err());
    auto f = R::read_filter(ctx);
    if (!f) co_return fail(ctx, f.err());
    auto job = [slug = std::string(ctx.param("slug")), caller = *ctx.caller, f = *f,
                pr = *pr](store& s) -> result<scheduler::page<typename R::type>> {
        auto p = visible_programme(s, slug, caller);
        if (!p) return p.err();
        return R::list(s, p->id, f, pr);
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return page_response(ctx, *r, [&](const typename R::type& x) { return R::view(x, ctx); });
}

// GET /api/v1/<collection>/{id}
template <class R>
task<response> get_one(request_context& ctx) {
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller](store& s) -> result<typename R::type> {
        auto r = visible<R>(s, id, caller);
        if (!r) return r.err();
        return r;
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return resource_response(ctx, http::status::ok, R::view(*r, ctx), r->id, r->version);
}

// PATCH /api/v1/<collection>/{id}: read, apply and write in one job on the writer, so
// concurrent changes cannot be lost; If-Match makes them conditional.
template <class R>
task<response> patch_one(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    auto job = [body = std::move(*body), id = std::string(ctx.param("id")), caller = *ctx.caller,
                tag = std::string(ctx.req[http::field::if_match]),
                a = audit(ctx, std::string(R::name) + ".update", R::name, std::string(ctx.param("id")))](
                   store& s) mutable -> result<typename R::type> {
        auto current = visible<R>(s, id, caller);
        if (!current) return current.err();
        if (!may_write<R>(caller, *current)) return forbidden_write();
        object_reader in(body);
        auto x = *current;
        R::read(in, x, false);
        if (auto st = in.finish(); !st) return st.err();
        const auto now = scheduler::now_utc();
        auto r = R::update(s, x, parse_if_match(tag, id), now);
        if (!r) return r;
        a.detail = json::serialize(json::value(body));
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return r;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    ctx.svc.feeds.changed(r->programme_id, R::feed_keys(*r));
    co_return resource_response(ctx, http::status::ok, R::view(*r, ctx), r->id, r->version);
}

// DELETE /api/v1/<collection>/{id}: refused (409) when history refers to it.
template <class R>
task<response> delete_one(request_context& ctx) {
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller,
                tag = std::string(ctx.req[http::field::if_match]),
                a = audit(ctx, std::string(R::name) + ".delete", R::name, std::string(ctx.param("id")))](
                   store& s) -> result<typename R::type> {
        auto current = visible<R>(s, id, caller);
        if (!current) return current.err();
        if (!may_write<R>(caller, *current)) return forbidden_write();
        if (auto st = R::remove(s, id, parse_if_match(tag, id)); !st) return st.err();
        if (auto st = s.append_audit(a, scheduler::now_utc()); !st) return st.err();
        return current;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    ctx.svc.feeds.changed(r->programme_id, R::feed_keys(*r));
    co_return no_content(ctx);
}

// POST /api/v1/working-groups/{id}/archive
task<response> archive_group(request_context& ctx) {
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller,
                tag = std::string(ctx.req[http::field::if_match]),
                a = audit(ctx, "working group.archive", "working group", std::string(ctx.param("id")))](
                   store& s) -> result<scheduler::working_group> {
        auto current = visible_working_group(s, id, caller);
        if (!current) return current.err();
        if (!may_write_group(caller, current->programme_id, id)) return forbidden_write();
        const auto now = scheduler::now_utc();
        auto r = s.archive_working_group(id, parse_if_match(tag, id), now);
        if (!r) return r;
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return r;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    ctx.svc.feeds.changed(r->programme_id, {group_content_key(r->id)});
    co_return resource_response(ctx, http::status::ok, to_json(*r), r->id, r->version);
}

// POST /api/v1/working-groups/{id}/members
task<response> add_member(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    auto job = [body = std::move(*body), id = std::string(ctx.param("id")), caller = *ctx.caller,
                a = audit(ctx, "membership.create", "working group", std::string(ctx.param("id")))](
                   store& s) mutable -> result<std::pair<scheduler::membership, std::string>> {
        auto g = visible_working_group(s, id, caller);
        if (!g) return g.err();
        if (!may_write_group(caller, g->programme_id, id)) return forbidden_write();
        object_reader in(body);
        scheduler::membership m;
        if (auto v = in.required_string("person_id", 100)) m.person_id = *v;
        if (auto v = in.optional_enum<scheduler::membership_role>("role", "member, chair, facilitator")) m.role = *v;
        auto from = in.optional_date("from");
        if (auto until = in.nullable_date("until")) m.until = *until; // null: open-ended
        if (auto st = in.finish(); !st) return st.err();
        if (g->archived_at) return error{errc::conflict, "The working group is archived; it takes no new members.", {}};
        m.working_group_id = id;
        const auto now = scheduler::now_utc();
        m.from = from ? *from : now.substr(0, 10);
        auto r = s.create_membership(m, now);
        if (!r) return r.err();
        a.detail = json::serialize(json::value(body));
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return std::pair{*r, g->programme_id};
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    const auto& [m, programme_id] = *r;
    ctx.svc.feeds.changed(programme_id, {group_content_key(m.working_group_id), person_content_key(m.person_id)});
    co_return ok_json(ctx, http::status::created, to_json(m));
}

// GET /api/v1/working-groups/{id}/members
task<response> list_members(request_context& ctx) {
    auto job = [id = std::string(ctx.param("id")),
                caller = *ctx.caller](store& s) -> result<std::vector<scheduler::membership>> {
        auto g = visible_working_group(s, id, caller);
        if (!g) return g.err();
        return s.list_memberships(id);
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    json::array items;
    for (const auto& m : *r) items.push_back(to_json(m));
    co_return paged_json(ctx, json::object{{"items", std::move(items)}, {"next_cursor", nullptr}}, "id");
}

template <class R>
void add_resource_routes(router& r, const std::string& collection) {
    using v = http::verb;
    r.add(v::post, "/api/v1/programmes/{slug}/" + collection, access::any_token, create_in_programme<R>);
    r.add(v::get, "/api/v1/programmes/{slug}/" + collection, access::any_token, list_in_programme<R>);
    r.add(v::get, "/api/v1/" + collection + "/{id}", access::any_token, get_one<R>);
    r.add(v::patch, "/api/v1/" + collection + "/{id}", access::any_token, patch_one<R>);
    r.add(v::delete_, "/api/v1/" + collection + "/{id}", access::any_token, delete_one<R>);
}

} // namespace

void add_programme_routes(router& r) {
    using v = http::verb;
    r.add(v::post, "/api/v1/programmes", access::admin, create_programme);
    r.add(v::patch, "/api/v1/programmes/{slug}", access::any_token, patch_programme);
    add_resource_routes<organisation_traits>(r, "organisations");
    add_resource_routes<person_traits>(r, "people");
    add_resource_routes<working_group_traits>(r, "working-groups");
    r.add(v::post, "/api/v1/working-groups/{id}/archive", access::any_token, archive_group);
    r.add(v::post, "/api/v1/working-groups/{id}/members", access::any_token, add_member);
    r.add(v::get, "/api/v1/working-groups/{id}/members", access::any_token, list_members);
    add_resource_routes<venue_traits>(r, "venues");
}

} // namespace copsched::server
