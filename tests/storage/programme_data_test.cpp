#include "storage/sql_store.hpp"

#include "storage/migrations.hpp"
#include "tests/support/test_database.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

using namespace copsched;
using scheduler::errc;
using storage::sqlite_connection;

namespace {

constexpr const char* t0 = "2026-01-05T09:00:00Z";
constexpr const char* t1 = "2026-01-06T10:30:00Z";
constexpr const char* t2 = "2026-01-07T11:45:00Z";

template <class T>
void require_error(const scheduler::result<T>& r, errc code, const std::string& field = {}) {
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == code);
    CHECK_FALSE(r.err().detail.empty());
    if (!field.empty()) {
        REQUIRE(r.err().fields.size() == 1);
        CHECK(r.err().fields[0].field == field);
        CHECK_FALSE(r.err().fields[0].problem.empty());
    }
}

template <class T>
void require_stale(const scheduler::result<T>& r, int stored_version) {
    require_error(r, errc::precondition_failed);
    CHECK(r.err().detail ==
          "The resource has changed (version " + std::to_string(stored_version) + "); fetch it again and retry.");
}

// A migrated database with one connection, a store on it and one programme.
struct fixture {
    test::temp_dir dir;
    test::store_database database{dir};
    storage::connection& db = database.connection();
    storage::sql_store store{db};
    std::string prg;

    fixture() {
        (void)storage::migrate(db);
        prg = programme("cop").id;
    }

    std::int64_t count(const char* sql) {
        auto s = db.prepare(sql);
        REQUIRE(s.step());
        return s.integer(0);
    }

    scheduler::programme programme(const std::string& slug) {
        scheduler::programme p;
        p.slug = slug;
        p.name = "Programme " + slug;
        p.starts_on = "2026-01-01";
        p.ends_on = "2027-12-31";
        auto r = store.create_programme(p, t0);
        REQUIRE(r.ok());
        return *r;
    }
    scheduler::organisation organisation(const std::string& name, std::string programme_id = {},
                                         scheduler::organisation_kind kind = scheduler::organisation_kind::government,
                                         scheduler::organisation_level level = scheduler::organisation_level::starter) {
        scheduler::organisation o;
        o.programme_id = programme_id.empty() ? prg : programme_id;
        o.name = name;
        o.kind = kind;
        o.level = level;
        auto r = store.create_organisation(o, t0);
        REQUIRE(r.ok());
        return *r;
    }
    scheduler::person person_draft(const std::string& email, const std::string& organisation_id) {
        scheduler::person p;
        p.programme_id = prg;
        p.organisation_id = organisation_id;
        p.name = "Person " + email;
        p.email = email;
        return p;
    }
    scheduler::person person(const std::string& email, const std::string& organisation_id,
                             scheduler::person_role role = scheduler::person_role::other) {
        auto p = person_draft(email, organisation_id);
        p.role = role;
        auto r = store.create_person(p, t0);
        REQUIRE(r.ok());
        return *r;
    }
    scheduler::working_group group(const std::string& slug, std::string programme_id = {}) {
        scheduler::working_group g;
        g.programme_id = programme_id.empty() ? prg : programme_id;
        g.slug = slug;
        g.name = "Group " + slug;
        auto r = store.create_working_group(g, t0);
        REQUIRE(r.ok());
        return *r;
    }
    scheduler::venue venue(const std::string& name) {
        scheduler::venue v;
        v.programme_id = prg;
        v.name = name;
        v.capacity = 20;
        auto r = store.create_venue(v, t0);
        REQUIRE(r.ok());
        return *r;
    }
    scheduler::membership membership(const std::string& group_id, const std::string& person_id, std::string from,
                                     std::optional<std::string> until = {}) {
        scheduler::membership m;
        m.working_group_id = group_id;
        m.person_id = person_id;
        m.from = std::move(from);
        m.until = std::move(until);
        auto r = store.create_membership(m, t0);
        REQUIRE(r.ok());
        return *r;
    }
    // An event of the fixture's programme, optionally in a group and at a venue.
    void event(const std::string& id, const std::string& group_id, const std::string& venue_id) {
        auto or_null = [](const std::string& v) { return v.empty() ? std::string("NULL") : "'" + v + "'"; };
        const auto sql = "INSERT INTO events(id, programme_id, kind, title, working_group_id, start_local, end_local, "
                         "start_utc, end_utc, venue_id, status, created_at, updated_at) VALUES ('" +
                         id + "', '" + prg + "', 'other', 'Meeting', " + or_null(group_id) +
                         ", '2026-03-03T10:00', '2026-03-03T12:00', '2026-03-03T09:00:00Z', '2026-03-03T11:00:00Z', " +
                         or_null(venue_id) + ", 'confirmed', 'x', 'x')";
        db.exec(sql.c_str());
    }
};

template <class T>
std::vector<std::string> ids(const std::vector<T>& items) {
    std::vector<std::string> out;
    for (const auto& x : items) out.push_back(x.id);
    return out;
}

} // namespace

// --- programmes -------------------------------------------------------------------------------

TEST_CASE("create_programme stores a programme and assigns id, version and timestamps",
          "[store][storage][programme_data]") {
    fixture f;
    scheduler::programme p;
    p.id = "prg_ignored";
    p.version = 7;
    p.created_at = "1999-01-01T00:00:00Z";
    p.slug = "gdci";
    p.name = "Green Deal";
    p.timezone = "Europe/London";
    p.lang = scheduler::language::en;
    p.starts_on = "2026-02-01";
    p.ends_on = "2028-01-31";
    p.rules.per_year = 6;
    p.rules.weekdays = {"mon"};
    p.feeds_public = false;
    auto r = f.store.create_programme(p, t1);
    REQUIRE(r.ok());
    CHECK(r->id.starts_with("prg_"));
    CHECK(r->id != "prg_ignored");
    CHECK(r->version == 1);
    CHECK(r->created_at == t1);
    CHECK(r->updated_at == t1);
    CHECK(r->slug == "gdci");
    CHECK(r->name == "Green Deal");
    CHECK(r->timezone == "Europe/London");
    CHECK(r->lang == scheduler::language::en);
    CHECK(r->starts_on == "2026-02-01");
    CHECK(r->ends_on == "2028-01-31");
    CHECK(r->rules.per_year == 6);
    CHECK(r->rules.weekdays == std::vector<std::string>{"mon"});
    CHECK_FALSE(r->feeds_public);

    auto by_id = f.store.get_programme_by_id(r->id);
    REQUIRE(by_id.ok());
    CHECK(by_id->slug == "gdci");
    CHECK(by_id->version == 1);
    auto by_slug = f.store.get_programme("gdci");
    REQUIRE(by_slug.ok());
    CHECK(by_slug->id == r->id);
    CHECK(by_slug->version == 1);

    require_error(f.store.get_programme_by_id("prg_nope"), errc::not_found);
}

TEST_CASE("create_programme refuses a slug in use", "[store][storage][programme_data]") {
    fixture f;
    scheduler::programme p;
    p.slug = "cop";
    p.name = "Another";
    auto r = f.store.create_programme(p, t1);
    require_error(r, errc::conflict, "slug");
    CHECK(r.err().detail == "A programme with slug 'cop' already exists.");
    CHECK(f.count("SELECT COUNT(*) FROM programmes") == 1);
}

TEST_CASE("update_programme bumps the version and keeps id and slug", "[store][storage][programme_data]") {
    fixture f;
    auto p = f.store.get_programme_by_id(f.prg).value();
    p.name = "Renamed";
    p.slug = "renamed"; // slugs never change
    p.lang = scheduler::language::en;
    p.rules.min_gap_days = 7;
    p.feeds_public = false;

    auto r = f.store.update_programme(p, 1, t1);
    REQUIRE(r.ok());
    CHECK(r->id == f.prg);
    CHECK(r->slug == "cop");
    CHECK(r->name == "Renamed");
    CHECK(r->lang == scheduler::language::en);
    CHECK(r->rules.min_gap_days == 7);
    CHECK_FALSE(r->feeds_public);
    CHECK(r->version == 2);
    CHECK(r->created_at == t0);
    CHECK(r->updated_at == t1);

    SECTION("unconditional update") {
        p.name = "Again";
        auto again = f.store.update_programme(p, std::nullopt, t2);
        REQUIRE(again.ok());
        CHECK(again->version == 3);
        CHECK(again->name == "Again");
    }
    SECTION("stale version") {
        p.name = "Lost";
        require_stale(f.store.update_programme(p, 1, t2), 2);
        CHECK(f.store.get_programme_by_id(f.prg)->name == "Renamed");
    }
    SECTION("unknown id") {
        p.id = "prg_nope";
        require_error(f.store.update_programme(p, std::nullopt, t2), errc::not_found);
    }
}

// --- organisations ------------------------------------------------------------------------------

TEST_CASE("organisations: create, get and uniqueness of the name", "[store][storage][programme_data]") {
    fixture f;
    auto o = f.organisation("Rijkswaterstaat", {}, scheduler::organisation_kind::company,
                            scheduler::organisation_level::advanced);
    CHECK(o.id.starts_with("org_"));
    CHECK(o.programme_id == f.prg);
    CHECK(o.kind == scheduler::organisation_kind::company);
    CHECK(o.level == scheduler::organisation_level::advanced);
    CHECK(o.version == 1);
    CHECK(o.created_at == t0);
    CHECK(o.updated_at == t0);

    auto got = f.store.get_organisation(o.id);
    REQUIRE(got.ok());
    CHECK(got->name == "Rijkswaterstaat");
    require_error(f.store.get_organisation("org_nope"), errc::not_found);

    scheduler::organisation dup;
    dup.programme_id = f.prg;
    dup.name = "Rijkswaterstaat";
    require_error(f.store.create_organisation(dup, t1), errc::conflict, "name");

    // The same name is fine in another programme.
    auto other = f.programme("other");
    CHECK(f.organisation("Rijkswaterstaat", other.id).programme_id == other.id);

    dup.programme_id = "prg_nope";
    require_error(f.store.create_organisation(dup, t1), errc::not_found);
}

TEST_CASE("organisations: update", "[store][storage][programme_data]") {
    fixture f;
    auto o = f.organisation("Gemeente A");
    f.organisation("Gemeente B");
    auto other = f.programme("other");

    o.name = "Gemeente C";
    o.level = scheduler::organisation_level::advanced;
    o.programme_id = other.id; // never moves
    auto r = f.store.update_organisation(o, 1, t1);
    REQUIRE(r.ok());
    CHECK(r->name == "Gemeente C");
    CHECK(r->level == scheduler::organisation_level::advanced);
    CHECK(r->programme_id == f.prg);
    CHECK(r->version == 2);
    CHECK(r->created_at == t0);
    CHECK(r->updated_at == t1);

    SECTION("keeping its own name is not a conflict") {
        auto same = f.store.update_organisation(*r, 2, t2);
        REQUIRE(same.ok());
        CHECK(same->version == 3);
    }
    SECTION("taking another organisation's name") {
        o.name = "Gemeente B";
        require_error(f.store.update_organisation(o, std::nullopt, t2), errc::conflict, "name");
    }
    SECTION("stale version") { require_stale(f.store.update_organisation(o, 1, t2), 2); }
    SECTION("unknown id") {
        o.id = "org_nope";
        require_error(f.store.update_organisation(o, 1, t2), errc::not_found);
    }
}

TEST_CASE("organisations: delete", "[store][storage][programme_data]") {
    fixture f;
    auto o = f.organisation("Gemeente A");

    SECTION("refused while people belong to it") {
        f.person("a@example.org", o.id);
        f.person("b@example.org", o.id);
        auto r = f.store.delete_organisation(o.id, std::nullopt);
        require_error(r, errc::conflict);
        CHECK(r.err().detail.find("2 people") != std::string::npos);
        CHECK(f.store.get_organisation(o.id).ok());
    }
    SECTION("stale version") {
        require_stale(f.store.delete_organisation(o.id, 2), 1);
        CHECK(f.store.get_organisation(o.id).ok());
    }
    SECTION("unknown id") { require_error(f.store.delete_organisation("org_nope", std::nullopt), errc::not_found); }
    SECTION("deleted with the right version") {
        REQUIRE(f.store.delete_organisation(o.id, 1).ok());
        require_error(f.store.get_organisation(o.id), errc::not_found);
        require_error(f.store.delete_organisation(o.id, std::nullopt), errc::not_found);
    }
}

TEST_CASE("organisations: list pages through 3 pages and filters", "[store][storage][programme_data]") {
    fixture f;
    using scheduler::organisation_kind;
    using scheduler::organisation_level;
    std::set<std::string> all;
    all.insert(f.organisation("A", {}, organisation_kind::company, organisation_level::starter).id);
    all.insert(f.organisation("B", {}, organisation_kind::company, organisation_level::advanced).id);
    all.insert(f.organisation("C", {}, organisation_kind::government, organisation_level::advanced).id);
    all.insert(f.organisation("D", {}, organisation_kind::knowledge_partner, organisation_level::starter).id);
    all.insert(f.organisation("E", {}, organisation_kind::company, organisation_level::advanced).id);
    auto other = f.programme("other");
    f.organisation("Elsewhere", other.id);

    std::vector<std::string> seen;
    scheduler::page_request pr;
    pr.limit = 2;
    std::vector<std::size_t> sizes;
    for (int i = 0; i < 10; ++i) {
        auto page = f.store.list_organisations(f.prg, {}, pr);
        REQUIRE(page.ok());
        sizes.push_back(page->items.size());
        for (const auto& o : page->items) {
            CHECK(o.programme_id == f.prg);
            seen.push_back(o.id);
        }
        if (!page->next_cursor) break;
        CHECK(*page->next_cursor == page->items.back().id);
        pr.after = page->next_cursor;
    }
    CHECK(sizes == std::vector<std::size_t>{2, 2, 1});
    CHECK(std::is_sorted(seen.begin(), seen.end()));
    CHECK(std::set<std::string>(seen.begin(), seen.end()) == all);

    SECTION("an exact multiple of the limit ends without a cursor") {
        scheduler::organisation_filter advanced;
        advanced.level = organisation_level::advanced;
        scheduler::page_request first;
        first.limit = 3;
        auto page = f.store.list_organisations(f.prg, advanced, first);
        REQUIRE(page.ok());
        CHECK(page->items.size() == 3);
        CHECK_FALSE(page->next_cursor);
    }
    SECTION("filters by kind and level") {
        scheduler::organisation_filter filter;
        filter.kind = organisation_kind::company;
        scheduler::page_request first;
        first.limit = 2;
        auto companies = f.store.list_organisations(f.prg, filter, first);
        REQUIRE(companies.ok());
        CHECK(companies->items.size() == 2);
        REQUIRE(companies->next_cursor);
        first.after = companies->next_cursor;
        auto rest = f.store.list_organisations(f.prg, filter, first);
        REQUIRE(rest.ok());
        REQUIRE(rest->items.size() == 1);
        CHECK_FALSE(rest->next_cursor);
        std::set<std::string> names{companies->items[0].name, companies->items[1].name, rest->items[0].name};
        CHECK(names == std::set<std::string>{"A", "B", "E"});

        filter.level = organisation_level::starter;
        auto starters = f.store.list_organisations(f.prg, filter, {});
        REQUIRE(starters.ok());
        REQUIRE(starters->items.size() == 1);
        CHECK(starters->items[0].name == "A");
    }
    SECTION("an unknown programme lists nothing") {
        auto none = f.store.list_organisations("prg_nope", {}, {});
        REQUIRE(none.ok());
        CHECK(none->items.empty());
        CHECK_FALSE(none->next_cursor);
    }
}

// --- people ---------------------------------------------------------------------------------------

TEST_CASE("people: create and get", "[store][storage][programme_data]") {
    fixture f;
    auto o = f.organisation("Gemeente A");
    auto draft = f.person_draft("ann@example.org", o.id);
    draft.role = scheduler::person_role::buyer;
    draft.lang = scheduler::language::en;
    draft.active = false;
    auto p = f.store.create_person(draft, t1);
    REQUIRE(p.ok());
    CHECK(p->id.starts_with("per_"));
    CHECK(p->programme_id == f.prg);
    CHECK(p->organisation_id == o.id);
    CHECK(p->email == "ann@example.org");
    CHECK(p->role == scheduler::person_role::buyer);
    CHECK(p->lang == scheduler::language::en);
    CHECK_FALSE(p->active);
    CHECK(p->version == 1);
    CHECK(p->created_at == t1);
    CHECK(p->updated_at == t1);

    auto got = f.store.get_person(p->id);
    REQUIRE(got.ok());
    CHECK(got->name == draft.name);
    CHECK_FALSE(got->active);
    require_error(f.store.get_person("per_nope"), errc::not_found);
}

TEST_CASE("people: create refuses bad organisations and duplicate e-mail", "[store][storage][programme_data]") {
    fixture f;
    auto o = f.organisation("Gemeente A");
    f.person("ann@example.org", o.id);
    auto other = f.programme("other");
    auto elsewhere = f.organisation("Elsewhere", other.id);

    SECTION("duplicate e-mail in the programme") {
        auto r = f.store.create_person(f.person_draft("ann@example.org", o.id), t1);
        require_error(r, errc::conflict, "email");
        CHECK(r.err().detail.find("ann@example.org") != std::string::npos);
    }
    SECTION("the same e-mail in another programme is fine") {
        auto p = f.person_draft("ann@example.org", elsewhere.id);
        p.programme_id = other.id;
        CHECK(f.store.create_person(p, t1).ok());
    }
    SECTION("organisation of another programme") {
        require_error(f.store.create_person(f.person_draft("bob@example.org", elsewhere.id), t1), errc::invalid_input,
                      "organisation_id");
    }
    SECTION("unknown organisation") {
        require_error(f.store.create_person(f.person_draft("bob@example.org", "org_nope"), t1), errc::invalid_input,
                      "organisation_id");
    }
    SECTION("unknown programme") {
        auto p = f.person_draft("bob@example.org", o.id);
        p.programme_id = "prg_nope";
        require_error(f.store.create_person(p, t1), errc::not_found);
    }
    // Nothing was written by a refused request.
    CHECK(f.store.list_people(f.prg, {}, {})->items.size() == 1);
}

TEST_CASE("people: update", "[store][storage][programme_data]") {
    fixture f;
    auto a = f.organisation("Gemeente A");
    auto b = f.organisation("Gemeente B");
    auto p = f.person("ann@example.org", a.id);
    f.person("bob@example.org", a.id);

    p.organisation_id = b.id;
    p.email = "ann@b.example.org";
    p.role = scheduler::person_role::consultant;
    p.active = false;
    auto r = f.store.update_person(p, 1, t1);
    REQUIRE(r.ok());
    CHECK(r->organisation_id == b.id);
    CHECK(r->email == "ann@b.example.org");
    CHECK(r->role == scheduler::person_role::consultant);
    CHECK_FALSE(r->active);
    CHECK(r->version == 2);
    CHECK(r->created_at == t0);
    CHECK(r->updated_at == t1);

    SECTION("another person's e-mail") {
        p.email = "bob@example.org";
        require_error(f.store.update_person(p, std::nullopt, t2), errc::conflict, "email");
    }
    SECTION("organisation of another programme") {
        auto other = f.programme("other");
        p.organisation_id = f.organisation("Elsewhere", other.id).id;
        require_error(f.store.update_person(p, std::nullopt, t2), errc::invalid_input, "organisation_id");
    }
    SECTION("programme_id never changes") {
        p.programme_id = f.programme("other").id;
        auto same = f.store.update_person(p, 2, t2);
        REQUIRE(same.ok());
        CHECK(same->programme_id == f.prg);
    }
    SECTION("stale version") { require_stale(f.store.update_person(p, 1, t2), 2); }
    SECTION("unknown id") {
        p.id = "per_nope";
        require_error(f.store.update_person(p, std::nullopt, t2), errc::not_found);
    }
}

TEST_CASE("people: delete is refused while history refers to the person", "[store][storage][programme_data]") {
    fixture f;
    auto o = f.organisation("Gemeente A");
    auto p = f.person("ann@example.org", o.id);
    auto g = f.group("inkoop");

    SECTION("membership") {
        f.membership(g.id, p.id, "2026-01-01");
        auto r = f.store.delete_person(p.id, std::nullopt);
        require_error(r, errc::conflict);
        CHECK(r.err().detail.find("1 membership") != std::string::npos);
        CHECK(r.err().detail.find("inactive") != std::string::npos);
    }
    SECTION("attendance") {
        f.event("evt_1", "", "");
        f.db.exec(("INSERT INTO attendance(event_id, person_id, invited_via, invited_at) VALUES ('evt_1', '" + p.id +
                   "', 'programme', 'x')")
                      .c_str());
        auto r = f.store.delete_person(p.id, std::nullopt);
        require_error(r, errc::conflict);
        CHECK(r.err().detail.find("1 attendance record") != std::string::npos);
    }
    SECTION("token") {
        scheduler::new_api_token t;
        t.name = "ann";
        t.role = scheduler::token_role::participant;
        t.programme_slug = "cop";
        t.person_id = p.id;
        t.lookup_prefix = "annannan";
        t.secret_hash = std::string(64, 'a');
        REQUIRE(f.store.create_token(t, t0).ok());
        auto r = f.store.delete_person(p.id, std::nullopt);
        require_error(r, errc::conflict);
        CHECK(r.err().detail.find("1 API token") != std::string::npos);
    }
    CHECK(f.store.get_person(p.id).ok());
}

TEST_CASE("people: delete", "[store][storage][programme_data]") {
    fixture f;
    auto o = f.organisation("Gemeente A");
    auto p = f.person("ann@example.org", o.id);
    f.db.exec(("INSERT INTO busy_times(person_id, start_utc, end_utc) VALUES ('" + p.id + "', 'a', 'b')").c_str());

    require_stale(f.store.delete_person(p.id, 3), 1);
    require_error(f.store.delete_person("per_nope", 1), errc::not_found);
    REQUIRE(f.store.delete_person(p.id, 1).ok());
    require_error(f.store.get_person(p.id), errc::not_found);
    CHECK(f.count("SELECT COUNT(*) FROM busy_times") == 0);
    // With its last person gone, the organisation may go too.
    CHECK(f.store.delete_organisation(o.id, std::nullopt).ok());
}

TEST_CASE("people: list pages through 3 pages and filters", "[store][storage][programme_data]") {
    fixture f;
    using scheduler::person_role;
    auto a = f.organisation("Gemeente A");
    auto b = f.organisation("Gemeente B");
    std::set<std::string> in_a;
    for (int i = 0; i < 5; ++i)
        in_a.insert(f.person("a" + std::to_string(i) + "@example.org", a.id,
                             i % 2 == 0 ? person_role::buyer : person_role::other)
                        .id);
    auto b0 = f.person("b0@example.org", b.id, person_role::buyer);
    auto other = f.programme("other");
    auto elsewhere = f.person_draft("x@example.org", f.organisation("Elsewhere", other.id).id);
    elsewhere.programme_id = other.id;
    REQUIRE(f.store.create_person(elsewhere, t0).ok());

    scheduler::person_filter by_org;
    by_org.organisation_id = a.id;
    scheduler::page_request pr;
    pr.limit = 2;
    std::vector<std::string> seen;
    std::vector<std::size_t> sizes;
    for (int i = 0; i < 10; ++i) {
        auto page = f.store.list_people(f.prg, by_org, pr);
        REQUIRE(page.ok());
        sizes.push_back(page->items.size());
        for (const auto& p : page->items) CHECK(p.organisation_id == a.id);
        auto page_ids = ids(page->items);
        seen.insert(seen.end(), page_ids.begin(), page_ids.end());
        if (!page->next_cursor) break;
        pr.after = page->next_cursor;
    }
    CHECK(sizes == std::vector<std::size_t>{2, 2, 1});
    CHECK(std::is_sorted(seen.begin(), seen.end()));
    CHECK(std::set<std::string>(seen.begin(), seen.end()) == in_a);

    auto everyone = f.store.list_people(f.prg, {}, {});
    REQUIRE(everyone.ok());
    CHECK(everyone->items.size() == 6);

    scheduler::person_filter buyers;
    buyers.role = person_role::buyer;
    auto r = f.store.list_people(f.prg, buyers, {});
    REQUIRE(r.ok());
    CHECK(r->items.size() == 4);

    buyers.organisation_id = b.id;
    r = f.store.list_people(f.prg, buyers, {});
    REQUIRE(r.ok());
    REQUIRE(r->items.size() == 1);
    CHECK(r->items[0].id == b0.id);

    scheduler::person_filter by_email;
    by_email.email = "a3@example.org";
    r = f.store.list_people(f.prg, by_email, {});
    REQUIRE(r.ok());
    REQUIRE(r->items.size() == 1);
    CHECK(r->items[0].email == "a3@example.org");
    by_email.email = "A3@example.org"; // exact match
    CHECK(f.store.list_people(f.prg, by_email, {})->items.empty());
    by_email.email = "x@example.org"; // another programme's person
    CHECK(f.store.list_people(f.prg, by_email, {})->items.empty());
}

// --- working groups -------------------------------------------------------------------------------

TEST_CASE("working groups: create, get, update", "[store][storage][programme_data]") {
    fixture f;
    scheduler::working_group draft;
    draft.programme_id = f.prg;
    draft.slug = "inkoop";
    draft.name = "Inkoop";
    draft.description = "Circular buying";
    draft.archived_at = "2020-01-01T00:00:00Z"; // ignored on create
    auto g = f.store.create_working_group(draft, t1);
    REQUIRE(g.ok());
    CHECK(g->id.starts_with("wg_"));
    CHECK(g->slug == "inkoop");
    CHECK(g->description == "Circular buying");
    CHECK_FALSE(g->archived_at);
    CHECK(g->version == 1);
    CHECK(g->created_at == t1);
    CHECK(f.store.get_working_group(g->id)->name == "Inkoop");
    require_error(f.store.get_working_group("wg_nope"), errc::not_found);

    auto dup = f.store.create_working_group(draft, t1);
    require_error(dup, errc::conflict, "slug");
    CHECK(dup.err().detail.find("'inkoop'") != std::string::npos);
    draft.programme_id = f.programme("other").id;
    CHECK(f.store.create_working_group(draft, t1).ok());
    draft.programme_id = "prg_nope";
    require_error(f.store.create_working_group(draft, t1), errc::not_found);

    auto x = *g;
    x.name = "Inkoop & beheer";
    x.description = "";
    x.slug = "changed"; // slugs never change
    auto r = f.store.update_working_group(x, 1, t2);
    REQUIRE(r.ok());
    CHECK(r->name == "Inkoop & beheer");
    CHECK(r->description.empty());
    CHECK(r->slug == "inkoop");
    CHECK(r->version == 2);
    CHECK(r->updated_at == t2);
    CHECK(r->created_at == t1);

    require_stale(f.store.update_working_group(x, 1, t2), 2);
    x.id = "wg_nope";
    require_error(f.store.update_working_group(x, std::nullopt, t2), errc::not_found);
}

TEST_CASE("working groups: archive keeps the first time and hides the group from lists",
          "[store][storage][programme_data]") {
    fixture f;
    auto g = f.group("inkoop");
    auto kept = f.group("beheer");

    require_stale(f.store.archive_working_group(g.id, 5, t1), 1);
    require_error(f.store.archive_working_group("wg_nope", std::nullopt, t1), errc::not_found);

    auto a = f.store.archive_working_group(g.id, 1, t1);
    REQUIRE(a.ok());
    CHECK(a->archived_at == std::optional<std::string>(t1));
    CHECK(a->version == 2);
    CHECK(a->updated_at == t1);

    auto again = f.store.archive_working_group(g.id, std::nullopt, t2);
    REQUIRE(again.ok());
    CHECK(again->archived_at == std::optional<std::string>(t1));
    CHECK(again->version == 3);

    auto active = f.store.list_working_groups(f.prg, {}, {});
    REQUIRE(active.ok());
    CHECK(ids(active->items) == std::vector<std::string>{kept.id});

    scheduler::working_group_filter all;
    all.include_archived = true;
    auto everything = f.store.list_working_groups(f.prg, all, {});
    REQUIRE(everything.ok());
    CHECK(everything->items.size() == 2);
}

TEST_CASE("working groups: list pages through 3 pages", "[store][storage][programme_data]") {
    fixture f;
    std::set<std::string> live;
    for (const char* slug : {"a", "b", "c", "d", "e"}) live.insert(f.group(slug).id);
    auto archived = f.group("old");
    REQUIRE(f.store.archive_working_group(archived.id, std::nullopt, t1).ok());
    f.group("x", f.programme("other").id);

    scheduler::page_request pr;
    pr.limit = 2;
    std::vector<std::string> seen;
    std::vector<std::size_t> sizes;
    for (int i = 0; i < 10; ++i) {
        auto page = f.store.list_working_groups(f.prg, {}, pr);
        REQUIRE(page.ok());
        sizes.push_back(page->items.size());
        auto page_ids = ids(page->items);
        seen.insert(seen.end(), page_ids.begin(), page_ids.end());
        if (!page->next_cursor) break;
        pr.after = page->next_cursor;
    }
    CHECK(sizes == std::vector<std::size_t>{2, 2, 1});
    CHECK(std::is_sorted(seen.begin(), seen.end()));
    CHECK(std::set<std::string>(seen.begin(), seen.end()) == live);
}

TEST_CASE("working groups: delete is refused while history refers to the group", "[store][storage][programme_data]") {
    fixture f;
    auto g = f.group("inkoop");

    SECTION("membership") {
        auto o = f.organisation("Gemeente A");
        f.membership(g.id, f.person("ann@example.org", o.id).id, "2026-01-01");
        f.membership(g.id, f.person("bob@example.org", o.id).id, "2026-01-01");
        auto r = f.store.delete_working_group(g.id, std::nullopt);
        require_error(r, errc::conflict);
        CHECK(r.err().detail.find("2 memberships") != std::string::npos);
        CHECK(r.err().detail.find("Archive") != std::string::npos);
    }
    SECTION("event") {
        f.event("evt_1", g.id, "");
        auto r = f.store.delete_working_group(g.id, std::nullopt);
        require_error(r, errc::conflict);
        CHECK(r.err().detail.find("1 event") != std::string::npos);
    }
    SECTION("token scope") {
        scheduler::new_api_token t;
        t.name = "organiser";
        t.role = scheduler::token_role::organiser;
        t.programme_slug = "cop";
        t.working_group_ids = {g.id};
        t.lookup_prefix = "orgaorga";
        t.secret_hash = std::string(64, 'b');
        REQUIRE(f.store.create_token(t, t0).ok());
        auto r = f.store.delete_working_group(g.id, std::nullopt);
        require_error(r, errc::conflict);
        CHECK(r.err().detail.find("1 API token") != std::string::npos);
    }
    CHECK(f.store.get_working_group(g.id).ok());
}

TEST_CASE("working groups: delete", "[store][storage][programme_data]") {
    fixture f;
    auto g = f.group("inkoop");
    require_stale(f.store.delete_working_group(g.id, 2), 1);
    require_error(f.store.delete_working_group("wg_nope", std::nullopt), errc::not_found);
    REQUIRE(f.store.delete_working_group(g.id, 1).ok());
    require_error(f.store.get_working_group(g.id), errc::not_found);
}

// --- memberships ------------------------------------------------------------------------------------

TEST_CASE("memberships: create and list in order", "[store][storage][programme_data]") {
    fixture f;
    auto o = f.organisation("Gemeente A");
    auto g = f.group("inkoop");
    auto p1 = f.person("ann@example.org", o.id);
    auto p2 = f.person("bob@example.org", o.id);

    scheduler::membership m;
    m.id = "mem_ignored";
    m.working_group_id = g.id;
    m.person_id = p1.id;
    m.role = scheduler::membership_role::chair;
    m.from = "2026-04-01";
    auto later = f.store.create_membership(m, t1);
    REQUIRE(later.ok());
    CHECK(later->id.starts_with("mem_"));
    CHECK(later->id != "mem_ignored");
    CHECK(later->role == scheduler::membership_role::chair);
    CHECK(later->from == "2026-04-01");
    CHECK_FALSE(later->until);
    CHECK(later->created_at == t1);

    // Adjacent periods do not overlap.
    auto earlier = f.membership(g.id, p1.id, "2026-01-01", "2026-03-31");
    f.membership(g.id, p2.id, "2026-01-01", "2026-01-01");

    auto list = f.store.list_memberships(g.id);
    REQUIRE(list.ok());
    REQUIRE(list->size() == 3);
    std::vector<std::pair<std::string, std::string>> order;
    for (const auto& x : *list) order.emplace_back(x.person_id, x.from);
    std::vector<std::pair<std::string, std::string>> expected{
        {p1.id, "2026-01-01"}, {p1.id, "2026-04-01"}, {p2.id, "2026-01-01"}};
    std::sort(expected.begin(), expected.end());
    CHECK(order == expected);
    const auto& first_of_p1 = list->at(p1.id < p2.id ? 0 : 1);
    CHECK(first_of_p1.id == earlier.id);
    CHECK(first_of_p1.until == std::optional<std::string>("2026-03-31"));
    CHECK(first_of_p1.role == scheduler::membership_role::member);
    CHECK(first_of_p1.working_group_id == g.id);

    auto empty = f.store.list_memberships(f.group("leeg").id);
    REQUIRE(empty.ok());
    CHECK(empty->empty());
    require_error(f.store.list_memberships("wg_nope"), errc::not_found);
}

TEST_CASE("memberships: create refuses bad input and overlaps", "[store][storage][programme_data]") {
    fixture f;
    auto o = f.organisation("Gemeente A");
    auto g = f.group("inkoop");
    auto p = f.person("ann@example.org", o.id);
    f.membership(g.id, p.id, "2026-03-01", "2026-06-30");
    f.membership(g.id, p.id, "2026-09-01");

    scheduler::membership m;
    m.working_group_id = g.id;
    m.person_id = p.id;

    SECTION("until before from") {
        m.from = "2026-07-10";
        m.until = "2026-07-09";
        require_error(f.store.create_membership(m, t1), errc::invalid_input, "until");
    }
    SECTION("person of another programme") {
        auto other = f.programme("other");
        auto stranger = f.person_draft("zed@example.org", f.organisation("Elsewhere", other.id).id);
        stranger.programme_id = other.id;
        m.person_id = f.store.create_person(stranger, t0).value().id;
        m.from = "2026-07-01";
        require_error(f.store.create_membership(m, t1), errc::invalid_input, "person_id");
    }
    SECTION("unknown person") {
        m.person_id = "per_nope";
        m.from = "2026-07-01";
        require_error(f.store.create_membership(m, t1), errc::invalid_input, "person_id");
    }
    SECTION("unknown working group") {
        m.working_group_id = "wg_nope";
        m.from = "2026-07-01";
        require_error(f.store.create_membership(m, t1), errc::not_found);
    }
    SECTION("overlapping periods") {
        const std::vector<std::pair<std::string, std::optional<std::string>>> overlapping{
            {"2026-01-01", std::nullopt}, // open end covers everything after
            {"2026-01-01", "2026-03-01"}, // ends on the first day of a membership
            {"2026-06-30", "2026-07-15"}, // starts on the last day of a membership
            {"2026-04-01", "2026-04-30"}, // inside a membership
            {"2027-01-01", "2027-01-31"}, // inside the open-ended one
            {"2026-08-01", std::nullopt}, // open, reaching into the open-ended one
        };
        for (const auto& [from, until] : overlapping) {
            INFO(from << " .. " << until.value_or("open"));
            m.from = from;
            m.until = until;
            require_error(f.store.create_membership(m, t1), errc::conflict);
        }
    }
    SECTION("a gap between memberships is free") {
        m.from = "2026-07-01";
        m.until = "2026-08-31";
        CHECK(f.store.create_membership(m, t1).ok());
    }
    SECTION("another group is independent") {
        m.working_group_id = f.group("beheer").id;
        m.from = "2026-01-01";
        CHECK(f.store.create_membership(m, t1).ok());
    }
    CHECK(f.count("SELECT COUNT(*) FROM memberships WHERE working_group_id = (SELECT id FROM working_groups "
                  "WHERE slug = 'inkoop')") >= 2);
}

// --- venues ---------------------------------------------------------------------------------------

TEST_CASE("venues: create, get, update", "[store][storage][programme_data]") {
    fixture f;
    scheduler::venue draft;
    draft.programme_id = f.prg;
    draft.name = "Stadhuis";
    draft.address = "Markt 1";
    draft.capacity = 40;
    auto v = f.store.create_venue(draft, t1);
    REQUIRE(v.ok());
    CHECK(v->id.starts_with("ven_"));
    CHECK(v->address == "Markt 1");
    CHECK(v->capacity == 40);
    CHECK(v->version == 1);
    CHECK(v->created_at == t1);
    CHECK(f.store.get_venue(v->id)->name == "Stadhuis");
    require_error(f.store.get_venue("ven_nope"), errc::not_found);
    draft.programme_id = "prg_nope";
    require_error(f.store.create_venue(draft, t1), errc::not_found);

    auto x = *v;
    x.name = "Nieuw stadhuis";
    x.capacity = 0;
    x.programme_id = f.programme("other").id; // never moves
    auto r = f.store.update_venue(x, 1, t2);
    REQUIRE(r.ok());
    CHECK(r->name == "Nieuw stadhuis");
    CHECK(r->capacity == 0);
    CHECK(r->programme_id == f.prg);
    CHECK(r->version == 2);
    CHECK(r->updated_at == t2);

    require_stale(f.store.update_venue(x, 1, t2), 2);
    x.id = "ven_nope";
    require_error(f.store.update_venue(x, std::nullopt, t2), errc::not_found);
}

TEST_CASE("venues: list pages through 3 pages", "[store][storage][programme_data]") {
    fixture f;
    std::set<std::string> mine;
    for (const char* name : {"A", "B", "C", "D", "E", "F"}) mine.insert(f.venue(name).id);
    scheduler::venue elsewhere;
    elsewhere.programme_id = f.programme("other").id;
    elsewhere.name = "Elsewhere";
    REQUIRE(f.store.create_venue(elsewhere, t0).ok());

    scheduler::page_request pr;
    pr.limit = 2;
    std::vector<std::string> seen;
    std::vector<std::size_t> sizes;
    std::vector<bool> has_cursor;
    for (int i = 0; i < 10; ++i) {
        auto page = f.store.list_venues(f.prg, pr);
        REQUIRE(page.ok());
        sizes.push_back(page->items.size());
        has_cursor.push_back(page->next_cursor.has_value());
        auto page_ids = ids(page->items);
        seen.insert(seen.end(), page_ids.begin(), page_ids.end());
        if (!page->next_cursor) break;
        pr.after = page->next_cursor;
    }
    // Six venues in pages of two: the third page is full and still ends the list.
    CHECK(sizes == std::vector<std::size_t>{2, 2, 2});
    CHECK(has_cursor == std::vector<bool>{true, true, false});
    CHECK(std::is_sorted(seen.begin(), seen.end()));
    CHECK(std::set<std::string>(seen.begin(), seen.end()) == mine);
}

TEST_CASE("venues: delete", "[store][storage][programme_data]") {
    fixture f;
    auto v = f.venue("Stadhuis");

    SECTION("refused while events take place there") {
        f.event("evt_1", "", v.id);
        f.event("evt_2", "", v.id);
        auto r = f.store.delete_venue(v.id, std::nullopt);
        require_error(r, errc::conflict);
        CHECK(r.err().detail.find("2 events") != std::string::npos);
        CHECK(f.store.get_venue(v.id).ok());
    }
    SECTION("stale version, unknown id, success") {
        require_stale(f.store.delete_venue(v.id, 2), 1);
        require_error(f.store.delete_venue("ven_nope", std::nullopt), errc::not_found);
        REQUIRE(f.store.delete_venue(v.id, 1).ok());
        require_error(f.store.get_venue(v.id), errc::not_found);
    }
}
