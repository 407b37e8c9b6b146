// Membership requests in the store (SQLite and, as [store], PostgreSQL): one pending request
// per person and group, decisions recorded once, lists by programme, person, state and a
// scoped token's groups, page by page; and the programme's memberships.approval setting.
#include "storage/sql_store.hpp"

#include "storage/migrations.hpp"
#include "tests/support/test_database.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace copsched;
using scheduler::errc;
using scheduler::membership_request;
using scheduler::membership_request_kind;
using scheduler::membership_request_state;

namespace {

constexpr const char* t0 = "2026-01-05T09:00:00Z";
constexpr const char* t1 = "2026-01-06T09:00:00Z";

struct fixture {
    test::temp_dir dir;
    test::store_database database{dir};
    storage::connection& db = database.connection();
    storage::sql_store store{db};
    std::string prg, org, anna, bram, group_a, group_b;

    fixture() {
        (void)storage::migrate(db);
        scheduler::programme p;
        p.slug = "cop";
        p.name = "CoP";
        p.starts_on = "2026-01-01";
        p.ends_on = "2099-12-31";
        auto made = store.create_programme(p, t0);
        REQUIRE(made.ok());
        prg = made->id;
        scheduler::organisation o;
        o.programme_id = prg;
        o.name = "Gemeente Utrecht";
        auto r = store.create_organisation(o, t0);
        REQUIRE(r.ok());
        org = r->id;
        anna = person("Anna", "anna@example.org");
        bram = person("Bram", "bram@example.org");
        group_a = group("a");
        group_b = group("b");
    }
    std::string person(const std::string& name, const std::string& email) {
        scheduler::person p;
        p.programme_id = prg;
        p.organisation_id = org;
        p.name = name;
        p.email = email;
        auto r = store.create_person(p, t0);
        REQUIRE(r.ok());
        return r->id;
    }
    std::string group(const std::string& slug) {
        scheduler::working_group g;
        g.programme_id = prg;
        g.slug = slug;
        g.name = "Groep " + slug;
        auto r = store.create_working_group(g, t0);
        REQUIRE(r.ok());
        return r->id;
    }
    scheduler::result<membership_request> request(const std::string& person_id, const std::string& group_id,
                                                  membership_request_kind kind = membership_request_kind::join) {
        membership_request r;
        r.programme_id = prg;
        r.person_id = person_id;
        r.working_group_id = group_id;
        r.kind = kind;
        if (kind == membership_request_kind::leave) r.membership_id = "mem_x";
        r.comment = "Graag – één vraag";
        r.state = membership_request_state::approved; // ignored: a new request is pending
        return store.create_membership_request(r, t0);
    }
};

} // namespace

TEST_CASE("the programme keeps memberships.approval, none by default", "[store][storage][membership-requests]") {
    fixture f;
    auto p = f.store.get_programme_by_id(f.prg);
    REQUIRE(p.ok());
    CHECK(p->approval == scheduler::membership_approval::none);
    p->approval = scheduler::membership_approval::organiser;
    REQUIRE(f.store.update_programme(*p, std::nullopt, t1).ok());
    CHECK(f.store.get_programme("cop")->approval == scheduler::membership_approval::organiser);
}

TEST_CASE("a membership request is pending until decided once, and one per person and group waits",
          "[store][storage][membership-requests]") {
    fixture f;
    auto a = f.request(f.anna, f.group_a);
    REQUIRE(a.ok());
    CHECK(a->state == membership_request_state::pending);
    CHECK(a->created_at == t0);
    CHECK(!a->decided_at);
    auto again = f.request(f.anna, f.group_a, membership_request_kind::leave);
    REQUIRE(!again.ok());
    CHECK(again.err().code == errc::conflict);
    // Another group or person: fine.
    REQUIRE(f.request(f.anna, f.group_b).ok());
    REQUIRE(f.request(f.bram, f.group_a).ok());

    auto got = f.store.get_membership_request(a->id);
    REQUIRE(got.ok());
    CHECK(got->comment == std::optional<std::string>("Graag – één vraag"));
    CHECK(got->kind == membership_request_kind::join);
    CHECK(f.store.get_membership_request("mrq_nope").err().code == errc::not_found);

    auto declined =
        f.store.decide_membership_request(a->id, membership_request_state::declined, "Vol", "tok_organiser", t1);
    REQUIRE(declined.ok());
    CHECK(declined->state == membership_request_state::declined);
    CHECK(declined->reason == std::optional<std::string>("Vol"));
    CHECK(declined->decided_at == std::optional<std::string>(t1));
    CHECK(declined->decided_by == std::optional<std::string>("tok_organiser"));
    auto twice =
        f.store.decide_membership_request(a->id, membership_request_state::approved, std::nullopt, "tok_organiser", t1);
    REQUIRE(!twice.ok());
    CHECK(twice.err().code == errc::conflict);
    CHECK(f.store.decide_membership_request("mrq_nope", membership_request_state::approved, std::nullopt, "tok", t1)
              .err()
              .code == errc::not_found);
    // Decided: a new request for the same group may wait again.
    auto leave = f.request(f.anna, f.group_a, membership_request_kind::leave);
    REQUIRE(leave.ok());
    CHECK(leave->membership_id == std::optional<std::string>("mem_x"));
}

TEST_CASE("membership requests list oldest first by programme, person, state and a token's groups, page by page",
          "[store][storage][membership-requests]") {
    fixture f;
    const auto a = f.request(f.anna, f.group_a);
    const auto b = f.request(f.anna, f.group_b);
    const auto c = f.request(f.bram, f.group_a);
    REQUIRE((a.ok() && b.ok() && c.ok()));
    REQUIRE(
        f.store.decide_membership_request(b->id, membership_request_state::withdrawn, std::nullopt, f.anna, t1).ok());

    // By id: ids sort by the millisecond they were made in, and at random within one.
    std::vector<std::string> ids{a->id, b->id, c->id};
    std::sort(ids.begin(), ids.end());
    scheduler::membership_request_filter all;
    all.programme_id = f.prg;
    auto first = f.store.list_membership_requests(all, {std::nullopt, 2});
    REQUIRE(first.ok());
    REQUIRE(first->items.size() == 2);
    CHECK(first->items[0].id == ids[0]);
    CHECK(first->items[1].id == ids[1]);
    REQUIRE(first->next_cursor);
    auto rest = f.store.list_membership_requests(all, {first->next_cursor, 2});
    REQUIRE(rest.ok());
    REQUIRE(rest->items.size() == 1);
    CHECK(rest->items[0].id == ids[2]);
    CHECK(!rest->next_cursor);

    scheduler::membership_request_filter pending = all;
    pending.state = membership_request_state::pending;
    CHECK(f.store.list_membership_requests(pending, {std::nullopt, 50})->items.size() == 2);
    scheduler::membership_request_filter annas;
    annas.person_id = f.anna;
    CHECK(f.store.list_membership_requests(annas, {std::nullopt, 50})->items.size() == 2);

    // An organiser token scoped to group B sees only B's requests.
    scheduler::new_api_token t;
    t.name = "scoped";
    t.role = scheduler::token_role::organiser;
    t.programme_slug = "cop";
    t.working_group_ids = {f.group_b};
    t.lookup_prefix = "cps_scoped";
    t.secret_hash = std::string(64, 'a');
    auto token = f.store.create_token(t, t0);
    REQUIRE(token.ok());
    scheduler::membership_request_filter scoped = all;
    scoped.scope_token_id = token->id;
    auto seen = f.store.list_membership_requests(scoped, {std::nullopt, 50});
    REQUIRE(seen.ok());
    REQUIRE(seen->items.size() == 1);
    CHECK(seen->items[0].id == b->id);
}
