#include "storage/sqlite_store.hpp"

#include "storage/sqlite_store_internal.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <random>

namespace copsched::storage {

using scheduler::errc;
using scheduler::error;
using scheduler::result;
using scheduler::status;
using detail::guarded;
using detail::programme_columns;
using detail::read_programme;
using detail::rules_to_json;

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
    });
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
    return p;
}

} // namespace detail

namespace {

scheduler::api_token read_token(statement& s, connection& db) {
    scheduler::api_token t;
    t.id = s.text(0);
    t.name = s.text(1);
    t.role = scheduler::parse<scheduler::token_role>(s.text(2)).value_or(scheduler::token_role::participant);
    t.programme_id = s.optional_text(3);
    t.programme_slug = s.optional_text(4);
    t.person_id = s.optional_text(5);
    t.created_at = s.text(6);
    t.last_used_at = s.optional_text(7);
    t.revoked_at = s.optional_text(8);
    auto g = db.prepare("SELECT working_group_id FROM api_token_working_groups WHERE token_id = ? ORDER BY working_group_id");
    g.bind(1, t.id);
    while (g.step()) t.working_group_ids.push_back(g.text(0));
    return t;
}

} // namespace

std::string new_id(std::string_view kind) {
    // Ids are opaque, not secret: a seeded PRNG per thread is enough. The first 10 digits
    // are the milliseconds since 1970 (50 bits, most significant first), so ids made later
    // sort later: a new row's key lands on the right-most page of each index over ids
    // instead of a random one, which keeps the pages a commit writes few.
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuv";
    const auto ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    std::string id(kind);
    id += '_';
    for (int shift = 45; shift >= 0; shift -= 5) id += digits[(ms >> shift) & 31];
    auto bits = rng();
    for (int i = 0; i < 10; ++i, bits >>= 5) id += digits[bits & 31];
    return id;
}

error to_error(const sqlite_error& e) {
    switch (e.primary_code()) {
    case SQLITE_CONSTRAINT:
        return {errc::conflict, std::string("The change conflicts with stored data: ") + e.what(), {}};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
        return {errc::unavailable, std::string("The database is unavailable: ") + e.what(), {}};
    default:
        return {errc::internal, e.what(), {}};
    }
}

status sqlite_store::ping() {
    return guarded([&]() -> status {
        auto s = db_.prepare("SELECT 1");
        s.step();
        return scheduler::ok();
    });
}

result<std::vector<scheduler::token_credentials>> sqlite_store::find_tokens_by_prefix(const std::string& prefix) {
    return guarded([&]() -> result<std::vector<scheduler::token_credentials>> {
        auto s = db_.prepare(
            "SELECT t.id, t.name, t.role, t.programme_id, p.slug, t.person_id, t.created_at, t.last_used_at, "
            "t.revoked_at, t.secret_hash FROM api_tokens t LEFT JOIN programmes p ON p.id = t.programme_id "
            "WHERE t.lookup_prefix = ?");
        s.bind(1, prefix);
        std::vector<scheduler::token_credentials> out;
        while (s.step()) {
            auto hash = s.text(9);
            out.push_back({read_token(s, db_), std::move(hash)});
        }
        return out;
    });
}

result<std::vector<scheduler::api_token>> sqlite_store::list_tokens() {
    return guarded([&]() -> result<std::vector<scheduler::api_token>> {
        auto s = db_.prepare(
            "SELECT t.id, t.name, t.role, t.programme_id, p.slug, t.person_id, t.created_at, t.last_used_at, "
            "t.revoked_at FROM api_tokens t LEFT JOIN programmes p ON p.id = t.programme_id "
            "ORDER BY t.created_at, t.id");
        std::vector<scheduler::api_token> out;
        while (s.step()) out.push_back(read_token(s, db_));
        return out;
    });
}

result<std::vector<scheduler::programme>> sqlite_store::list_programmes() {
    return guarded([&]() -> result<std::vector<scheduler::programme>> {
        static const std::string sql = std::string("SELECT ") + programme_columns + " FROM programmes ORDER BY slug";
        auto s = db_.prepare(sql.c_str());
        std::vector<scheduler::programme> out;
        while (s.step()) out.push_back(read_programme(s));
        return out;
    });
}

result<scheduler::programme> sqlite_store::get_programme(const std::string& slug) {
    return guarded([&]() -> result<scheduler::programme> {
        static const std::string sql = std::string("SELECT ") + programme_columns + " FROM programmes WHERE slug = ?";
        auto s = db_.prepare(sql.c_str());
        s.bind(1, slug);
        if (!s.step()) return error{errc::not_found, "No programme with slug '" + slug + "'.", {}};
        return read_programme(s);
    });
}

result<std::size_t> sqlite_store::count_programmes() {
    return guarded([&]() -> result<std::size_t> {
        auto s = db_.prepare("SELECT COUNT(*) FROM programmes");
        s.step();
        return static_cast<std::size_t>(s.integer(0));
    });
}

result<scheduler::api_token> sqlite_store::create_token(const scheduler::new_api_token& t, const std::string& now) {
    return guarded([&]() -> result<scheduler::api_token> {
        std::optional<std::string> programme_id;
        if (t.programme_slug) {
            auto s = db_.prepare("SELECT id FROM programmes WHERE slug = ?");
            s.bind(1, *t.programme_slug);
            if (!s.step()) return error::invalid("programme", "no programme with this slug");
            programme_id = s.text(0);
        }
        if (t.role != scheduler::token_role::admin && !programme_id)
            return error::invalid("programme", "required for organiser and participant tokens");
        if (t.role == scheduler::token_role::participant) {
            if (!t.person_id) return error::invalid("person_id", "required for participant tokens");
            auto s = db_.prepare("SELECT 1 FROM people WHERE id = ? AND programme_id = ?");
            s.bind_all(*t.person_id, *programme_id);
            if (!s.step()) return error::invalid("person_id", "no such person in this programme");
        }
        for (const auto& g : t.working_group_ids) {
            auto s = db_.prepare("SELECT 1 FROM working_groups WHERE id = ? AND programme_id = ?");
            s.bind_all(g, programme_id.value_or(""));
            if (!s.step()) return error::invalid("working_groups", "no working group '" + g + "' in this programme");
        }
        scheduler::api_token out;
        out.id = new_id("tok");
        out.name = t.name;
        out.role = t.role;
        out.programme_id = programme_id;
        out.programme_slug = t.programme_slug;
        out.person_id = t.role == scheduler::token_role::participant ? t.person_id : std::nullopt;
        out.working_group_ids = t.role == scheduler::token_role::organiser ? t.working_group_ids : std::vector<std::string>{};
        out.created_at = now;
        db_.prepare("INSERT INTO api_tokens(id, name, role, programme_id, person_id, lookup_prefix, secret_hash, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind_all(out.id, out.name, scheduler::to_string(out.role), out.programme_id, out.person_id,
                      t.lookup_prefix, t.secret_hash, now)
            .run();
        for (const auto& g : out.working_group_ids)
            db_.prepare("INSERT INTO api_token_working_groups(token_id, working_group_id) VALUES (?, ?)")
                .bind_all(out.id, g)
                .run();
        return out;
    });
}

status sqlite_store::revoke_token(const std::string& id, const std::string& now) {
    return guarded([&]() -> status {
        auto s = db_.prepare("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?");
        s.bind_all(now, id).run();
        if (db_.changes() == 0) return error{errc::not_found, "No token with id '" + id + "'.", {}};
        return scheduler::ok();
    });
}

status sqlite_store::touch_token(const std::string& id, const std::string& now) {
    return guarded([&]() -> status {
        db_.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").bind_all(now, id).run();
        return scheduler::ok();
    });
}

result<bool> sqlite_store::seed_demo(const scheduler::demo_data& demo, const std::string& now) {
    return guarded([&]() -> result<bool> {
        {
            auto s = db_.prepare("SELECT 1 FROM programmes WHERE slug = ?");
            s.bind(1, demo.prog.slug);
            if (s.step()) return false;
        }
        const auto& p = demo.prog;
        const auto pid = new_id("prg");
        db_.prepare("INSERT INTO programmes(id, slug, name, timezone, language, starts_on, ends_on, meeting_rules, "
                    "feeds_public, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind_all(pid, p.slug, p.name, p.timezone, scheduler::to_string(p.lang), p.starts_on, p.ends_on,
                      rules_to_json(p.rules), p.feeds_public, now, now)
            .run();
        std::vector<std::pair<std::string, std::string>> group_ids; // slug -> id
        for (const auto& g : demo.working_groups) {
            const auto gid = new_id("wg");
            db_.prepare("INSERT INTO working_groups(id, programme_id, slug, name, description, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind_all(gid, pid, g.slug, g.name, g.description, now, now)
                .run();
            group_ids.emplace_back(g.slug, gid);
        }
        auto group_id = [&](const std::string& slug) -> std::string {
            for (const auto& [s, id] : group_ids)
                if (s == slug) return id;
            throw sqlite_error(SQLITE_CONSTRAINT, "demo data names unknown working group " + slug);
        };
        for (const auto& o : demo.organisations) {
            const auto oid = new_id("org");
            db_.prepare("INSERT INTO organisations(id, programme_id, name, kind, level, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind_all(oid, pid, o.name, scheduler::to_string(o.kind), scheduler::to_string(o.level), now, now)
                .run();
            for (const auto& person : o.people) {
                const auto person_id = new_id("per");
                db_.prepare("INSERT INTO people(id, programme_id, organisation_id, name, email, role, language, "
                            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
                    .bind_all(person_id, pid, oid, person.name, person.email, scheduler::to_string(person.role),
                              scheduler::to_string(person.lang), now, now)
                    .run();
                bool first = true;
                for (const auto& g : person.working_groups) {
                    const auto role = first ? person.group_role : scheduler::membership_role::member;
                    first = false;
                    db_.prepare("INSERT INTO memberships(id, working_group_id, person_id, role, valid_from, created_at) "
                                "VALUES (?, ?, ?, ?, ?, ?)")
                        .bind_all(new_id("mem"), group_id(g), person_id, scheduler::to_string(role), p.starts_on, now)
                        .run();
                }
            }
        }
        const auto vid = new_id("ven");
        const auto& v = demo.signing_venue;
        db_.prepare("INSERT INTO venues(id, programme_id, name, address, capacity, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind_all(vid, pid, v.name, v.address, v.capacity, now, now)
            .run();
        const auto& e = demo.signing_ceremony;
        db_.prepare("INSERT INTO events(id, programme_id, kind, title, description, start_local, end_local, start_utc, "
                    "end_utc, venue_id, status, sequence, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind_all(new_id("evt"), pid, scheduler::to_string(e.kind), e.title, e.description, e.start_local,
                      e.end_local, e.start_utc, e.end_utc, vid, scheduler::to_string(e.status), e.sequence, now, now)
            .run();
        return true;
    });
}

status sqlite_store::append_audit(const scheduler::audit_entry& e, const std::string& now) {
    return guarded([&]() -> status {
        db_.prepare("INSERT INTO audit_log(at, actor, action, object_type, object_id, detail) VALUES (?, ?, ?, ?, ?, ?)")
            .bind_all(now, e.actor, e.action, e.object_type, e.object_id, e.detail)
            .run();
        return scheduler::ok();
    });
}

} // namespace copsched::storage
