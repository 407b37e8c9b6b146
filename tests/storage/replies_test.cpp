// Answers by e-mail in the store (SQLite and, as [store], PostgreSQL): replies appended and
// listed newest first with filters and cursors, and the person found by address.
#include "storage/sql_store.hpp"

#include "storage/migrations.hpp"
#include "tests/support/test_database.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace copsched;
using scheduler::reply_reason;
using scheduler::reply_record;
using scheduler::reply_state;

namespace {

constexpr const char* t0 = "2026-01-05T09:00:00Z";

struct fixture {
    test::temp_dir dir;
    test::store_database database{dir};
    storage::connection& db = database.connection();
    storage::sql_store store{db};
    std::string prg, other, org;

    fixture() {
        (void)storage::migrate(db);
        prg = programme("cop");
        other = programme("other");
        scheduler::organisation o;
        o.programme_id = prg;
        o.name = "Gemeente Utrecht";
        auto r = store.create_organisation(o, t0);
        REQUIRE(r.ok());
        org = r->id;
    }
    std::string programme(const std::string& slug) {
        scheduler::programme p;
        p.slug = slug;
        p.name = slug;
        p.starts_on = "2026-01-01";
        p.ends_on = "2099-12-31";
        auto r = store.create_programme(p, t0);
        REQUIRE(r.ok());
        return r->id;
    }
    reply_record add(std::optional<std::string> programme_id, reply_state state, reply_reason reason,
                     const std::string& attendee) {
        reply_record r;
        r.programme_id = std::move(programme_id);
        r.state = state;
        r.reason = reason;
        r.detail = scheduler::describe(reason);
        r.method = "REPLY";
        r.attendee = attendee;
        r.envelope_to = "rsvp+tag@example.org";
        r.from = attendee;
        r.message_id = "m-" + attendee;
        r.actor = "tok_1";
        if (state == reply_state::applied) {
            r.rsvp = scheduler::rsvp_answer::accepted;
            r.comment = "Ik kom – één vraag ☕";
            r.sequence = 2;
        }
        auto out = store.add_reply(r, t0);
        REQUIRE(out.ok());
        return *out;
    }
};

} // namespace

TEST_CASE("replies are appended and listed newest first, by programme and state, page by page",
          "[store][storage][replies]") {
    fixture f;
    const auto a = f.add(f.prg, reply_state::applied, reply_reason::none, "anna@example.org");
    const auto b = f.add(f.prg, reply_state::refused, reply_reason::forged_tag, "bram@example.org");
    const auto c = f.add(std::nullopt, reply_state::refused, reply_reason::unknown_event, "carla@example.org");
    const auto d = f.add(f.other, reply_state::refused, reply_reason::stale_sequence, "daan@example.org");
    CHECK(std::stoll(a.id) < std::stoll(b.id));
    CHECK(b.received_at == t0);

    auto all = f.store.list_replies({}, {std::nullopt, 50});
    REQUIRE(all.ok());
    REQUIRE(all->items.size() == 4);
    CHECK(all->items[0].id == d.id);
    CHECK(all->items[3].id == a.id);
    CHECK(all->items[3].rsvp == scheduler::rsvp_answer::accepted);
    CHECK(all->items[3].comment == std::optional<std::string>("Ik kom – één vraag ☕"));
    CHECK(all->items[3].sequence == std::optional<int>(2));
    CHECK(all->items[1].reason == reply_reason::unknown_event);
    CHECK_FALSE(all->items[1].programme_id);
    CHECK_FALSE(all->next_cursor);

    auto refused = f.store.list_replies({f.prg, reply_state::refused, std::nullopt}, {std::nullopt, 50});
    REQUIRE(refused.ok());
    REQUIRE(refused->items.size() == 1);
    CHECK(refused->items[0].attendee == "bram@example.org");
    CHECK(refused->items[0].reason == reply_reason::forged_tag);

    auto page1 = f.store.list_replies({}, {std::nullopt, 3});
    REQUIRE(page1.ok());
    REQUIRE(page1->items.size() == 3);
    REQUIRE(page1->next_cursor);
    auto page2 = f.store.list_replies({}, {page1->next_cursor, 3});
    REQUIRE(page2.ok());
    REQUIRE(page2->items.size() == 1);
    CHECK(page2->items[0].id == a.id);
    CHECK_FALSE(page2->next_cursor);

    auto bad = f.store.list_replies({}, {std::string("abc"), 3});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.err().fields.at(0).field == "cursor");
}

TEST_CASE("the person of a reply is found by address without regard to case, within the programme",
          "[store][storage][replies]") {
    fixture f;
    scheduler::person p;
    p.programme_id = f.prg;
    p.organisation_id = f.org;
    p.name = "Anna";
    p.email = "Anna.de.Vries@Example.org";
    auto made = f.store.create_person(p, t0);
    REQUIRE(made.ok());
    auto found = f.store.person_id_by_email(f.prg, "anna.de.vries@example.org");
    REQUIRE(found.ok());
    CHECK(*found == std::optional<std::string>(made->id));
    auto elsewhere = f.store.person_id_by_email(f.other, "anna.de.vries@example.org");
    REQUIRE(elsewhere.ok());
    CHECK_FALSE(*elsewhere);
    auto nobody = f.store.person_id_by_email(f.prg, "bram@example.org");
    REQUIRE(nobody.ok());
    CHECK_FALSE(*nobody);
}
