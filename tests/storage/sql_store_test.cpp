#include "storage/sql_store.hpp"

#include "scheduler/demo.hpp"
#include "scheduler/demo_history.hpp"
#include "storage/migrations.hpp"
#include "tests/support/test_database.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace copsched;
using scheduler::errc;
using scheduler::token_role;
using storage::sqlite_connection;

namespace {

constexpr const char* t0 = "2026-01-05T09:00:00Z";
constexpr const char* t1 = "2026-01-06T10:30:00Z";

// A migrated database with one connection and a store on it.
struct fixture {
    test::temp_dir dir;
    test::store_database database{dir};
    storage::connection& db = database.connection();
    storage::sql_store store{db};

    fixture() { (void)storage::migrate(db); }

    std::int64_t count(const char* sql) {
        auto s = db.prepare(sql);
        REQUIRE(s.step());
        return s.integer(0);
    }
    std::string text(const char* sql) {
        auto s = db.prepare(sql);
        REQUIRE(s.step());
        return s.text(0);
    }
    // In one transaction, as write_once and the writer thread run it (and fast: one sync).
    scheduler::result<bool> seed_demo(const char* now) {
        storage::transaction tx(db);
        auto r = store.seed_demo(scheduler::demo_programme(), now);
        if (r.ok()) tx.commit();
        return r;
    }
    void seed() {
        auto r = seed_demo(t0);
        REQUIRE(r.ok());
        REQUIRE(*r);
    }
    // A second programme with one working group, outside the demo.
    void add_other_programme() {
        db.exec("INSERT INTO programmes(id, slug, name, timezone, language, starts_on, ends_on, meeting_rules, "
                "created_at, updated_at) VALUES ('prg_other', 'other', 'Other programme', 'Europe/Amsterdam', "
                "'en', '2025-01-01', '2025-12-31', '{}', 'x', 'x');"
                "INSERT INTO working_groups(id, programme_id, slug, name, created_at, updated_at) "
                "VALUES ('wg_other', 'prg_other', 'elsewhere', 'Elsewhere', 'x', 'x');");
    }
};

scheduler::new_api_token token(token_role role, std::string prefix, std::optional<std::string> programme = {}) {
    scheduler::new_api_token t;
    t.name = "test " + prefix;
    t.role = role;
    t.programme_slug = std::move(programme);
    t.lookup_prefix = prefix;
    t.secret_hash = std::string(56, 'f') + prefix; // unique per prefix
    return t;
}

void require_invalid(const scheduler::result<scheduler::api_token>& r, const std::string& field) {
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == errc::invalid_input);
    REQUIRE(r.err().fields.size() == 1);
    CHECK(r.err().fields[0].field == field);
    CHECK_FALSE(r.err().fields[0].problem.empty());
}

} // namespace

TEST_CASE("seed_demo seeds the demo programme once", "[store][storage][sql_store]") {
    fixture f;
    const auto& demo = scheduler::demo_programme();
    auto first = f.seed_demo(t0);
    REQUIRE(first.ok());
    CHECK(*first);

    std::size_t people = 0, memberships = 0, chairs = 0;
    for (const auto& o : demo.organisations)
        for (const auto& p : o.people) {
            ++people;
            memberships += p.working_groups.size();
            if (p.group_role == scheduler::membership_role::chair) ++chairs;
        }
    auto check_counts = [&] {
        CHECK(f.count("SELECT COUNT(*) FROM programmes") == 1);
        CHECK(f.count("SELECT COUNT(*) FROM working_groups") == static_cast<std::int64_t>(demo.working_groups.size()));
        CHECK(f.count("SELECT COUNT(*) FROM organisations") == static_cast<std::int64_t>(demo.organisations.size()));
        CHECK(f.count("SELECT COUNT(*) FROM people") == static_cast<std::int64_t>(people));
        CHECK(f.count("SELECT COUNT(*) FROM memberships") == static_cast<std::int64_t>(memberships));
        CHECK(f.count("SELECT COUNT(*) FROM memberships WHERE role = 'chair'") == static_cast<std::int64_t>(chairs));
        CHECK(f.count("SELECT COUNT(*) FROM venues") == 1);
        CHECK(f.count("SELECT COUNT(*) FROM events") == 1);
    };
    check_counts();
    CHECK(f.text("SELECT start_utc || '/' || end_utc FROM events") == "2018-06-07T10:00:00Z/2018-06-07T12:00:00Z");
    CHECK(f.text("SELECT start_local FROM events") == "2018-06-07T12:00");
    CHECK(f.count("SELECT COUNT(*) FROM events e JOIN venues v ON v.id = e.venue_id") == 1);
    CHECK(f.count("SELECT COUNT(*) FROM people WHERE email NOT LIKE '%.example.org'") == 0);

    auto second = f.seed_demo(t1);
    REQUIRE(second.ok());
    CHECK_FALSE(*second);
    check_counts();
    CHECK(f.text("SELECT created_at FROM programmes") == t0);
}

TEST_CASE("seeded programme reads back with its rules", "[store][storage][sql_store]") {
    fixture f;
    auto empty = f.store.list_programmes();
    REQUIRE(empty.ok());
    CHECK(empty->empty());
    CHECK(f.store.count_programmes().value() == 0);

    f.seed();
    auto p = f.store.get_programme("gdci-2");
    REQUIRE(p.ok());
    CHECK(p->slug == "gdci-2");
    CHECK(p->name == "Green Deal Circulair Inkopen 2.0");
    CHECK(p->timezone == "Europe/Amsterdam");
    CHECK(p->lang == scheduler::language::nl);
    CHECK(p->starts_on == "2018-06-07");
    CHECK(p->ends_on == scheduler::demo_programme().prog.ends_on);
    CHECK(p->rules.per_year == 4);
    CHECK(p->rules.weekdays == std::vector<std::string>{"tue", "wed", "thu"});
    CHECK(p->rules.start_time == "10:00");
    CHECK(p->rules.duration_minutes == 180);
    CHECK(p->rules.min_gap_days == 42);
    CHECK(p->feeds_public);
    CHECK(p->created_at == t0);
    CHECK(p->id.starts_with("prg_"));

    auto all = f.store.list_programmes();
    REQUIRE(all.ok());
    REQUIRE(all->size() == 1);
    CHECK(all->front().id == p->id);
    CHECK(f.store.count_programmes().value() == 1);
    CHECK(f.store.ping().ok());
}

TEST_CASE("get_programme reports an unknown slug as not_found", "[store][storage][sql_store]") {
    fixture f;
    f.seed();
    for (const char* slug : {"nope", "", "GDCI-2", "gdci-2 "}) {
        INFO("slug '" << slug << "'");
        auto p = f.store.get_programme(slug);
        REQUIRE_FALSE(p.ok());
        CHECK(p.err().code == errc::not_found);
    }
}

TEST_CASE("create_token validates programme, person and working groups", "[store][storage][sql_store]") {
    fixture f;
    f.seed();
    f.add_other_programme();
    const auto tokens_before = f.count("SELECT COUNT(*) FROM api_tokens");

    SECTION("unknown programme slug") {
        require_invalid(f.store.create_token(token(token_role::organiser, "aaaaaaaa", "no-such"), t0), "programme");
    }
    SECTION("organiser without programme") {
        require_invalid(f.store.create_token(token(token_role::organiser, "aaaaaaaa"), t0), "programme");
    }
    SECTION("participant without person") {
        require_invalid(f.store.create_token(token(token_role::participant, "aaaaaaaa", "gdci-2"), t0), "person_id");
    }
    SECTION("participant with a person of another programme") {
        auto t = token(token_role::participant, "aaaaaaaa", "other");
        t.person_id = f.text("SELECT id FROM people LIMIT 1"); // a gdci-2 person
        require_invalid(f.store.create_token(t, t0), "person_id");
    }
    SECTION("organiser scoped to a working group of another programme") {
        auto t = token(token_role::organiser, "aaaaaaaa", "gdci-2");
        t.working_group_ids = {"wg_other"};
        require_invalid(f.store.create_token(t, t0), "working_groups");
    }
    SECTION("organiser scoped to an unknown working group") {
        auto t = token(token_role::organiser, "aaaaaaaa", "gdci-2");
        t.working_group_ids = {"wg_nope"};
        require_invalid(f.store.create_token(t, t0), "working_groups");
    }
    // Nothing was written by a refused request.
    CHECK(f.count("SELECT COUNT(*) FROM api_tokens") == tokens_before);
    CHECK(f.count("SELECT COUNT(*) FROM api_token_working_groups") == 0);
}

TEST_CASE("create_token stores valid tokens of each role", "[store][storage][sql_store]") {
    fixture f;
    f.seed();

    auto admin = f.store.create_token(token(token_role::admin, "adminpre"), t0);
    REQUIRE(admin.ok());
    CHECK(admin->role == token_role::admin);
    CHECK_FALSE(admin->programme_id.has_value());
    CHECK(admin->id.starts_with("tok_"));
    CHECK(admin->created_at == t0);

    const auto wg = f.text("SELECT id FROM working_groups WHERE slug = 'ict'");
    auto org_req = token(token_role::organiser, "organise", "gdci-2");
    org_req.working_group_ids = {wg};
    auto organiser = f.store.create_token(org_req, t0);
    REQUIRE(organiser.ok());
    CHECK(organiser->programme_slug == std::optional<std::string>("gdci-2"));
    CHECK(organiser->programme_id == std::optional<std::string>(f.text("SELECT id FROM programmes")));
    CHECK(organiser->working_group_ids == std::vector<std::string>{wg});

    auto part_req = token(token_role::participant, "particip", "gdci-2");
    part_req.person_id = f.text("SELECT id FROM people ORDER BY name LIMIT 1");
    auto participant = f.store.create_token(part_req, t0);
    REQUIRE(participant.ok());
    CHECK(participant->person_id == part_req.person_id);

    auto listed = f.store.list_tokens();
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 3);
    std::set<std::string> ids;
    for (const auto& t : *listed) ids.insert(t.id);
    CHECK(ids == std::set<std::string>{admin->id, organiser->id, participant->id});
    for (const auto& t : *listed)
        if (t.id == organiser->id) {
            CHECK(t.working_group_ids == std::vector<std::string>{wg});
            CHECK(t.programme_slug == std::optional<std::string>("gdci-2"));
        }

    SECTION("the same secret hash twice is a conflict") {
        auto dup = token(token_role::admin, "another1");
        dup.secret_hash = std::string(56, 'f') + "adminpre";
        auto r = f.store.create_token(dup, t0);
        REQUIRE_FALSE(r.ok());
        CHECK(r.err().code == errc::conflict);
    }
}

TEST_CASE("find_tokens_by_prefix returns the stored hash for authentication", "[store][storage][sql_store]") {
    fixture f;
    f.seed();
    auto req = token(token_role::organiser, "Ab-_1234", "gdci-2");
    auto created = f.store.create_token(req, t0);
    REQUIRE(created.ok());

    auto found = f.store.find_tokens_by_prefix("Ab-_1234");
    REQUIRE(found.ok());
    REQUIRE(found->size() == 1);
    CHECK(found->front().secret_hash == req.secret_hash);
    CHECK(found->front().token.id == created->id);
    CHECK(found->front().token.role == token_role::organiser);
    CHECK(found->front().token.programme_slug == std::optional<std::string>("gdci-2"));
    CHECK_FALSE(found->front().token.revoked_at.has_value());

    for (const char* other : {"ab-_1234", "Ab-_123", "", "zzzzzzzz"}) {
        INFO("prefix '" << other << "'");
        auto none = f.store.find_tokens_by_prefix(other);
        REQUIRE(none.ok());
        CHECK(none->empty());
    }

    SECTION("tokens sharing a prefix are all returned") {
        auto twin = token(token_role::admin, "Ab-_1234");
        twin.secret_hash = std::string(64, '0');
        REQUIRE(f.store.create_token(twin, t0).ok());
        auto both = f.store.find_tokens_by_prefix("Ab-_1234");
        REQUIRE(both.ok());
        CHECK(both->size() == 2);
    }
}

TEST_CASE("revoke_token keeps the first revocation time", "[store][storage][sql_store]") {
    fixture f;
    auto created = f.store.create_token(token(token_role::admin, "revokeme"), t0);
    REQUIRE(created.ok());

    auto unknown = f.store.revoke_token("tok_nope", t0);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.err().code == errc::not_found);

    REQUIRE(f.store.revoke_token(created->id, t0).ok());
    REQUIRE(f.store.revoke_token(created->id, t1).ok());

    auto found = f.store.find_tokens_by_prefix("revokeme");
    REQUIRE(found.ok());
    REQUIRE(found->size() == 1); // revoked tokens are still found: the caller decides
    CHECK(found->front().token.revoked_at == std::optional<std::string>(t0));
}

TEST_CASE("touch_token records last use and append_audit keeps a trail", "[store][storage][sql_store]") {
    fixture f;
    auto created = f.store.create_token(token(token_role::admin, "touchme1"), t0);
    REQUIRE(created.ok());
    CHECK_FALSE(created->last_used_at.has_value());

    REQUIRE(f.store.touch_token(created->id, t1).ok());
    auto listed = f.store.list_tokens();
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 1);
    CHECK(listed->front().last_used_at == std::optional<std::string>(t1));

    REQUIRE(f.store.append_audit({"cli", "token.create", "api_token", created->id, "{\"role\":\"admin\"}"}, t1).ok());
    CHECK(f.count("SELECT COUNT(*) FROM audit_log") == 1);
    CHECK(f.text("SELECT actor || ' ' || action || ' ' || object_id || ' ' || at FROM audit_log") ==
          "cli token.create " + created->id + " " + t1);
}

TEST_CASE("new_id gives distinct ids with the kind as prefix, later ones sorting after earlier ones",
          "[store][storage][sql_store]") {
    std::set<std::string> ids;
    std::vector<std::string> made;
    for (int i = 0; i < 1000; ++i) {
        auto id = storage::new_id("evt");
        CHECK(id.starts_with("evt_"));
        CHECK(id.size() == 24);
        ids.insert(id);
        made.push_back(std::move(id));
    }
    CHECK(ids.size() == 1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const auto later = storage::new_id("evt");
    for (const auto& id : made) CHECK(id < later); // the time prefix leads
}

TEST_CASE("dashboard sessions: found until they expire, gone at sign-out or when their token is revoked",
          "[store][storage][sql_store]") {
    fixture f;
    f.seed();
    auto t = f.store.create_token(token(token_role::organiser, "sesssess", "gdci-2"), t0);
    REQUIRE(t.ok());
    scheduler::web_session ws{"hash-1", t->id, "form-1", t0, "2026-01-05T17:00:00Z"};
    REQUIRE(f.store.create_web_session(ws).ok());
    auto found = f.store.find_web_session("hash-1", "2026-01-05T12:00:00Z");
    REQUIRE(found.ok());
    CHECK(found->session.form_token == "form-1");
    CHECK(found->token.id == t->id);
    CHECK(found->token.programme_slug == std::optional<std::string>("gdci-2"));
    // Expired, unknown: not found.
    CHECK(f.store.find_web_session("hash-1", "2026-01-05T17:00:00Z").err().code == errc::not_found);
    CHECK(f.store.find_web_session("hash-2", "2026-01-05T12:00:00Z").err().code == errc::not_found);
    // An unknown token cannot have a session.
    auto bad = f.store.create_web_session({"hash-3", "tok_nope", "form", t0, t1});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.err().code == errc::invalid_input);
    // A new session clears the expired ones.
    REQUIRE(
        f.store.create_web_session({"hash-4", t->id, "form-4", "2026-01-06T09:00:00Z", "2026-01-06T17:00:00Z"}).ok());
    CHECK(f.count("SELECT COUNT(*) FROM web_sessions WHERE id_hash = 'hash-1'") == 0);
    // Sign-out; revocation.
    REQUIRE(f.store.delete_web_session("hash-4").ok());
    CHECK(f.store.find_web_session("hash-4", "2026-01-06T10:00:00Z").err().code == errc::not_found);
    REQUIRE(
        f.store.create_web_session({"hash-5", t->id, "form-5", "2026-01-06T09:00:00Z", "2026-01-06T17:00:00Z"}).ok());
    REQUIRE(f.store.find_web_session("hash-5", "2026-01-06T10:00:00Z").ok());
    REQUIRE(f.store.revoke_token(t->id, "2026-01-06T09:30:00Z").ok());
    CHECK(f.store.find_web_session("hash-5", "2026-01-06T10:00:00Z").err().code == errc::not_found);
}

namespace {

// What the demo history holds, without ids or creation times: every event's date, title and
// status, and every answer and presence by event and person name.
std::set<std::string> history_digest(storage::connection& db) {
    std::set<std::string> out;
    auto e = db.prepare("SELECT start_local, title, status FROM events");
    while (e.step()) out.insert(std::string(e.text(0)) + "|" + e.text(1) + "|" + e.text(2));
    auto a = db.prepare("SELECT e.start_local, e.title, p.name, COALESCE(a.rsvp, '-'), COALESCE(a.presence, '-') "
                        "FROM attendance a JOIN events e ON e.id = a.event_id JOIN people p ON p.id = a.person_id");
    while (a.step())
        out.insert(std::string(a.text(0)) + "|" + a.text(1) + "|" + a.text(2) + "|" + a.text(3) + "|" + a.text(4));
    return out;
}

} // namespace

TEST_CASE("the demo history books the year plans, group sessions, answers and presence, the same every time",
          "[store][storage][demo]") {
    std::set<std::string> digests[2];
    for (auto& digest : digests) {
        fixture f;
        f.seed();
        storage::transaction tx(f.db);
        auto p = f.store.get_programme("gdci-2");
        REQUIRE(p.ok());
        auto h = scheduler::seed_demo_history(f.store, *p, "2026-12-01T00:00:00Z");
        REQUIRE(h.ok());
        tx.commit();
        // 2018 (from June) to 2026: the planner's meetings each year, six sessions a year per group.
        CHECK(h->cop_meetings >= 8 * 4);
        CHECK(h->sessions >= 300);
        CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'cop_meeting'") ==
              static_cast<std::int64_t>(h->cop_meetings));
        CHECK(f.count("SELECT COUNT(*) FROM events WHERE kind = 'working_group_session'") ==
              static_cast<std::int64_t>(h->sessions));
        CHECK(h->presences > 4000);
        CHECK(h->answers > h->presences / 2);
        // Presence only for events that have ended; later events keep open invitations.
        CHECK(f.count("SELECT COUNT(*) FROM attendance a JOIN events e ON e.id = a.event_id "
                      "WHERE a.presence IS NOT NULL AND e.end_utc > '2026-12-01T00:00:00Z'") == 0);
        CHECK(f.count("SELECT COUNT(*) FROM attendance WHERE presence = 'present'") > 1000);
        CHECK(f.count("SELECT COUNT(*) FROM attendance WHERE presence = 'excused'") > 100);
        digest = history_digest(f.db);
    }
    // Named when they differ: what only the first run has, and what only the second.
    std::vector<std::string> only_first, only_second;
    std::set_difference(digests[0].begin(), digests[0].end(), digests[1].begin(), digests[1].end(),
                        std::back_inserter(only_first));
    std::set_difference(digests[1].begin(), digests[1].end(), digests[0].begin(), digests[0].end(),
                        std::back_inserter(only_second));
    only_first.resize(std::min<std::size_t>(only_first.size(), 5));
    only_second.resize(std::min<std::size_t>(only_second.size(), 5));
    CHECK(only_first == std::vector<std::string>{});
    CHECK(only_second == std::vector<std::string>{});
}
