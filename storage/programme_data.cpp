// Programme data on SQLite: programmes, organisations, people, working groups and their
// memberships, venues, and the demo programme's seed. The error semantics are the
// contract in scheduler/store/programme_store.hpp.
//
// Every write runs inside the caller's savepoint on the single writer connection, so a
// check (existence, version, uniqueness, references) and the write that follows it see
// the same data. The UNIQUE and FOREIGN KEY constraints stay as the safety net: a
// violation the checks missed still becomes errc::conflict through to_error.
#include "storage/sql_store.hpp"

#include "storage/sql_store_internal.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace copsched::storage {

using detail::guarded;
using detail::person_columns;
using detail::read_person;
using detail::stale;
using scheduler::errc;
using scheduler::error;
using scheduler::expected_version;
using scheduler::page;
using scheduler::page_request;
using scheduler::result;
using scheduler::status;

namespace {

// --- errors -----------------------------------------------------------------------------

error missing(std::string_view what, const std::string& id) {
    return {errc::not_found, "No " + std::string(what) + " with id '" + id + "'.", {}};
}

error duplicate(std::string field, std::string detail) {
    return {errc::conflict, std::move(detail), {{std::move(field), "is already in use in this programme"}}};
}

// --- small queries ------------------------------------------------------------------------

template <class... A>
bool exists(connection& db, const char* sql, const A&... args) {
    auto s = db.prepare(sql);
    s.bind_all(args...);
    return s.step();
}

status require_programme(connection& db, const std::string& programme_id) {
    if (!exists(db, "SELECT 1 FROM programmes WHERE id = ?", programme_id)) return missing("programme", programme_id);
    return scheduler::ok();
}

// The stored row an update or delete applies to, after the contract's checks: unknown
// id -> not_found; `expected` set and different -> precondition_failed.
struct stored_row {
    std::string programme_id;
    std::int64_t version = 0;
};

// `sql` selects (programme_id, version) of one row by id.
result<stored_row> current_row(connection& db, const char* sql, std::string_view what, const std::string& id,
                               expected_version expected) {
    auto s = db.prepare(sql);
    s.bind(1, id);
    if (!s.step()) return missing(what, id);
    stored_row row{s.text(0), s.integer(1)};
    if (expected && *expected != row.version) return stale(row.version);
    return row;
}

// An UPDATE or DELETE guarded by id and version changed nothing although current_row
// accepted it a moment ago; report what the row looks like now.
error no_change(connection& db, const char* sql, std::string_view what, const std::string& id,
                expected_version expected) {
    auto row = current_row(db, sql, what, id, expected);
    if (!row) return row.err();
    return {errc::internal, "The " + std::string(what) + " '" + id + "' was not changed.", {}};
}

// One kind of row that refers to the object being deleted.
struct reference {
    const char* count_sql; // SELECT COUNT(*) ... WHERE <column> = ?
    const char* one;
    const char* many;
};

// "2 memberships and 1 API token"; empty when nothing refers to `id`.
std::string references_to(connection& db, std::initializer_list<reference> kinds, const std::string& id) {
    std::vector<std::string> parts;
    for (const auto& k : kinds) {
        auto s = db.prepare(k.count_sql);
        s.bind(1, id);
        s.step();
        if (const auto n = s.integer(0); n > 0) parts.push_back(std::to_string(n) + " " + (n == 1 ? k.one : k.many));
    }
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += i + 1 == parts.size() ? " and " : ", ";
        out += parts[i];
    }
    return out;
}

error still_referenced(std::string_view what, const std::string& by, std::string_view instead) {
    return {errc::conflict,
            "The " + std::string(what) + " cannot be deleted: it is still referred to by " + by + ". " +
                std::string(instead),
            {}};
}

// --- pagination ---------------------------------------------------------------------------

// Ids are never empty, so "id > ''" starts at the beginning.
std::string after(const page_request& pr) { return pr.after.value_or(""); }

// One row more than the page, to learn whether another page follows.
std::int64_t fetch_limit(const page_request& pr) {
    // A zero limit would never advance; the caller clamps the real bounds.
    const auto limit = std::clamp<std::size_t>(pr.limit, 1, std::numeric_limits<std::int32_t>::max());
    return static_cast<std::int64_t>(limit) + 1;
}

template <class T, class Read>
page<T> read_page(statement& s, const page_request& pr, Read read) {
    const auto limit = static_cast<std::size_t>(fetch_limit(pr) - 1);
    page<T> out;
    while (s.step()) {
        if (out.items.size() == limit) {
            out.next_cursor = out.items.back().id;
            break;
        }
        out.items.push_back(read(s));
    }
    return out;
}

template <class E>
std::optional<std::string_view> name_of(const std::optional<E>& v) {
    if (!v) return std::nullopt;
    return scheduler::to_string(*v);
}

template <class T>
result<T> get_by_id(connection& db, const char* sql, std::string_view what, const std::string& id,
                    T (*read)(statement&)) {
    auto s = db.prepare(sql);
    s.bind(1, id);
    if (!s.step()) return missing(what, id);
    return read(s);
}

// --- rows ---------------------------------------------------------------------------------

constexpr const char* organisation_columns = "id, programme_id, name, kind, level, version, created_at, updated_at";

scheduler::organisation read_organisation(statement& s) {
    scheduler::organisation o;
    o.id = s.text(0);
    o.programme_id = s.text(1);
    o.name = s.text(2);
    o.kind =
        scheduler::parse<scheduler::organisation_kind>(s.text(3)).value_or(scheduler::organisation_kind::government);
    o.level =
        scheduler::parse<scheduler::organisation_level>(s.text(4)).value_or(scheduler::organisation_level::starter);
    o.version = static_cast<int>(s.integer(5));
    o.created_at = s.text(6);
    o.updated_at = s.text(7);
    return o;
}

constexpr const char* working_group_columns =
    "id, programme_id, slug, name, description, archived_at, version, created_at, updated_at";

scheduler::working_group read_working_group(statement& s) {
    scheduler::working_group g;
    g.id = s.text(0);
    g.programme_id = s.text(1);
    g.slug = s.text(2);
    g.name = s.text(3);
    g.description = s.text(4);
    g.archived_at = s.optional_text(5);
    g.version = static_cast<int>(s.integer(6));
    g.created_at = s.text(7);
    g.updated_at = s.text(8);
    return g;
}

scheduler::membership read_membership(statement& s) {
    scheduler::membership m;
    m.id = s.text(0);
    m.working_group_id = s.text(1);
    m.person_id = s.text(2);
    m.role = scheduler::parse<scheduler::membership_role>(s.text(3)).value_or(scheduler::membership_role::member);
    m.from = s.text(4);
    m.until = s.optional_text(5);
    m.created_at = s.text(6);
    return m;
}

constexpr const char* venue_columns = "id, programme_id, name, address, capacity, version, created_at, updated_at";

scheduler::venue read_venue(statement& s) {
    scheduler::venue v;
    v.id = s.text(0);
    v.programme_id = s.text(1);
    v.name = s.text(2);
    v.address = s.text(3);
    v.capacity = static_cast<int>(s.integer(4));
    v.version = static_cast<int>(s.integer(5));
    v.created_at = s.text(6);
    v.updated_at = s.text(7);
    return v;
}

// --- uniqueness checks (within a programme; `self` is excluded so an update may keep its value) ---

status organisation_name_free(connection& db, const std::string& programme_id, const std::string& name,
                              const std::string& self) {
    if (exists(db, "SELECT 1 FROM organisations WHERE programme_id = ? AND name = ? AND id <> ?", programme_id, name,
               self))
        return duplicate("name", "An organisation named '" + name + "' already exists in this programme.");
    return scheduler::ok();
}

status person_email_free(connection& db, const std::string& programme_id, const std::string& email,
                         const std::string& self) {
    if (exists(db, "SELECT 1 FROM people WHERE programme_id = ? AND email = ? AND id <> ?", programme_id, email, self))
        return duplicate("email", "A person with e-mail address '" + email + "' already exists in this programme.");
    return scheduler::ok();
}

status organisation_in_programme(connection& db, const std::string& organisation_id, const std::string& programme_id) {
    if (!exists(db, "SELECT 1 FROM organisations WHERE id = ? AND programme_id = ?", organisation_id, programme_id))
        return error::invalid("organisation_id", "no such organisation in this programme");
    return scheduler::ok();
}

} // namespace

namespace detail {

std::string rules_to_json(const scheduler::meeting_rules& r) {
    boost::json::array days;
    for (const auto& d : r.weekdays) days.emplace_back(d);
    return boost::json::serialize(boost::json::object{
        {"per_year", r.per_year},
        {"weekdays", std::move(days)},
        {"start_time", r.start_time},
        {"duration_minutes", r.duration_minutes},
        {"min_gap_days", r.min_gap_days},
        {"school_holiday_regions",
         r.school_holiday_regions ? boost::json::value_from(*r.school_holiday_regions) : boost::json::value(nullptr)},
        {"school_holidays", scheduler::to_string(r.school_holidays)},
    });
}

std::string holidays_to_json(const scheduler::holiday_settings& h) {
    boost::json::object o;
    if (h.country) o["country"] = *h.country;
    if (h.subdivision) o["subdivision"] = *h.subdivision;
    return boost::json::serialize(o);
}

scheduler::holiday_settings holidays_from_json(const std::string& text) {
    scheduler::holiday_settings h;
    boost::system::error_code ec;
    const auto v = boost::json::parse(text, ec);
    const auto* o = v.if_object();
    if (ec || !o) return h;
    if (const auto* x = o->if_contains("country"); x && x->is_string()) h.country = x->get_string().c_str();
    if (const auto* x = o->if_contains("subdivision"); x && x->is_string()) h.subdivision = x->get_string().c_str();
    return h;
}

scheduler::meeting_rules rules_from_json(const std::string& text) {
    scheduler::meeting_rules r;
    boost::system::error_code ec;
    const auto v = boost::json::parse(text, ec);
    const auto* o = v.if_object();
    if (ec || !o) return r;
    auto number = [&](const char* key, int& out) {
        if (const auto* x = o->if_contains(key); x && x->is_int64()) out = static_cast<int>(x->get_int64());
    };
    number("per_year", r.per_year);
    number("duration_minutes", r.duration_minutes);
    number("min_gap_days", r.min_gap_days);
    if (const auto* x = o->if_contains("start_time"); x && x->is_string()) r.start_time = x->get_string().c_str();
    if (const auto* x = o->if_contains("weekdays"); x && x->is_array()) {
        r.weekdays.clear();
        for (const auto& d : x->get_array())
            if (d.is_string()) r.weekdays.emplace_back(d.get_string().c_str());
    }
    if (const auto* x = o->if_contains("school_holiday_regions"); x && x->is_array()) {
        std::vector<std::string> regions;
        for (const auto& d : x->get_array())
            if (d.is_string()) regions.emplace_back(d.get_string().c_str());
        r.school_holiday_regions = std::move(regions);
    }
    if (const auto* x = o->if_contains("school_holidays"); x && x->is_string())
        r.school_holidays = scheduler::parse<scheduler::school_holiday_mode>(x->get_string().c_str())
                                .value_or(scheduler::school_holiday_mode::avoid);
    return r;
}

std::string mail_to_json(const scheduler::mail_settings& m) {
    auto days = [](const std::vector<int>& v) {
        boost::json::array a;
        for (int d : v) a.emplace_back(d);
        return a;
    };
    return boost::json::serialize(boost::json::object{
        {"enabled", m.enabled},
        {"sender_name", m.sender_name},
        {"sender_email", m.sender_email},
        {"reply_address", m.reply_address},
        {"reminder_time", m.reminder_time},
        {"reminder_days", boost::json::object{{"cop_meeting", days(m.cop_meeting_days)},
                                              {"working_group_session", days(m.session_days)},
                                              {"other", days(m.other_days)}}},
    });
}

scheduler::mail_settings mail_from_json(const std::string& text) {
    scheduler::mail_settings m;
    boost::system::error_code ec;
    const auto v = boost::json::parse(text, ec);
    const auto* o = v.if_object();
    if (ec || !o) return m;
    if (const auto* x = o->if_contains("enabled"); x && x->is_bool()) m.enabled = x->get_bool();
    auto str = [&](const char* key, std::string& out) {
        if (const auto* x = o->if_contains(key); x && x->is_string()) out = x->get_string().c_str();
    };
    str("sender_name", m.sender_name);
    str("sender_email", m.sender_email);
    str("reply_address", m.reply_address);
    str("reminder_time", m.reminder_time);
    if (const auto* d = o->if_contains("reminder_days"); d && d->is_object()) {
        auto days = [&](const char* key, std::vector<int>& out) {
            const auto* x = d->get_object().if_contains(key);
            if (!x || !x->is_array()) return;
            out.clear();
            for (const auto& n : x->get_array())
                if (n.is_int64()) out.push_back(static_cast<int>(n.get_int64()));
        };
        days("cop_meeting", m.cop_meeting_days);
        days("working_group_session", m.session_days);
        days("other", m.other_days);
    }
    return m;
}

scheduler::programme read_programme(statement& s) {
    scheduler::programme p;
    p.id = s.text(0);
    p.slug = s.text(1);
    p.name = s.text(2);
    p.timezone = s.text(3);
    p.lang = scheduler::parse<scheduler::language>(s.text(4)).value_or(scheduler::language::nl);
    p.starts_on = s.text(5);
    p.ends_on = s.text(6);
    p.rules = rules_from_json(s.text(7));
    p.feeds_public = s.integer(8) != 0;
    p.created_at = s.text(9);
    p.updated_at = s.text(10);
    p.version = static_cast<int>(s.integer(11));
    p.mail = mail_from_json(s.text(12));
    p.holidays = holidays_from_json(s.text(13));
    p.approval =
        scheduler::parse<scheduler::membership_approval>(s.text(14)).value_or(scheduler::membership_approval::none);
    return p;
}

scheduler::person read_person(statement& s) {
    scheduler::person p;
    p.id = s.text(0);
    p.programme_id = s.text(1);
    p.organisation_id = s.text(2);
    p.name = s.text(3);
    p.email = s.text(4);
    p.role = scheduler::parse<scheduler::person_role>(s.text(5)).value_or(scheduler::person_role::other);
    p.lang = scheduler::parse<scheduler::language>(s.text(6)).value_or(scheduler::language::nl);
    p.active = s.integer(7) != 0;
    p.feed_generation = static_cast<int>(s.integer(8));
    p.version = static_cast<int>(s.integer(9));
    p.created_at = s.text(10);
    p.updated_at = s.text(11);
    p.reminders_opt_out = s.integer(12) != 0;
    return p;
}

} // namespace detail

// --- programmes ---------------------------------------------------------------------------

result<std::vector<scheduler::programme>> sql_store::list_programmes() {
    return guarded([&]() -> result<std::vector<scheduler::programme>> {
        static const std::string sql =
            std::string("SELECT ") + detail::programme_columns + " FROM programmes ORDER BY slug";
        auto s = db_.prepare(sql.c_str());
        std::vector<scheduler::programme> out;
        while (s.step()) out.push_back(detail::read_programme(s));
        return out;
    });
}

result<scheduler::programme> sql_store::get_programme(const std::string& slug) {
    return guarded([&]() -> result<scheduler::programme> {
        static const std::string sql =
            std::string("SELECT ") + detail::programme_columns + " FROM programmes WHERE slug = ?";
        auto s = db_.prepare(sql.c_str());
        s.bind(1, slug);
        if (!s.step()) return error{errc::not_found, "No programme with slug '" + slug + "'.", {}};
        return detail::read_programme(s);
    });
}

result<std::size_t> sql_store::count_programmes() {
    return guarded([&]() -> result<std::size_t> {
        auto s = db_.prepare("SELECT COUNT(*) FROM programmes");
        s.step();
        return static_cast<std::size_t>(s.integer(0));
    });
}

result<scheduler::programme> sql_store::create_programme(const scheduler::programme& p, const std::string& now) {
    return guarded([&]() -> result<scheduler::programme> {
        if (exists(db_, "SELECT 1 FROM programmes WHERE slug = ?", p.slug))
            return error{errc::conflict,
                         "A programme with slug '" + p.slug + "' already exists.",
                         {{"slug", "is already in use"}}};
        const auto id = new_id("prg");
        db_.prepare("INSERT INTO programmes(id, slug, name, timezone, language, starts_on, ends_on, meeting_rules, "
                    "feeds_public, created_at, updated_at, version, mail, holidays, membership_approval) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)")
            .bind_all(id, p.slug, p.name, p.timezone, scheduler::to_string(p.lang), p.starts_on, p.ends_on,
                      detail::rules_to_json(p.rules), p.feeds_public, now, now, detail::mail_to_json(p.mail),
                      detail::holidays_to_json(p.holidays), scheduler::to_string(p.approval))
            .run();
        return get_programme_by_id(id);
    });
}

result<scheduler::programme> sql_store::get_programme_by_id(const std::string& id) {
    return guarded([&]() -> result<scheduler::programme> {
        static const std::string sql =
            std::string("SELECT ") + detail::programme_columns + " FROM programmes WHERE id = ?";
        return get_by_id(db_, sql.c_str(), "programme", id, &detail::read_programme);
    });
}

// The slug is the programme's public name in URLs and calendar feeds that people have
// subscribed to, so it never changes: p.slug is ignored, like the stored version and
// timestamps.
result<scheduler::programme> sql_store::update_programme(const scheduler::programme& p, expected_version expected,
                                                         const std::string& now) {
    return guarded([&]() -> result<scheduler::programme> {
        static constexpr const char* row_sql = "SELECT id, version FROM programmes WHERE id = ?";
        if (auto row = current_row(db_, row_sql, "programme", p.id, expected); !row) return row.err();
        auto before = get_programme_by_id(p.id);
        if (!before) return before.err();
        db_.prepare("UPDATE programmes SET name = ?, timezone = ?, language = ?, starts_on = ?, ends_on = ?, "
                    "meeting_rules = ?, feeds_public = ?, mail = ?, holidays = ?, membership_approval = ?, "
                    "version = version + 1, updated_at = ? WHERE id = ? AND (? IS NULL OR version = ?)")
            .bind_all(p.name, p.timezone, scheduler::to_string(p.lang), p.starts_on, p.ends_on,
                      detail::rules_to_json(p.rules), p.feeds_public, detail::mail_to_json(p.mail),
                      detail::holidays_to_json(p.holidays), scheduler::to_string(p.approval), now, p.id, expected,
                      expected)
            .run();
        if (db_.changes() == 0) return no_change(db_, row_sql, "programme", p.id, expected);
        if (before->mail != p.mail || before->timezone != p.timezone)
            detail::note_programme_outbox_change(db_, p.id, now);
        return get_programme_by_id(p.id);
    });
}

// --- organisations ------------------------------------------------------------------------

result<scheduler::organisation> sql_store::create_organisation(const scheduler::organisation& o,
                                                               const std::string& now) {
    return guarded([&]() -> result<scheduler::organisation> {
        if (auto st = require_programme(db_, o.programme_id); !st) return st.err();
        if (auto st = organisation_name_free(db_, o.programme_id, o.name, ""); !st) return st.err();
        const auto id = new_id("org");
        db_.prepare("INSERT INTO organisations(id, programme_id, name, kind, level, created_at, updated_at, version) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 1)")
            .bind_all(id, o.programme_id, o.name, scheduler::to_string(o.kind), scheduler::to_string(o.level), now, now)
            .run();
        return get_organisation(id);
    });
}

result<scheduler::organisation> sql_store::get_organisation(const std::string& id) {
    return guarded([&]() -> result<scheduler::organisation> {
        static const std::string sql =
            std::string("SELECT ") + organisation_columns + " FROM organisations WHERE id = ?";
        return get_by_id(db_, sql.c_str(), "organisation", id, &read_organisation);
    });
}

result<page<scheduler::organisation>> sql_store::list_organisations(const std::string& programme_id,
                                                                    const scheduler::organisation_filter& f,
                                                                    const page_request& pr) {
    return guarded([&]() -> result<page<scheduler::organisation>> {
        static const std::string sql = std::string("SELECT ") + organisation_columns +
                                       " FROM organisations WHERE programme_id = ? AND id > ?"
                                       " AND (? IS NULL OR kind = ?) AND (? IS NULL OR level = ?) ORDER BY id LIMIT ?";
        auto s = db_.prepare(sql.c_str());
        const auto kind = name_of(f.kind);
        const auto level = name_of(f.level);
        s.bind_all(programme_id, after(pr), kind, kind, level, level, fetch_limit(pr));
        return read_page<scheduler::organisation>(s, pr, &read_organisation);
    });
}

// The programme_id never changes: o.programme_id is ignored.
result<scheduler::organisation> sql_store::update_organisation(const scheduler::organisation& o,
                                                               expected_version expected, const std::string& now) {
    return guarded([&]() -> result<scheduler::organisation> {
        static constexpr const char* row_sql = "SELECT programme_id, version FROM organisations WHERE id = ?";
        auto row = current_row(db_, row_sql, "organisation", o.id, expected);
        if (!row) return row.err();
        if (auto st = organisation_name_free(db_, row->programme_id, o.name, o.id); !st) return st.err();
        db_.prepare("UPDATE organisations SET name = ?, kind = ?, level = ?, version = version + 1, updated_at = ? "
                    "WHERE id = ? AND (? IS NULL OR version = ?)")
            .bind_all(o.name, scheduler::to_string(o.kind), scheduler::to_string(o.level), now, o.id, expected,
                      expected)
            .run();
        if (db_.changes() == 0) return no_change(db_, row_sql, "organisation", o.id, expected);
        return get_organisation(o.id);
    });
}

status sql_store::delete_organisation(const std::string& id, expected_version expected) {
    return guarded([&]() -> status {
        static constexpr const char* row_sql = "SELECT programme_id, version FROM organisations WHERE id = ?";
        if (auto row = current_row(db_, row_sql, "organisation", id, expected); !row) return row.err();
        const auto refs =
            references_to(db_, {{"SELECT COUNT(*) FROM people WHERE organisation_id = ?", "person", "people"}}, id);
        if (!refs.empty())
            return still_referenced("organisation", refs,
                                    "Move them to another organisation first, or keep the organisation.");
        db_.prepare("DELETE FROM organisations WHERE id = ? AND (? IS NULL OR version = ?)")
            .bind_all(id, expected, expected)
            .run();
        if (db_.changes() == 0) return no_change(db_, row_sql, "organisation", id, expected);
        return scheduler::ok();
    });
}

// --- people -------------------------------------------------------------------------------

result<scheduler::person> sql_store::create_person(const scheduler::person& p, const std::string& now) {
    return guarded([&]() -> result<scheduler::person> {
        if (auto st = require_programme(db_, p.programme_id); !st) return st.err();
        if (auto st = organisation_in_programme(db_, p.organisation_id, p.programme_id); !st) return st.err();
        if (auto st = person_email_free(db_, p.programme_id, p.email, ""); !st) return st.err();
        const auto id = new_id("per");
        db_.prepare("INSERT INTO people(id, programme_id, organisation_id, name, email, role, language, active, "
                    "created_at, updated_at, version, reminders_opt_out) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)")
            .bind_all(id, p.programme_id, p.organisation_id, p.name, p.email, scheduler::to_string(p.role),
                      scheduler::to_string(p.lang), p.active, now, now, p.reminders_opt_out)
            .run();
        if (p.active) detail::note_outbox_change(db_, "", id);
        return get_person(id);
    });
}

result<scheduler::person> sql_store::get_person(const std::string& id) {
    return guarded([&]() -> result<scheduler::person> {
        static const std::string sql = std::string("SELECT ") + person_columns + " FROM people WHERE id = ?";
        return get_by_id(db_, sql.c_str(), "person", id, &read_person);
    });
}

result<page<scheduler::person>> sql_store::list_people(const std::string& programme_id,
                                                       const scheduler::person_filter& f, const page_request& pr) {
    return guarded([&]() -> result<page<scheduler::person>> {
        static const std::string sql = std::string("SELECT ") + person_columns +
                                       " FROM people WHERE programme_id = ? AND id > ?"
                                       " AND (? IS NULL OR organisation_id = ?) AND (? IS NULL OR role = ?)"
                                       " AND (? IS NULL OR email = ?) ORDER BY id LIMIT ?";
        auto s = db_.prepare(sql.c_str());
        const auto role = name_of(f.role);
        s.bind_all(programme_id, after(pr), f.organisation_id, f.organisation_id, role, role, f.email, f.email,
                   fetch_limit(pr));
        return read_page<scheduler::person>(s, pr, &read_person);
    });
}

// The programme_id never changes, and the feed token has its own setter (set_feed_token):
// p.programme_id and p.feed_generation are ignored.
result<scheduler::person> sql_store::update_person(const scheduler::person& p, expected_version expected,
                                                   const std::string& now) {
    return guarded([&]() -> result<scheduler::person> {
        static constexpr const char* row_sql = "SELECT programme_id, version FROM people WHERE id = ?";
        auto row = current_row(db_, row_sql, "person", p.id, expected);
        if (!row) return row.err();
        if (auto st = organisation_in_programme(db_, p.organisation_id, row->programme_id); !st) return st.err();
        if (auto st = person_email_free(db_, row->programme_id, p.email, p.id); !st) return st.err();
        auto before = get_person(p.id);
        if (!before) return before.err();
        db_.prepare("UPDATE people SET organisation_id = ?, name = ?, email = ?, role = ?, language = ?, active = ?, "
                    "reminders_opt_out = ?, version = version + 1, updated_at = ? "
                    "WHERE id = ? AND (? IS NULL OR version = ?)")
            .bind_all(p.organisation_id, p.name, p.email, scheduler::to_string(p.role), scheduler::to_string(p.lang),
                      p.active, p.reminders_opt_out, now, p.id, expected, expected)
            .run();
        if (db_.changes() == 0) return no_change(db_, row_sql, "person", p.id, expected);
        if (before->active != p.active || before->reminders_opt_out != p.reminders_opt_out)
            detail::note_outbox_change(db_, "", p.id);
        return get_person(p.id);
    });
}

status sql_store::delete_person(const std::string& id, expected_version expected) {
    return guarded([&]() -> status {
        static constexpr const char* row_sql = "SELECT programme_id, version FROM people WHERE id = ?";
        if (auto row = current_row(db_, row_sql, "person", id, expected); !row) return row.err();
        const auto refs = references_to(
            db_,
            {{"SELECT COUNT(*) FROM memberships WHERE person_id = ?", "membership", "memberships"},
             {"SELECT COUNT(*) FROM attendance WHERE person_id = ?", "attendance record", "attendance records"},
             {"SELECT COUNT(*) FROM reminders WHERE person_id = ? AND state IN ('sent','leased')", "e-mail sent",
              "e-mails sent"},
             {"SELECT COUNT(*) FROM api_tokens WHERE person_id = ?", "API token", "API tokens"}},
            id);
        if (!refs.empty()) return still_referenced("person", refs, "Set the person inactive instead.");
        // Busy times are availability imported from the person's own calendar, not
        // history: they go with the person.
        db_.prepare("DELETE FROM busy_times WHERE person_id = ?").bind_all(id).run();
        if (auto st = detail::forget_unsent_messages(db_, "person_id", id); !st) return st.err();
        db_.prepare("DELETE FROM people WHERE id = ? AND (? IS NULL OR version = ?)")
            .bind_all(id, expected, expected)
            .run();
        if (db_.changes() == 0) return no_change(db_, row_sql, "person", id, expected);
        return scheduler::ok();
    });
}

// --- working groups -----------------------------------------------------------------------

result<scheduler::working_group> sql_store::create_working_group(const scheduler::working_group& g,
                                                                 const std::string& now) {
    return guarded([&]() -> result<scheduler::working_group> {
        if (auto st = require_programme(db_, g.programme_id); !st) return st.err();
        if (exists(db_, "SELECT 1 FROM working_groups WHERE programme_id = ? AND slug = ?", g.programme_id, g.slug))
            return duplicate("slug", "A working group with slug '" + g.slug + "' already exists in this programme.");
        const auto id = new_id("wg");
        // A new group is never archived: g.archived_at is ignored like the other stored fields.
        db_.prepare(
               "INSERT INTO working_groups(id, programme_id, slug, name, description, created_at, updated_at, version) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, 1)")
            .bind_all(id, g.programme_id, g.slug, g.name, g.description, now, now)
            .run();
        return get_working_group(id);
    });
}

result<scheduler::working_group> sql_store::get_working_group(const std::string& id) {
    return guarded([&]() -> result<scheduler::working_group> {
        static const std::string sql =
            std::string("SELECT ") + working_group_columns + " FROM working_groups WHERE id = ?";
        return get_by_id(db_, sql.c_str(), "working group", id, &read_working_group);
    });
}

result<page<scheduler::working_group>> sql_store::list_working_groups(const std::string& programme_id,
                                                                      const scheduler::working_group_filter& f,
                                                                      const page_request& pr) {
    return guarded([&]() -> result<page<scheduler::working_group>> {
        static const std::string sql = std::string("SELECT ") + working_group_columns +
                                       " FROM working_groups WHERE programme_id = ? AND id > ?"
                                       " AND (? = 1 OR archived_at IS NULL) ORDER BY id LIMIT ?";
        auto s = db_.prepare(sql.c_str());
        s.bind_all(programme_id, after(pr), f.include_archived, fetch_limit(pr));
        return read_page<scheduler::working_group>(s, pr, &read_working_group);
    });
}

// The slug names the group's calendar feed that people have subscribed to, and the
// programme_id never changes: g.slug, g.programme_id and g.archived_at (see
// archive_working_group) are ignored.
result<scheduler::working_group> sql_store::update_working_group(const scheduler::working_group& g,
                                                                 expected_version expected, const std::string& now) {
    return guarded([&]() -> result<scheduler::working_group> {
        static constexpr const char* row_sql = "SELECT programme_id, version FROM working_groups WHERE id = ?";
        if (auto row = current_row(db_, row_sql, "working group", g.id, expected); !row) return row.err();
        db_.prepare("UPDATE working_groups SET name = ?, description = ?, version = version + 1, updated_at = ? "
                    "WHERE id = ? AND (? IS NULL OR version = ?)")
            .bind_all(g.name, g.description, now, g.id, expected, expected)
            .run();
        if (db_.changes() == 0) return no_change(db_, row_sql, "working group", g.id, expected);
        return get_working_group(g.id);
    });
}

result<scheduler::working_group> sql_store::archive_working_group(const std::string& id, expected_version expected,
                                                                  const std::string& now) {
    return guarded([&]() -> result<scheduler::working_group> {
        static constexpr const char* row_sql = "SELECT programme_id, version FROM working_groups WHERE id = ?";
        if (auto row = current_row(db_, row_sql, "working group", id, expected); !row) return row.err();
        db_.prepare("UPDATE working_groups SET archived_at = COALESCE(archived_at, ?), version = version + 1, "
                    "updated_at = ? WHERE id = ? AND (? IS NULL OR version = ?)")
            .bind_all(now, now, id, expected, expected)
            .run();
        if (db_.changes() == 0) return no_change(db_, row_sql, "working group", id, expected);
        return get_working_group(id);
    });
}

status sql_store::delete_working_group(const std::string& id, expected_version expected) {
    return guarded([&]() -> status {
        static constexpr const char* row_sql = "SELECT programme_id, version FROM working_groups WHERE id = ?";
        if (auto row = current_row(db_, row_sql, "working group", id, expected); !row) return row.err();
        const auto refs = references_to(
            db_,
            {{"SELECT COUNT(*) FROM memberships WHERE working_group_id = ?", "membership", "memberships"},
             {"SELECT COUNT(*) FROM events WHERE working_group_id = ?", "event", "events"},
             {"SELECT COUNT(*) FROM api_token_working_groups WHERE working_group_id = ?", "API token", "API tokens"}},
            id);
        if (!refs.empty()) return still_referenced("working group", refs, "Archive it instead.");
        db_.prepare("DELETE FROM working_groups WHERE id = ? AND (? IS NULL OR version = ?)")
            .bind_all(id, expected, expected)
            .run();
        if (db_.changes() == 0) return no_change(db_, row_sql, "working group", id, expected);
        return scheduler::ok();
    });
}

// --- memberships --------------------------------------------------------------------------

result<scheduler::membership> sql_store::create_membership(const scheduler::membership& m, const std::string& now) {
    return guarded([&]() -> result<scheduler::membership> {
        std::string programme_id;
        {
            auto s = db_.prepare("SELECT programme_id FROM working_groups WHERE id = ?");
            s.bind(1, m.working_group_id);
            if (!s.step()) return missing("working group", m.working_group_id);
            programme_id = s.text(0);
        }
        // Dates are YYYY-MM-DD, so text order is date order.
        if (m.until && *m.until < m.from) return error::invalid("until", "must not be before from");
        if (!exists(db_, "SELECT 1 FROM people WHERE id = ? AND programme_id = ?", m.person_id, programme_id))
            return error::invalid("person_id", "no such person in this working group's programme");
        // Two inclusive ranges overlap when each starts before the other ends; an open end
        // is later than any date.
        if (exists(db_,
                   "SELECT 1 FROM memberships WHERE working_group_id = ? AND person_id = ? "
                   "AND valid_from <= COALESCE(?, '9999-12-31') AND COALESCE(valid_until, '9999-12-31') >= ?",
                   m.working_group_id, m.person_id, m.until, m.from))
            return error{errc::conflict,
                         "The person already has a membership of this working group in that period.",
                         {{"from", "overlaps an existing membership"}}};
        scheduler::membership out = m;
        out.id = new_id("mem");
        out.created_at = now;
        db_.prepare(
               "INSERT INTO memberships(id, working_group_id, person_id, role, valid_from, valid_until, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind_all(out.id, out.working_group_id, out.person_id, scheduler::to_string(out.role), out.from, out.until,
                      now)
            .run();
        detail::note_outbox_change(db_, "", out.person_id);
        return out;
    });
}

result<std::vector<scheduler::membership>> sql_store::list_memberships(const std::string& working_group_id) {
    return guarded([&]() -> result<std::vector<scheduler::membership>> {
        if (!exists(db_, "SELECT 1 FROM working_groups WHERE id = ?", working_group_id))
            return missing("working group", working_group_id);
        auto s = db_.prepare("SELECT id, working_group_id, person_id, role, valid_from, valid_until, created_at "
                             "FROM memberships WHERE working_group_id = ? ORDER BY person_id, valid_from");
        s.bind(1, working_group_id);
        std::vector<scheduler::membership> out;
        while (s.step()) out.push_back(read_membership(s));
        return out;
    });
}

result<scheduler::membership> sql_store::get_membership(const std::string& id) {
    return guarded([&]() -> result<scheduler::membership> {
        auto s = db_.prepare("SELECT id, working_group_id, person_id, role, valid_from, valid_until, created_at "
                             "FROM memberships WHERE id = ?");
        s.bind(1, id);
        if (!s.step()) return missing("membership", id);
        return read_membership(s);
    });
}

// Memberships have no version or updated_at: `now` is not stored.
result<scheduler::membership> sql_store::update_membership(const scheduler::membership& m, const std::string&) {
    return guarded([&]() -> result<scheduler::membership> {
        auto cur = get_membership(m.id);
        if (!cur) return cur.err();
        if (m.until && *m.until < cur->from) return error::invalid("until", "must not be before from");
        if (exists(db_,
                   "SELECT 1 FROM memberships WHERE working_group_id = ? AND person_id = ? AND id <> ? "
                   "AND valid_from <= COALESCE(?, '9999-12-31') AND COALESCE(valid_until, '9999-12-31') >= ?",
                   cur->working_group_id, cur->person_id, m.id, m.until, cur->from))
            return error{errc::conflict,
                         "The person already has a membership of this working group in that period.",
                         {{"until", "overlaps another membership"}}};
        db_.prepare("UPDATE memberships SET role = ?, valid_until = ? WHERE id = ?")
            .bind_all(scheduler::to_string(m.role), m.until, m.id)
            .run();
        detail::note_outbox_change(db_, "", cur->person_id);
        return get_membership(m.id);
    });
}

// --- venues -------------------------------------------------------------------------------

result<scheduler::venue> sql_store::create_venue(const scheduler::venue& v, const std::string& now) {
    return guarded([&]() -> result<scheduler::venue> {
        if (auto st = require_programme(db_, v.programme_id); !st) return st.err();
        const auto id = new_id("ven");
        db_.prepare("INSERT INTO venues(id, programme_id, name, address, capacity, created_at, updated_at, version) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 1)")
            .bind_all(id, v.programme_id, v.name, v.address, v.capacity, now, now)
            .run();
        return get_venue(id);
    });
}

result<scheduler::venue> sql_store::get_venue(const std::string& id) {
    return guarded([&]() -> result<scheduler::venue> {
        static const std::string sql = std::string("SELECT ") + venue_columns + " FROM venues WHERE id = ?";
        return get_by_id(db_, sql.c_str(), "venue", id, &read_venue);
    });
}

result<page<scheduler::venue>> sql_store::list_venues(const std::string& programme_id, const page_request& pr) {
    return guarded([&]() -> result<page<scheduler::venue>> {
        static const std::string sql = std::string("SELECT ") + venue_columns +
                                       " FROM venues WHERE programme_id = ? AND id > ? ORDER BY id LIMIT ?";
        auto s = db_.prepare(sql.c_str());
        s.bind_all(programme_id, after(pr), fetch_limit(pr));
        return read_page<scheduler::venue>(s, pr, &read_venue);
    });
}

// The programme_id never changes: v.programme_id is ignored.
result<scheduler::venue> sql_store::update_venue(const scheduler::venue& v, expected_version expected,
                                                 const std::string& now) {
    return guarded([&]() -> result<scheduler::venue> {
        static constexpr const char* row_sql = "SELECT programme_id, version FROM venues WHERE id = ?";
        if (auto row = current_row(db_, row_sql, "venue", v.id, expected); !row) return row.err();
        db_.prepare("UPDATE venues SET name = ?, address = ?, capacity = ?, version = version + 1, updated_at = ? "
                    "WHERE id = ? AND (? IS NULL OR version = ?)")
            .bind_all(v.name, v.address, v.capacity, now, v.id, expected, expected)
            .run();
        if (db_.changes() == 0) return no_change(db_, row_sql, "venue", v.id, expected);
        return get_venue(v.id);
    });
}

status sql_store::delete_venue(const std::string& id, expected_version expected) {
    return guarded([&]() -> status {
        static constexpr const char* row_sql = "SELECT programme_id, version FROM venues WHERE id = ?";
        if (auto row = current_row(db_, row_sql, "venue", id, expected); !row) return row.err();
        const auto refs =
            references_to(db_, {{"SELECT COUNT(*) FROM events WHERE venue_id = ?", "event", "events"}}, id);
        if (!refs.empty()) return still_referenced("venue", refs, "Keep the venue: its events still need it.");
        db_.prepare("DELETE FROM venues WHERE id = ? AND (? IS NULL OR version = ?)")
            .bind_all(id, expected, expected)
            .run();
        if (db_.changes() == 0) return no_change(db_, row_sql, "venue", id, expected);
        return scheduler::ok();
    });
}

// --- the demo programme -------------------------------------------------------------------
// Written row by row without the create_* checks: the demo data is constant and valid.

namespace {

// Returns the new programme's id.
std::string insert_demo_programme(connection& db, const scheduler::programme& p, const std::string& now) {
    const auto pid = new_id("prg");
    db.prepare("INSERT INTO programmes(id, slug, name, timezone, language, starts_on, ends_on, meeting_rules, "
               "feeds_public, created_at, updated_at, holidays) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind_all(pid, p.slug, p.name, p.timezone, scheduler::to_string(p.lang), p.starts_on, p.ends_on,
                  detail::rules_to_json(p.rules), p.feeds_public, now, now, detail::holidays_to_json(p.holidays))
        .run();
    return pid;
}

// The demo's working groups as stored: slug -> id, in the demo's order.
using demo_group_ids = std::vector<std::pair<std::string, std::string>>;

demo_group_ids insert_demo_groups(connection& db, const std::string& pid,
                                  const std::vector<scheduler::working_group>& groups, const std::string& now) {
    demo_group_ids group_ids;
    for (const auto& g : groups) {
        const auto gid = new_id("wg");
        db.prepare("INSERT INTO working_groups(id, programme_id, slug, name, description, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind_all(gid, pid, g.slug, g.name, g.description, now, now)
            .run();
        group_ids.emplace_back(g.slug, gid);
    }
    return group_ids;
}

// Throws (and so seeds nothing) when the demo data names a group it does not have.
std::string demo_group_id(const demo_group_ids& group_ids, const std::string& slug) {
    for (const auto& [s, id] : group_ids)
        if (s == slug) return id;
    throw database_error(SQLITE_CONSTRAINT, "demo data names unknown working group " + slug);
}

// The person and their memberships from the programme's first day; the person's group
// role applies to the first group they are listed in, plain membership to the others.
void insert_demo_person(connection& db, const std::string& pid, const std::string& oid,
                        const scheduler::demo_person& person, const demo_group_ids& group_ids,
                        const std::string& starts_on, const std::string& now) {
    const auto person_id = new_id("per");
    db.prepare("INSERT INTO people(id, programme_id, organisation_id, name, email, role, language, "
               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind_all(person_id, pid, oid, person.name, person.email, scheduler::to_string(person.role),
                  scheduler::to_string(person.lang), now, now)
        .run();
    bool first = true;
    for (const auto& g : person.working_groups) {
        const auto role = first ? person.group_role : scheduler::membership_role::member;
        first = false;
        db.prepare("INSERT INTO memberships(id, working_group_id, person_id, role, valid_from, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)")
            .bind_all(new_id("mem"), demo_group_id(group_ids, g), person_id, scheduler::to_string(role), starts_on, now)
            .run();
    }
}

void insert_demo_organisations(connection& db, const std::string& pid, const scheduler::demo_data& demo,
                               const demo_group_ids& group_ids, const std::string& now) {
    for (const auto& o : demo.organisations) {
        const auto oid = new_id("org");
        db.prepare("INSERT INTO organisations(id, programme_id, name, kind, level, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind_all(oid, pid, o.name, scheduler::to_string(o.kind), scheduler::to_string(o.level), now, now)
            .run();
        for (const auto& person : o.people)
            insert_demo_person(db, pid, oid, person, group_ids, demo.prog.starts_on, now);
    }
}

// The signing venue and the signing ceremony booked there.
void insert_demo_signing(connection& db, const std::string& pid, const scheduler::demo_data& demo,
                         const std::string& now) {
    const auto vid = new_id("ven");
    const auto& v = demo.signing_venue;
    db.prepare("INSERT INTO venues(id, programme_id, name, address, capacity, created_at, updated_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind_all(vid, pid, v.name, v.address, v.capacity, now, now)
        .run();
    const auto& e = demo.signing_ceremony;
    db.prepare("INSERT INTO events(id, programme_id, kind, title, description, start_local, end_local, start_utc, "
               "end_utc, venue_id, status, sequence, created_at, updated_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind_all(new_id("evt"), pid, scheduler::to_string(e.kind), e.title, e.description, e.start_local, e.end_local,
                  e.start_utc, e.end_utc, vid, scheduler::to_string(e.status), e.sequence, now, now)
        .run();
}

} // namespace

result<bool> sql_store::seed_demo(const scheduler::demo_data& demo, const std::string& now) {
    return guarded([&]() -> result<bool> {
        if (exists(db_, "SELECT 1 FROM programmes WHERE slug = ?", demo.prog.slug)) return false;
        const auto pid = insert_demo_programme(db_, demo.prog, now);
        const auto group_ids = insert_demo_groups(db_, pid, demo.working_groups, now);
        insert_demo_organisations(db_, pid, demo, group_ids, now);
        insert_demo_signing(db_, pid, demo, now);
        return true;
    });
}

} // namespace copsched::storage
