#include "scheduler/outbox.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace copsched::scheduler;

namespace {

using op = outbox_change::op;

event session(int sequence = 0, event_status st = event_status::confirmed) {
    event e;
    e.id = "evt_1";
    e.programme_id = "prg_1";
    e.kind = event_kind::working_group_session;
    e.start_local = "2027-03-10T14:00";
    e.end_local = "2027-03-10T16:00";
    e.start_utc = "2027-03-10T13:00:00Z";
    e.end_utc = "2027-03-10T15:00:00Z";
    e.sequence = sequence;
    e.status = st;
    return e;
}

const time_zone& amsterdam() {
    static const auto* z = find_time_zone("Europe/Amsterdam");
    REQUIRE(z);
    return *z;
}

outbox_message row(std::string id, message_kind k, outbox_state s, int sequence = 0,
                   std::string due = "2027-01-01T00:00:00Z", std::optional<int> days = std::nullopt) {
    outbox_message m;
    m.id = std::move(id);
    m.kind = k;
    m.state = s;
    m.sequence = sequence;
    m.due_at = std::move(due);
    m.days_before = days;
    return m;
}

std::vector<outbox_change> inserts(const std::vector<outbox_change>& c) {
    std::vector<outbox_change> out;
    for (const auto& x : c)
        if (x.what == op::insert) out.push_back(x);
    return out;
}

bool drops(const std::vector<outbox_change>& c, const std::string& id) {
    for (const auto& x : c)
        if (x.what == op::drop && x.message_id == id) return true;
    return false;
}

constexpr const char* now = "2027-02-01T10:00:00Z";

} // namespace

TEST_CASE("reminders fall at the local hour, days before the local date, across summer time", "[outbox]") {
    mail_settings m; // 7 and 1 days before at 09:00
    auto e = session();
    auto s = reminder_schedule(e, m, amsterdam());
    REQUIRE(s.size() == 2);
    CHECK(s[0].days_before == 7);
    CHECK(s[0].due_utc == "2027-03-03T08:00:00Z"); // 09:00 CET
    CHECK(s[1].due_utc == "2027-03-09T08:00:00Z");

    // A meeting on 2 April 2027: 7 days before is in winter time, 1 day before in summer time.
    e.start_local = "2027-04-02T10:00";
    e.start_utc = "2027-04-02T08:00:00Z";
    s = reminder_schedule(e, m, amsterdam());
    REQUIRE(s.size() == 2);
    CHECK(s[0].due_utc == "2027-03-26T08:00:00Z");
    CHECK(s[1].due_utc == "2027-04-01T07:00:00Z"); // 09:00 CEST

    // The same day at 09:00 only goes out when that is before the start; per kind.
    m.session_days = {0};
    e.start_local = "2027-04-02T08:30";
    e.start_utc = "2027-04-02T06:30:00Z";
    CHECK(reminder_schedule(e, m, amsterdam()).empty());
    e.kind = event_kind::cop_meeting;
    CHECK(reminder_schedule(e, m, amsterdam()).size() == 2);
}

TEST_CASE("a new invitee gets an invitation now and the reminders still ahead", "[outbox]") {
    auto e = session(0);
    auto sched = reminder_schedule(e, mail_settings{}, amsterdam());
    recipient_state r{"per_1", true, false, false, {}};
    auto c = plan_messages(e, true, sched, r, now);
    auto ins = inserts(c);
    REQUIRE(ins.size() == 3);
    CHECK(ins[0].kind == message_kind::invitation);
    CHECK(ins[0].due_at == now);
    CHECK(ins[1].kind == message_kind::reminder);
    CHECK(ins[1].days_before == 7);
    CHECK(ins[2].days_before == 1);

    // Booked late: the 7-day reminder has passed and is not sent late.
    auto late = plan_messages(e, true, sched, r, "2027-03-05T10:00:00Z");
    CHECK(inserts(late).size() == 2);

    // Declined or opted out: the invitation, no reminders.
    r.declined = true;
    CHECK(inserts(plan_messages(e, true, sched, r, now)).size() == 1);
    r.declined = false;
    r.opted_out = true;
    CHECK(inserts(plan_messages(e, true, sched, r, now)).size() == 1);

    // Mail off: nothing.
    r.opted_out = false;
    CHECK(plan_messages(e, false, sched, r, now).empty());
}

TEST_CASE("applying the plan again changes nothing", "[outbox]") {
    auto e = session(0);
    auto sched = reminder_schedule(e, mail_settings{}, amsterdam());
    recipient_state r{"per_1", true, false, false, {}};
    r.messages.push_back(row("m1", message_kind::invitation, outbox_state::sent, 0, now));
    r.messages.push_back(row("m2", message_kind::reminder, outbox_state::pending, 0, sched[0].due_utc, 7));
    r.messages.push_back(row("m3", message_kind::reminder, outbox_state::pending, 0, sched[1].due_utc, 1));
    CHECK(plan_messages(e, true, sched, r, now).empty());
}

TEST_CASE("a reschedule sends an update and moves the pending reminders", "[outbox]") {
    auto e = session(0);
    auto old_sched = reminder_schedule(e, mail_settings{}, amsterdam());
    recipient_state r{"per_1", true, false, false, {}};
    r.messages.push_back(row("m1", message_kind::invitation, outbox_state::sent, 0, now));
    r.messages.push_back(row("m2", message_kind::reminder, outbox_state::pending, 0, old_sched[0].due_utc, 7));
    r.messages.push_back(row("m3", message_kind::reminder, outbox_state::pending, 0, old_sched[1].due_utc, 1));

    e.sequence = 1;
    e.start_local = "2027-03-17T14:00";
    e.start_utc = "2027-03-17T13:00:00Z";
    auto sched = reminder_schedule(e, mail_settings{}, amsterdam());
    auto c = plan_messages(e, true, sched, r, now);
    auto ins = inserts(c);
    REQUIRE(ins.size() == 1);
    CHECK(ins[0].kind == message_kind::update);
    CHECK(ins[0].sequence == 1);
    int moved = 0;
    for (const auto& x : c)
        if (x.what == op::set_due) {
            ++moved;
            CHECK((x.due_at == sched[0].due_utc || x.due_at == sched[1].due_utc));
        }
    CHECK(moved == 2);
}

TEST_CASE("an invitation not sent yet is brought up to date instead of adding an update", "[outbox]") {
    auto e = session(3);
    recipient_state r{"per_1", true, false, false, {}};
    r.messages.push_back(row("m1", message_kind::invitation, outbox_state::pending, 2, now));
    auto c = plan_messages(e, true, {}, r, now);
    REQUIRE(c.size() == 1);
    CHECK(c[0].what == op::set_sequence);
    CHECK(c[0].sequence == 3);
}

TEST_CASE("cancelling drops what was not sent and cancels for whoever had the invitation", "[outbox]") {
    auto e = session(1, event_status::cancelled);
    recipient_state had{"per_1", true, false, false, {}};
    had.messages.push_back(row("m1", message_kind::invitation, outbox_state::sent, 0, now));
    had.messages.push_back(row("m2", message_kind::reminder, outbox_state::pending, 0, "2027-03-03T08:00:00Z", 7));
    auto c = plan_messages(e, true, {}, had, now);
    CHECK(drops(c, "m2"));
    auto ins = inserts(c);
    REQUIRE(ins.size() == 1);
    CHECK(ins[0].kind == message_kind::cancellation);
    CHECK(ins[0].sequence == 1);

    // Never sent anything: nothing to cancel.
    recipient_state fresh{"per_2", true, false, false, {}};
    fresh.messages.push_back(row("m3", message_kind::invitation, outbox_state::pending, 0, now));
    c = plan_messages(e, true, {}, fresh, now);
    CHECK(drops(c, "m3"));
    CHECK(inserts(c).empty());

    // Once cancelled and told, a second sync adds nothing.
    had.messages.push_back(row("m4", message_kind::cancellation, outbox_state::sent, 1, now));
    had.messages[1].state = outbox_state::dropped;
    CHECK(inserts(plan_messages(e, true, {}, had, now)).empty());
}

TEST_CASE(
    "someone no longer invited gets a cancellation that outranks what they saw and, invited again, a new invitation",
    "[outbox]") {
    auto e = session(2);
    recipient_state r{"per_1", false, false, false, {}};
    r.messages.push_back(row("m1", message_kind::invitation, outbox_state::sent, 2, now));
    auto ins = inserts(plan_messages(e, true, {}, r, now));
    REQUIRE(ins.size() == 1);
    CHECK(ins[0].kind == message_kind::cancellation);
    CHECK(ins[0].sequence == 3);

    r.messages.push_back(row("m2", message_kind::cancellation, outbox_state::sent, 3, now));
    r.invited = true;
    ins = inserts(plan_messages(e, true, {}, r, now));
    REQUIRE(ins.size() == 1);
    CHECK(ins[0].kind == message_kind::invitation);
    CHECK(ins[0].sequence == 4);

    // Removed and added back before the cancellation went out: the cancellation is dropped.
    recipient_state back{"per_2", true, false, false, {}};
    back.messages.push_back(row("m5", message_kind::invitation, outbox_state::sent, 2, now));
    back.messages.push_back(row("m6", message_kind::cancellation, outbox_state::pending, 3, now));
    auto c = plan_messages(e, true, {}, back, now);
    CHECK(drops(c, "m6"));
    CHECK(inserts(c).empty());
}

TEST_CASE("a declined answer drops pending reminders but keeps the person informed of changes", "[outbox]") {
    auto e = session(0);
    auto sched = reminder_schedule(e, mail_settings{}, amsterdam());
    recipient_state r{"per_1", true, true, false, {}};
    r.messages.push_back(row("m1", message_kind::invitation, outbox_state::sent, 0, now));
    r.messages.push_back(row("m2", message_kind::reminder, outbox_state::pending, 0, sched[0].due_utc, 7));
    auto c = plan_messages(e, true, sched, r, now);
    CHECK(drops(c, "m2"));
    CHECK(inserts(c).empty());
    e.sequence = 1;
    auto ins = inserts(plan_messages(e, true, sched, r, now));
    REQUIRE(ins.size() == 1);
    CHECK(ins[0].kind == message_kind::update);
}

TEST_CASE("nothing changes once the event has started", "[outbox]") {
    auto e = session(0, event_status::cancelled);
    recipient_state r{"per_1", true, false, false, {}};
    r.messages.push_back(row("m1", message_kind::invitation, outbox_state::sent, 0, now));
    CHECK(plan_messages(e, true, {}, r, "2027-03-10T13:00:00Z").empty());
}

TEST_CASE("retries back off exponentially up to the cap", "[outbox]") {
    retry_policy p;
    CHECK(retry_due("2027-01-01T00:00:00Z", 1, p) == "2027-01-01T00:01:00Z");
    CHECK(retry_due("2027-01-01T00:00:00Z", 2, p) == "2027-01-01T00:02:00Z");
    CHECK(retry_due("2027-01-01T00:00:00Z", 4, p) == "2027-01-01T00:08:00Z");
    CHECK(retry_due("2027-01-01T00:00:00Z", 30, p) == "2027-01-01T01:00:00Z");
}
