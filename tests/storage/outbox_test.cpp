// The e-mail outbox on the SQLite store: messages written with the change that causes
// them (booking, reschedule, cancel, RSVP, memberships, people), and the claim/lease life
// cycle (disjoint claims, expired leases, lost leases, back-off, dead, retry).
#include "storage/sql_store.hpp"

#include "scheduler/civil_time.hpp"
#include "storage/migrations.hpp"
#include "tests/support/test_database.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace copsched;
using scheduler::errc;
using scheduler::event_kind;
using scheduler::message_kind;
using scheduler::outbox_message;
using scheduler::outbox_state;
using storage::sqlite_connection;

namespace {

// Events are in March 2098; "now" for the changes is December 2097.
constexpr const char* now = "2097-12-01T10:00:00Z";

struct fixture {
    test::temp_dir dir;
    test::store_database database{dir};
    storage::connection& db = database.connection();
    storage::sql_store store{db};
    std::string prg, org, grp;
    int people_made = 0;

    fixture() {
        (void)storage::migrate(db);
        scheduler::programme p;
        p.slug = "cop";
        p.name = "CoP";
        p.starts_on = "2097-01-01";
        p.ends_on = "2099-12-31";
        auto r = store.create_programme(p, now);
        REQUIRE(r.ok());
        prg = r->id;
        scheduler::organisation o;
        o.programme_id = prg;
        o.name = "Gemeente";
        auto ro = store.create_organisation(o, now);
        REQUIRE(ro.ok());
        org = ro->id;
        scheduler::working_group g;
        g.programme_id = prg;
        g.slug = "ict";
        g.name = "ICT";
        auto rg = store.create_working_group(g, now);
        REQUIRE(rg.ok());
        grp = rg->id;
    }
    std::string person(const std::string& name) {
        scheduler::person p;
        p.programme_id = prg;
        p.organisation_id = org;
        p.name = name;
        p.email = std::to_string(people_made++) + "@example.org";
        auto r = store.create_person(p, now);
        REQUIRE(r.ok());
        return r->id;
    }
    std::string member(const std::string& p, const std::string& from = "2097-01-01") {
        scheduler::membership m;
        m.working_group_id = grp;
        m.person_id = p;
        m.from = from;
        auto r = store.create_membership(m, now);
        REQUIRE(r.ok());
        return r->id;
    }
    scheduler::event event(event_kind kind, const std::string& start_local = "2098-03-10T14:00") {
        const auto local = scheduler::seconds_from_civil(*scheduler::parse_local_time(start_local));
        scheduler::event e;
        e.programme_id = prg;
        e.kind = kind;
        e.title = "Sessie";
        if (kind == event_kind::working_group_session) e.working_group_id = grp;
        e.start_local = start_local;
        e.end_local = scheduler::format_local_time(scheduler::civil_from_seconds(local + std::chrono::hours(2)));
        e.start_utc = scheduler::format_instant(local - std::chrono::hours(1));
        e.end_utc = scheduler::format_instant(local + std::chrono::hours(1));
        auto r = store.create_event(e, now);
        REQUIRE(r.ok());
        return *r;
    }
    // Plans what changed (the API does so before every claim and listing).
    void plan(const std::string& at = now) {
        for (;;) {
            auto more = store.plan_outbox(at, 3); // small steps: the loop is part of the contract
            REQUIRE(more.ok());
            if (!*more) break;
        }
    }
    std::vector<outbox_message> messages(const std::optional<std::string>& event_id = {},
                                         std::optional<outbox_state> state = {}) {
        plan();
        scheduler::outbox_filter f;
        f.event_id = event_id;
        f.state = state;
        scheduler::page_request pr;
        pr.limit = 1000;
        auto r = store.list_messages(f, pr);
        REQUIRE(r.ok());
        auto v = r->items;
        std::reverse(v.begin(), v.end()); // oldest first
        return v;
    }
    std::map<std::string, int> kinds(const std::vector<outbox_message>& v) {
        std::map<std::string, int> out;
        for (const auto& m : v) out[std::string(scheduler::to_string(m.kind))]++;
        return out;
    }
    std::vector<scheduler::claimed_message> claim(const std::string& at, std::size_t limit = 100,
                                                  const std::string& lease = "L1", const std::string& until = "") {
        plan();
        scheduler::claim_request r;
        r.limit = limit;
        r.lease_id = lease;
        r.lease_until = until.empty() ? at : until;
        r.claimed_by = "tok";
        auto c = store.claim_messages(r, at);
        REQUIRE(c.ok());
        return *c;
    }
    void send_all(const std::string& at) {
        for (const auto& c : claim(at, 1000, "send-all", "2099-01-01T00:00:00Z"))
            REQUIRE(store.mark_sent(c.message.id, std::nullopt, std::string("send-all"), "<x>", at).ok());
    }
};

} // namespace

TEST_CASE("booking queues an invitation now and two reminders per invited person", "[store][storage][outbox]") {
    fixture f;
    auto a = f.person("Anna");
    auto b = f.person("Bram");
    f.member(a);
    auto session = f.event(event_kind::working_group_session);
    auto m = f.messages(session.id);
    CHECK(f.kinds(m) == std::map<std::string, int>{{"invitation", 1}, {"reminder", 2}});
    for (const auto& x : m) CHECK(x.person_id == a);

    auto meeting = f.event(event_kind::cop_meeting, "2098-03-17T10:00");
    CHECK(f.kinds(f.messages(meeting.id)) == std::map<std::string, int>{{"invitation", 2}, {"reminder", 4}});
    (void)b;

    // Declining drops the person's pending reminders; accepting again brings them back.
    REQUIRE(f.store.set_rsvp(meeting.id, a, scheduler::rsvp_answer::declined, std::nullopt, now).ok());
    auto pending_of = [&](const std::string& person) {
        int n = 0;
        for (const auto& x : f.messages(meeting.id, outbox_state::pending))
            if (x.person_id == person && x.kind == message_kind::reminder) ++n;
        return n;
    };
    CHECK(pending_of(a) == 0);
    CHECK(pending_of(b) == 2);
    REQUIRE(f.store.set_rsvp(meeting.id, a, scheduler::rsvp_answer::accepted, std::nullopt, now).ok());
    CHECK(pending_of(a) == 2);

    // Opting out drops reminders, not calendar messages.
    auto p = f.store.get_person(b);
    REQUIRE(p.ok());
    p->reminders_opt_out = true;
    REQUIRE(f.store.update_person(*p, std::nullopt, now).ok());
    CHECK(pending_of(b) == 0);
}

TEST_CASE("reschedule sends an update and moves reminders, cancel drops them and cancels for those told",
          "[store][storage][outbox]") {
    fixture f;
    auto a = f.person("Anna");
    f.member(a);
    auto e = f.event(event_kind::working_group_session);
    f.send_all("2097-12-01T10:05:00Z"); // the invitation goes out; reminders are not due yet
    CHECK(f.messages(e.id, outbox_state::sent).size() == 1);

    auto moved = e;
    moved.start_local = "2098-03-24T14:00";
    moved.end_local = "2098-03-24T16:00";
    moved.start_utc = "2098-03-24T13:00:00Z";
    moved.end_utc = "2098-03-24T15:00:00Z";
    moved.sequence = 1;
    REQUIRE(f.store.update_event(moved, std::nullopt, "2097-12-02T10:00:00Z").ok());
    auto pending = f.messages(e.id, outbox_state::pending);
    REQUIRE(f.kinds(pending) == std::map<std::string, int>{{"update", 1}, {"reminder", 2}});
    std::set<std::string> due;
    for (const auto& x : pending) {
        if (x.kind == message_kind::update)
            CHECK(x.sequence == 1);
        else
            due.insert(x.due_at);
    }
    CHECK(due == std::set<std::string>{"2098-03-17T08:00:00Z", "2098-03-23T08:00:00Z"});

    f.send_all("2097-12-02T10:05:00Z");
    auto cancelled = moved;
    cancelled.status = scheduler::event_status::cancelled;
    cancelled.sequence = 2;
    REQUIRE(f.store.update_event(cancelled, std::nullopt, "2097-12-03T10:00:00Z").ok());
    pending = f.messages(e.id, outbox_state::pending);
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].kind == message_kind::cancellation);
    CHECK(pending[0].sequence == 2);
    CHECK(f.messages(e.id, outbox_state::dropped).size() == 2);

    // Deleting is refused once mail about it went out.
    auto del = f.store.delete_event(e.id, std::nullopt);
    REQUIRE(!del.ok());
    CHECK(del.err().code == errc::conflict);
}

TEST_CASE("an event nobody was told about can be deleted with its unsent messages", "[store][storage][outbox]") {
    fixture f;
    f.person("Anna");
    auto e = f.event(event_kind::cop_meeting);
    CHECK(!f.messages(e.id).empty());
    REQUIRE(f.store.delete_event(e.id, std::nullopt).ok());
    CHECK(f.messages(e.id).empty());
}

TEST_CASE("leaving the group cancels the sessions after the end date for that person only",
          "[store][storage][outbox]") {
    fixture f;
    auto a = f.person("Anna");
    auto b = f.person("Bram");
    auto ma = f.member(a);
    f.member(b);
    auto e = f.event(event_kind::working_group_session);
    f.send_all("2097-12-01T10:05:00Z");
    auto m = f.store.get_membership(ma);
    REQUIRE(m.ok());
    m->until = "2098-02-28";
    REQUIRE(f.store.update_membership(*m, "2097-12-05T10:00:00Z").ok());
    auto pending = f.messages(e.id, outbox_state::pending);
    int cancellations = 0;
    for (const auto& x : pending) {
        if (x.kind == message_kind::cancellation) {
            ++cancellations;
            CHECK(x.person_id == a);
            CHECK(x.sequence == 1); // outranks the invitation Anna has
        }
        if (x.kind == message_kind::reminder) CHECK(x.person_id == b);
    }
    CHECK(cancellations == 1);
}

TEST_CASE("claims never overlap, leases expire, lost leases are refused, failures back off and die",
          "[store][storage][outbox]") {
    fixture f;
    for (int i = 0; i < 5; ++i) f.person("P" + std::to_string(i));
    auto e = f.event(event_kind::cop_meeting);
    (void)e;
    const std::string t = "2097-12-01T10:01:00Z";
    const std::string lease_end = "2097-12-01T10:06:00Z";
    auto first = f.claim(t, 3, "A", lease_end);
    auto second = f.claim(t, 3, "B", lease_end);
    REQUIRE(first.size() == 3);
    REQUIRE(second.size() == 2); // only the five invitations are due
    std::set<std::string> ids;
    for (const auto& c : first) ids.insert(c.message.id);
    for (const auto& c : second) ids.insert(c.message.id);
    CHECK(ids.size() == 5);
    CHECK(f.claim(t).empty());
    CHECK(first[0].recipient.email.find("@example.org") != std::string::npos);
    CHECK(first[0].prog.id == f.prg);

    // A lease that expires makes the message claimable again; the first holder lost it.
    auto again = f.claim("2097-12-01T10:07:00Z", 1, "C", "2097-12-01T10:12:00Z");
    REQUIRE(again.size() == 1);
    CHECK(again[0].message.attempts == 2);
    auto lost = f.store.mark_sent(again[0].message.id, std::nullopt, std::string("A"), "<a>", "2097-12-01T10:08:00Z");
    REQUIRE(!lost.ok());
    CHECK(lost.err().code == errc::conflict);
    REQUIRE(f.store.mark_sent(again[0].message.id, std::nullopt, std::string("C"), "<c>", "2097-12-01T10:08:00Z").ok());
    // Reporting it sent twice is harmless.
    REQUIRE(f.store.mark_sent(again[0].message.id, std::nullopt, std::string("C"), "<c>", "2097-12-01T10:08:00Z").ok());

    // A temporary failure: not claimable before the back-off, then again.
    const auto& msg = second[0].message;
    scheduler::retry_policy p;
    p.max_attempts = 2;
    auto failed =
        f.store.mark_failed(msg.id, std::nullopt, std::string("B"), "451 try later", false, p, "2097-12-01T10:02:00Z");
    REQUIRE(failed.ok());
    CHECK(failed->state == outbox_state::failed);
    CHECK(failed->due_at == "2097-12-01T10:03:00Z");
    CHECK(f.claim("2097-12-01T10:02:30Z", 100, "D", "2097-12-01T10:03:00Z").empty());
    auto retry = f.claim("2097-12-01T10:03:00Z", 100, "E", "2097-12-01T10:04:00Z");
    REQUIRE(retry.size() == 1);
    CHECK(retry[0].message.id == msg.id);
    CHECK(retry[0].message.attempts == 2);
    auto dead =
        f.store.mark_failed(msg.id, std::nullopt, std::string("E"), "451 again", false, p, "2097-12-01T10:03:10Z");
    REQUIRE(dead.ok());
    CHECK(dead->state == outbox_state::dead); // the second of max_attempts = 2
}

TEST_CASE("a change and the record of what it changed commit together and planning is idempotent",
          "[store][storage][outbox]") {
    fixture f;
    f.person("Anna");
    {
        storage::transaction tx(f.db);
        f.event(event_kind::cop_meeting);
        // rolled back: no event, nothing to plan
    }
    auto changes = [&] {
        auto s = f.db.prepare("SELECT COUNT(*) FROM outbox_changes");
        s.step();
        return s.integer(0);
    };
    CHECK(changes() == 1); // the person created outside the transaction
    f.plan();
    CHECK(changes() == 0);
    CHECK(f.messages().empty());
    auto e = f.event(event_kind::cop_meeting);
    CHECK(changes() == 1);
    f.plan();
    f.plan();
    CHECK(f.messages(e.id).size() == 3);
}

TEST_CASE("a permanent failure or too many attempts makes a message dead and an admin can retry it",
          "[store][storage][outbox]") {
    fixture f;
    f.person("Anna");
    f.event(event_kind::cop_meeting);
    auto c = f.claim("2097-12-01T10:01:00Z", 10, "A", "2097-12-01T10:06:00Z");
    REQUIRE(c.size() == 1);
    const auto id = c[0].message.id;
    scheduler::retry_policy p;
    auto dead =
        f.store.mark_failed(id, std::nullopt, std::string("A"), "550 no such user", true, p, "2097-12-01T10:02:00Z");
    REQUIRE(dead.ok());
    CHECK(dead->state == outbox_state::dead);
    CHECK(f.claim("2097-12-02T00:00:00Z").empty());

    auto summary = f.store.summarise_outbox(std::nullopt, "2097-12-02T00:00:00Z");
    REQUIRE(summary.ok());
    std::map<std::string, std::size_t> counts;
    for (const auto& [s, n] : summary->by_state) counts[std::string(scheduler::to_string(s))] = n;
    CHECK(counts["dead"] == 1);
    CHECK(counts["pending"] == 2); // the reminders

    auto retried = f.store.retry_message(id, std::nullopt, "2097-12-02T00:00:00Z");
    REQUIRE(retried.ok());
    CHECK(retried->state == outbox_state::pending);
    CHECK(retried->attempts == 0);
    auto back = f.claim("2097-12-02T00:00:01Z", 10, "B", "2097-12-02T00:05:00Z");
    REQUIRE(back.size() == 1);

    // A job that keeps dying while sending: after max_attempts claims the message is dead.
    for (int i = 0; i < 10; ++i)
        f.claim("2097-12-0" + std::to_string(3 + (i % 6)) + "T00:00:00Z", 10, "X",
                "2097-12-0" + std::to_string(3 + (i % 6)) + "T00:00:00Z");
    auto m = f.store.get_message(id);
    REQUIRE(m.ok());
    CHECK(m->state == outbox_state::dead);
}

TEST_CASE("messages of an event that started before they were sent are dropped at claim", "[store][storage][outbox]") {
    fixture f;
    f.person("Anna");
    auto e = f.event(event_kind::cop_meeting);
    REQUIRE(f.messages(e.id).size() == 3);
    CHECK(f.claim("2098-03-17T12:00:00Z").empty());
    for (const auto& m : f.messages(e.id)) CHECK(m.state == outbox_state::dropped);
}

TEST_CASE("the summary's counts per state follow every write to the outbox", "[store][storage][outbox]") {
    fixture f;
    f.person("Anna");
    f.person("Bert");
    auto e = f.event(event_kind::cop_meeting);
    auto doomed = f.event(event_kind::cop_meeting, "2098-05-12T14:00");
    // The counts the summary gives against counting the messages themselves.
    const auto same_as_messages = [&] {
        f.plan();
        auto summary = f.store.summarise_outbox(f.prg, "2097-12-02T00:00:00Z");
        REQUIRE(summary.ok());
        std::map<std::string, std::size_t> counted;
        auto s = f.db.prepare("SELECT state, COUNT(*) FROM reminders GROUP BY state");
        while (s.step()) counted[std::string(s.text(0))] = static_cast<std::size_t>(s.integer(1));
        for (const auto& [state, n] : summary->by_state) {
            INFO(scheduler::to_string(state));
            CHECK(n == counted[std::string(scheduler::to_string(state))]);
        }
    };
    same_as_messages();
    // Deleted with their event (nobody was told yet).
    REQUIRE(f.store.delete_event(doomed.id, std::nullopt).ok());
    same_as_messages();
    auto c = f.claim("2097-12-01T10:01:00Z", 10, "A", "2097-12-01T10:06:00Z"); // the two invitations
    REQUIRE(c.size() == 2);
    same_as_messages();
    scheduler::retry_policy p;
    REQUIRE(f.store.mark_sent(c[0].message.id, std::nullopt, std::string("A"), "<x>", "2097-12-01T10:02:00Z").ok());
    REQUIRE(
        f.store.mark_failed(c[1].message.id, std::nullopt, std::string("A"), "451", false, p, "2097-12-01T10:02:00Z")
            .ok());
    same_as_messages();
    REQUIRE(f.store.retry_message(c[1].message.id, std::nullopt, "2097-12-01T10:03:00Z").ok());
    same_as_messages();
    auto again = f.claim("2097-12-01T10:04:00Z", 10, "B", "2097-12-01T10:09:00Z");
    REQUIRE(again.size() == 1);
    REQUIRE(
        f.store.mark_failed(again[0].message.id, std::nullopt, std::string("B"), "550", true, p, "2097-12-01T10:05:00Z")
            .ok());
    same_as_messages();
    // Dropped at claim: the meeting has started.
    CHECK(f.claim("2098-03-17T12:00:00Z").empty());
    same_as_messages();
    CHECK(!f.messages(e.id, outbox_state::dropped).empty());
}
