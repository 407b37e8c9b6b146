// The e-mail outbox in SQLite: the reminders table kept in line with the data by
// scheduler::plan_messages, and the claim/lease life cycle of its rows. The semantics are
// the contract in scheduler/store/outbox_store.hpp.
#include "storage/sql_store.hpp"

#include "storage/sql_store_internal.hpp"

#include "scheduler/clock.hpp"
#include "scheduler/time_zone.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace copsched::storage {

using detail::guarded;
using scheduler::claim_request;
using scheduler::claimed_message;
using scheduler::errc;
using scheduler::error;
using scheduler::message_kind;
using scheduler::outbox_message;
using scheduler::outbox_state;
using scheduler::page;
using scheduler::page_request;
using scheduler::result;
using scheduler::status;

namespace {

constexpr const char* message_columns =
    "id, programme_id, event_id, person_id, kind, state, due_at, sequence, days_before, attempts, lease_id, "
    "lease_until, message_id, last_error, created_at, updated_at";

outbox_message read_message(statement& s) {
    outbox_message m;
    m.id = s.text(0);
    m.programme_id = s.text(1);
    m.event_id = s.text(2);
    m.person_id = s.text(3);
    m.kind = scheduler::parse<message_kind>(s.text(4)).value_or(message_kind::reminder);
    m.state = scheduler::parse<outbox_state>(s.text(5)).value_or(outbox_state::dead);
    m.due_at = s.text(6);
    m.sequence = static_cast<int>(s.integer(7));
    if (!s.is_null(8)) m.days_before = static_cast<int>(s.integer(8));
    m.attempts = static_cast<int>(s.integer(9));
    m.lease_id = s.optional_text(10);
    m.lease_until = s.optional_text(11);
    m.message_id = s.optional_text(12);
    m.last_error = s.optional_text(13);
    m.created_at = s.text(14);
    m.updated_at = s.text(15);
    return m;
}

// The SELECT of message_columns from reminders, followed by `tail`.
std::string select_messages(const char* tail) {
    return std::string("SELECT ") + message_columns + " FROM reminders " + tail;
}

// A lookup through the store's own getters: not_found becomes nullopt, any other error is
// passed on.
template <class T>
result<std::optional<T>> if_found(result<T> r) {
    if (r) return std::optional<T>(std::move(*r));
    if (r.err().code == errc::not_found) return std::optional<T>();
    return std::move(r).err();
}

// --- outbox_counts: messages per programme and state -----------------------------------------
// Every write to reminders adjusts the counts in its own transaction (migration 10 says why
// not by triggers); the summary reads them instead of counting messages.

void add_to_count(connection& db, const std::string& programme_id, const std::string& state, std::int64_t delta) {
    db.prepare("UPDATE outbox_counts SET messages = messages + ?3 WHERE programme_id = ?1 AND state = ?2")
        .bind_all(programme_id, state, delta)
        .run();
    if (db.changes() == 0)
        db.prepare("INSERT INTO outbox_counts(programme_id, state, messages) VALUES (?1, ?2, ?3) "
                   "ON CONFLICT (programme_id, state) DO UPDATE SET messages = outbox_counts.messages + ?3")
            .bind_all(programme_id, state, delta)
            .run();
}

// The message's programme and state; nullopt when there is no such message.
std::optional<std::pair<std::string, std::string>> counted_as(connection& db, const std::string& id) {
    auto s = db.prepare("SELECT programme_id, state FROM reminders WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return std::pair{std::string(s.text(0)), std::string(s.text(1))};
}

// Runs `write`, an UPDATE of message `id`, and moves the message between the counts when
// its state changed.
template <class Write>
void recounted(connection& db, const std::string& id, Write&& write) {
    const auto before = counted_as(db, id);
    std::forward<Write>(write)();
    const auto after = counted_as(db, id);
    if (before == after) return;
    if (before) add_to_count(db, before->first, before->second, -1);
    if (after) add_to_count(db, after->first, after->second, 1);
}

void apply(connection& db, const scheduler::event& e, const std::string& person_id,
           const std::vector<scheduler::outbox_change>& changes, const std::string& now) {
    using op = scheduler::outbox_change::op;
    for (const auto& c : changes) {
        switch (c.what) {
        case op::insert:
            db.prepare(
                  "INSERT INTO reminders(id, programme_id, event_id, person_id, kind, due_at, state, attempts, "
                  "sequence, days_before, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)")
                .bind_all(new_id("msg"), e.programme_id, e.id, person_id, scheduler::to_string(c.kind), c.due_at,
                          c.sequence, c.days_before, now, now)
                .run();
            add_to_count(db, e.programme_id, "pending", 1);
            break;
        case op::drop:
            recounted(db, c.message_id, [&] {
                db.prepare("UPDATE reminders SET state = 'dropped', updated_at = ? WHERE id = ? AND state IN "
                           "('pending','failed')")
                    .bind_all(now, c.message_id)
                    .run();
            });
            break;
        case op::set_sequence:
            db.prepare("UPDATE reminders SET sequence = ?, updated_at = ? WHERE id = ?")
                .bind_all(c.sequence, now, c.message_id)
                .run();
            break;
        case op::set_due:
            db.prepare("UPDATE reminders SET due_at = ?, updated_at = ? WHERE id = ?")
                .bind_all(c.due_at, now, c.message_id)
                .run();
            break;
        }
    }
}

// The event's data the planner needs, loaded once per sync.
struct event_plan {
    scheduler::event e;
    bool mail_enabled = true;
    std::vector<scheduler::reminder_slot> schedule;
};

// nullopt when the event (or its programme) no longer exists.
result<std::optional<event_plan>> plan_for(connection& db, const std::string& event_id) {
    sql_store store(db);
    auto e = if_found(store.get_event(event_id));
    if (!e) return e.err();
    if (!*e) return std::optional<event_plan>();
    auto p = if_found(store.get_programme_by_id((*e)->programme_id));
    if (!p) return p.err();
    if (!*p) return std::optional<event_plan>();
    event_plan out{**e, (*p)->mail.enabled, {}};
    if (const auto* zone = scheduler::find_time_zone((*p)->timezone))
        out.schedule = scheduler::reminder_schedule(out.e, (*p)->mail, *zone);
    return std::optional<event_plan>(std::move(out));
}

} // namespace

namespace detail {

void note_outbox_change(connection& db, const std::string& event_id, const std::optional<std::string>& person_id) {
    db.prepare("INSERT INTO outbox_changes(event_id, person_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
        .bind_all(event_id, person_id.value_or(""))
        .run_later();
}

void note_programme_outbox_change(connection& db, const std::string& programme_id, const std::string& now) {
    db.prepare("INSERT INTO outbox_changes(event_id, person_id) "
               "SELECT id, '' FROM events WHERE programme_id = ? AND start_utc > ? ON CONFLICT DO NOTHING")
        .bind_all(programme_id, now)
        .run();
}

} // namespace detail

namespace {

// Brings the messages of one event (everyone invited, or one person) in line with the data.
status sync_event_outbox(connection& db, const std::string& event_id, const std::optional<std::string>& person_id,
                         const std::string& now) {
    auto found = plan_for(db, event_id);
    if (!found) return found.err();
    const auto& plan = *found;
    if (!plan) return scheduler::ok();
    // Nothing changes once the event has started, whatever mail_enabled says: its messages
    // are history, and claiming drops the unsent ones.
    if (plan->e.start_utc <= now) return scheduler::ok();

    std::map<std::string, scheduler::recipient_state> people;
    {
        auto s = person_id
                     ? db.prepare("SELECT i.person_id, i.rsvp, p.reminders_opt_out FROM invitations i "
                                  "JOIN people p ON p.id = i.person_id WHERE i.event_id = ?1 AND i.person_id = ?2")
                     : db.prepare("SELECT i.person_id, i.rsvp, p.reminders_opt_out FROM invitations i "
                                  "JOIN people p ON p.id = i.person_id WHERE i.event_id = ?1");
        s.bind(1, event_id);
        if (person_id) s.bind(2, *person_id);
        while (s.step()) {
            auto& r = people[s.text(0)];
            r.person_id = s.text(0);
            r.invited = true;
            r.declined = s.optional_text(1) == std::optional<std::string>("declined");
            r.opted_out = s.integer(2) != 0;
        }
    }
    {
        // In the order the messages were made: SQLite's rowid, PostgreSQL's reminders.seq.
        static const std::string of_person = select_messages("WHERE event_id = ?1 AND person_id = ?2 ORDER BY rowid");
        static const std::string of_event = select_messages("WHERE event_id = ?1 ORDER BY rowid");
        static const std::string of_person_pg = select_messages("WHERE event_id = ?1 AND person_id = ?2 ORDER BY seq");
        static const std::string of_event_pg = select_messages("WHERE event_id = ?1 ORDER BY seq");
        auto s = person_id ? db.prepare(of_person.c_str(), of_person_pg.c_str())
                           : db.prepare(of_event.c_str(), of_event_pg.c_str());
        s.bind(1, event_id);
        if (person_id) s.bind(2, *person_id);
        while (s.step()) {
            auto m = read_message(s);
            auto& r = people[m.person_id];
            r.person_id = m.person_id;
            r.messages.push_back(std::move(m));
        }
    }
    for (const auto& [id, r] : people)
        apply(db, plan->e, id, scheduler::plan_messages(plan->e, plan->mail_enabled, plan->schedule, r, now), now);
    return scheduler::ok();
}

// ... of every upcoming event of a person: those they are invited to and those they have
// messages for.
status sync_person_outbox(connection& db, const std::string& person_id, const std::string& now) {
    std::vector<std::string> events;
    {
        auto s = db.prepare("SELECT event_id FROM invitations WHERE person_id = ?1 AND start_utc > ?2 "
                            "UNION SELECT r.event_id FROM reminders r JOIN events e ON e.id = r.event_id "
                            "WHERE r.person_id = ?1 AND e.start_utc > ?2");
        s.bind_all(person_id, now);
        while (s.step()) events.push_back(s.text(0));
    }
    for (const auto& id : events)
        if (auto st = sync_event_outbox(db, id, person_id, now); !st) return st;
    return scheduler::ok();
}

} // namespace

namespace detail {

status forget_unsent_messages(connection& db, const char* column, const std::string& id) {
    const bool by_event = std::string_view(column) == "event_id";
    auto s = db.prepare(by_event ? "SELECT COUNT(*) FROM reminders WHERE event_id = ? AND state IN ('sent','leased')"
                                 : "SELECT COUNT(*) FROM reminders WHERE person_id = ? AND state IN ('sent','leased')");
    s.bind(1, id);
    s.step();
    if (s.integer(0) > 0)
        return error{errc::conflict,
                     by_event ? "E-mail about this event has been sent; cancel it instead (POST /api/v1/events/" + id +
                                    "/cancel), which tells everyone."
                              : std::string("E-mail has been sent to this person; set them inactive instead."),
                     {}};
    std::vector<std::tuple<std::string, std::string, std::int64_t>> counted;
    {
        auto c = db.prepare(by_event ? "SELECT programme_id, state, COUNT(*) FROM reminders WHERE event_id = ? "
                                       "GROUP BY programme_id, state"
                                     : "SELECT programme_id, state, COUNT(*) FROM reminders WHERE person_id = ? "
                                       "GROUP BY programme_id, state");
        c.bind(1, id);
        while (c.step()) counted.emplace_back(std::string(c.text(0)), std::string(c.text(1)), c.integer(2));
    }
    for (const auto& [programme_id, state, n] : counted) add_to_count(db, programme_id, state, -n);
    db.prepare(by_event ? "DELETE FROM reminders WHERE event_id = ?" : "DELETE FROM reminders WHERE person_id = ?")
        .bind(1, id)
        .run();
    return scheduler::ok();
}

} // namespace detail

// --- planning ----------------------------------------------------------------------------------

result<bool> sql_store::plan_outbox(const std::string& now, std::size_t max_changes) {
    return guarded([&]() -> result<bool> {
        // One planner at a time, also across instances sharing a PostgreSQL database: two
        // would turn the same change into messages twice.
        db_.lock_key("outbox planning");
        std::vector<std::pair<std::string, std::string>> changes;
        {
            auto s = db_.prepare("SELECT event_id, person_id FROM outbox_changes LIMIT ?");
            s.bind(1, static_cast<std::int64_t>(max_changes));
            while (s.step()) changes.emplace_back(s.text(0), s.text(1));
        }
        for (const auto& [event_id, person_id] : changes) {
            auto st = event_id.empty()
                          ? sync_person_outbox(db_, person_id, now)
                          : sync_event_outbox(db_, event_id,
                                              person_id.empty() ? std::nullopt : std::optional(person_id), now);
            if (!st) return st.err();
            db_.prepare("DELETE FROM outbox_changes WHERE event_id = ? AND person_id = ?")
                .bind_all(event_id, person_id)
                .run();
        }
        auto more = db_.prepare("SELECT EXISTS (SELECT 1 FROM outbox_changes)");
        more.step();
        return more.integer(0) != 0;
    });
}

// --- the claim/lease life cycle --------------------------------------------------------------

namespace {

// The ids to claim, with the attempts each has had: expired leases first (the oldest
// work), then pending or failed messages due by now, at most r.limit in all. On
// PostgreSQL the rows are locked as they are picked and rows another instance is claiming
// are skipped (FOR UPDATE SKIP LOCKED), so two jobs never get the same message; SQLite's
// one writer claims for everyone.
std::vector<std::pair<std::string, int>> claimable_messages(connection& db, const claim_request& r,
                                                            const std::string& now) {
    const auto limit = static_cast<std::int64_t>(r.limit);
    std::vector<std::pair<std::string, int>> picked; // id, attempts so far
    {
        auto s = db.prepare("SELECT id, attempts FROM reminders WHERE state = 'leased' AND lease_until <= ?1 "
                            "AND (?2 IS NULL OR programme_id = ?2) ORDER BY lease_until LIMIT ?3",
                            "SELECT id, attempts FROM reminders WHERE state = 'leased' AND lease_until <= ?1 "
                            "AND (?2 IS NULL OR programme_id = ?2) ORDER BY lease_until LIMIT ?3 "
                            "FOR UPDATE SKIP LOCKED");
        s.bind_all(now, r.programme_id, limit);
        while (s.step()) picked.emplace_back(s.text(0), static_cast<int>(s.integer(1)));
    }
    if (static_cast<std::int64_t>(picked.size()) < limit) {
        auto s = db.prepare("SELECT id, attempts FROM reminders WHERE state IN ('pending','failed') AND due_at <= ?1 "
                            "AND (?2 IS NULL OR programme_id = ?2) ORDER BY due_at, rowid LIMIT ?3",
                            "SELECT id, attempts FROM reminders WHERE state IN ('pending','failed') AND due_at <= ?1 "
                            "AND (?2 IS NULL OR programme_id = ?2) ORDER BY due_at, seq LIMIT ?3 "
                            "FOR UPDATE SKIP LOCKED");
        s.bind_all(now, r.programme_id, limit - static_cast<std::int64_t>(picked.size()));
        while (s.step()) picked.emplace_back(s.text(0), static_cast<int>(s.integer(1)));
    }
    return picked;
}

// A message claimed max_attempts times without a report is given up.
void mark_dead_unreported(connection& db, const std::string& id, const std::string& now) {
    recounted(db, id, [&] {
        db.prepare("UPDATE reminders SET state = 'dead', lease_id = NULL, lease_until = NULL, "
                   "last_error = 'claimed ' || attempts || ' times without a report (a job stopped while "
                   "sending?)', updated_at = ? WHERE id = ?")
            .bind_all(now, id)
            .run();
    });
}

void drop_started(connection& db, const std::string& id, const std::string& now) {
    recounted(db, id, [&] {
        db.prepare("UPDATE reminders SET state = 'dropped', lease_id = NULL, lease_until = NULL, "
                   "last_error = 'the event started before it was sent', updated_at = ? WHERE id = ?")
            .bind_all(now, id)
            .run();
    });
}

void lease(connection& db, const std::string& id, const claim_request& r, const std::string& now) {
    recounted(db, id, [&] {
        db.prepare("UPDATE reminders SET state = 'leased', attempts = attempts + 1, lease_id = ?, lease_until = ?, "
                   "leased_by = ?, updated_at = ? WHERE id = ?")
            .bind_all(r.lease_id, r.lease_until, r.claimed_by, now, id)
            .run();
    });
}

// The programmes of one claim, each loaded once.
using programme_cache = std::map<std::string, scheduler::programme>;

// The programme from the cache, loaded on first use; nullptr when it no longer exists.
result<const scheduler::programme*> cached_programme(sql_store& store, programme_cache& programmes,
                                                     const std::string& programme_id) {
    auto p = programmes.find(programme_id);
    if (p == programmes.end()) {
        auto loaded = if_found(store.get_programme_by_id(programme_id));
        if (!loaded) return loaded.err();
        if (!*loaded) return static_cast<const scheduler::programme*>(nullptr);
        p = programmes.emplace(programme_id, std::move(**loaded)).first;
    }
    return &p->second;
}

// The names a claimed message is rendered with: its event's group, its venue and address.
status add_group_and_venue(sql_store& store, claimed_message& c) {
    if (c.ev.working_group_id) {
        auto g = if_found(store.get_working_group(*c.ev.working_group_id));
        if (!g) return g.err();
        if (*g) c.working_group_name = (*g)->name;
    }
    if (c.ev.venue_id) {
        auto v = if_found(store.get_venue(*c.ev.venue_id));
        if (!v) return v.err();
        if (*v) {
            c.venue_name = (*v)->name;
            c.venue_address = (*v)->address;
        }
    }
    return scheduler::ok();
}

// Leases one picked message with what is needed to render it. nullopt when there is
// nothing to send: the message, its event, recipient or programme is gone, or the event
// has started (the message is dropped).
result<std::optional<claimed_message>> claim_one(sql_store& store, connection& db, const claim_request& r,
                                                 const std::string& id, const std::string& now,
                                                 programme_cache& programmes) {
    const std::optional<claimed_message> nothing;
    auto m = if_found(store.get_message(id));
    if (!m) return m.err();
    if (!*m) return nothing;
    auto e = if_found(store.get_event((*m)->event_id));
    if (!e) return e.err();
    auto who = if_found(store.get_person((*m)->person_id));
    if (!who) return who.err();
    if (!*e || !*who) return nothing;
    if ((*e)->start_utc <= now) {
        drop_started(db, id, now);
        return nothing;
    }
    auto prog = cached_programme(store, programmes, (*e)->programme_id);
    if (!prog) return prog.err();
    if (!*prog) return nothing;
    lease(db, id, r, now);
    claimed_message c;
    c.message = std::move(**m);
    c.message.state = outbox_state::leased;
    c.message.attempts += 1;
    c.message.lease_id = r.lease_id;
    c.message.lease_until = r.lease_until;
    c.ev = std::move(**e);
    c.recipient = std::move(**who);
    c.prog = **prog;
    if (auto st = add_group_and_venue(store, c); !st) return st.err();
    return std::optional<claimed_message>(std::move(c));
}

} // namespace

result<std::vector<claimed_message>> sql_store::claim_messages(const claim_request& r, const std::string& now) {
    return guarded([&]() -> result<std::vector<claimed_message>> {
        std::vector<claimed_message> out;
        programme_cache programmes;
        for (const auto& [id, attempts] : claimable_messages(db_, r, now)) {
            if (attempts >= r.max_attempts) {
                mark_dead_unreported(db_, id, now);
                continue;
            }
            auto c = claim_one(*this, db_, r, id, now, programmes);
            if (!c) return c.err();
            if (*c) out.push_back(std::move(**c));
        }
        return out;
    });
}

namespace {

// The message for a report about it: not_found outside the caller's programme; conflict
// when lease_id is given and another claim holds it now.
result<outbox_message> reported(sql_store& store, const std::string& id, const std::optional<std::string>& programme_id,
                                const std::optional<std::string>& lease_id) {
    auto found = store.get_message(id);
    if (!found) return found;
    const auto& m = *found;
    if (programme_id && m.programme_id != *programme_id)
        return error{errc::not_found, "No message with id '" + id + "'.", {}};
    if (lease_id && m.lease_id != lease_id && m.state != outbox_state::sent)
        return error{errc::conflict,
                     "The lease was lost: another job claimed this message after the lease expired.",
                     {{"lease_id", "is not the message's current lease"}}};
    return m;
}

} // namespace

result<outbox_message> sql_store::mark_sent(const std::string& id, const std::optional<std::string>& programme_id,
                                            const std::optional<std::string>& lease_id, const std::string& message_id,
                                            const std::string& now) {
    return guarded([&]() -> result<outbox_message> {
        auto m = reported(*this, id, programme_id, lease_id);
        if (!m) return m.err();
        if (m->state == outbox_state::sent) return *m;
        recounted(db_, id, [&] {
            db_.prepare("UPDATE reminders SET state = 'sent', message_id = ?, lease_until = NULL, last_error = NULL, "
                        "updated_at = ? WHERE id = ?")
                .bind_all(message_id, now, id)
                .run();
        });
        return get_message(id);
    });
}

result<outbox_message> sql_store::mark_failed(const std::string& id, const std::optional<std::string>& programme_id,
                                              const std::optional<std::string>& lease_id, const std::string& error_text,
                                              bool permanent, const scheduler::retry_policy& p,
                                              const std::string& now) {
    return guarded([&]() -> result<outbox_message> {
        auto m = reported(*this, id, programme_id, lease_id);
        if (!m) return m.err();
        if (m->state != outbox_state::leased)
            return error{errc::conflict,
                         "The message is " + std::string(scheduler::to_string(m->state)) + ", not being sent.",
                         {}};
        const bool dead = permanent || m->attempts >= p.max_attempts;
        recounted(db_, id, [&] {
            db_.prepare(
                   "UPDATE reminders SET state = ?, due_at = ?, lease_id = NULL, lease_until = NULL, last_error = ?, "
                   "updated_at = ? WHERE id = ?")
                .bind_all(dead ? "dead" : "failed", dead ? m->due_at : scheduler::retry_due(now, m->attempts, p),
                          error_text, now, id)
                .run();
        });
        return get_message(id);
    });
}

result<outbox_message> sql_store::retry_message(const std::string& id, const std::optional<std::string>& programme_id,
                                                const std::string& now) {
    return guarded([&]() -> result<outbox_message> {
        auto m = reported(*this, id, programme_id, std::nullopt);
        if (!m) return m.err();
        if (m->state != outbox_state::dead && m->state != outbox_state::failed)
            return error{errc::conflict,
                         "Only dead or failed messages can be retried; this one is " +
                             std::string(scheduler::to_string(m->state)) + ".",
                         {}};
        recounted(db_, id, [&] {
            db_.prepare("UPDATE reminders SET state = 'pending', attempts = 0, due_at = ?, updated_at = ? WHERE id = ?")
                .bind_all(now, now, id)
                .run();
        });
        return get_message(id);
    });
}

result<outbox_message> sql_store::get_message(const std::string& id) {
    return guarded([&]() -> result<outbox_message> {
        static const std::string sql = select_messages("WHERE id = ?");
        auto s = db_.prepare(sql.c_str());
        s.bind(1, id);
        if (!s.step()) return error{errc::not_found, "No message with id '" + id + "'.", {}};
        return read_message(s);
    });
}

result<page<outbox_message>> sql_store::list_messages(const scheduler::outbox_filter& f, const page_request& pr) {
    return guarded([&]() -> result<page<outbox_message>> {
        static const std::string sql = select_messages(
            "WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR programme_id = ?2) AND (?3 IS NULL OR event_id = ?3) "
            "AND (?4 IS NULL OR person_id = ?4) AND (?5 IS NULL OR id < ?5) ORDER BY id DESC LIMIT ?6");
        auto s = db_.prepare(sql.c_str());
        std::optional<std::string> state;
        if (f.state) state = std::string(scheduler::to_string(*f.state));
        s.bind_all(state, f.programme_id, f.event_id, f.person_id, pr.after, static_cast<std::int64_t>(pr.limit + 1));
        page<outbox_message> out;
        while (s.step()) out.items.push_back(read_message(s));
        if (out.items.size() > pr.limit) {
            out.items.resize(pr.limit);
            out.next_cursor = out.items.back().id;
        }
        return out;
    });
}

result<scheduler::outbox_summary> sql_store::summarise_outbox(const std::optional<std::string>& programme_id,
                                                              const std::string& now) {
    return guarded([&]() -> result<scheduler::outbox_summary> {
        scheduler::outbox_summary out;
        std::map<std::string, std::size_t> counts;
        {
            // outbox_counts is kept by triggers on reminders (storage/migrations.cpp, version 10).
            auto s = db_.prepare("SELECT state, CAST(SUM(messages) AS BIGINT) FROM outbox_counts WHERE (?1 IS NULL OR "
                                 "programme_id = ?1) "
                                 "GROUP BY state");
            s.bind(1, programme_id);
            while (s.step()) counts[s.text(0)] = static_cast<std::size_t>(s.integer(1));
        }
        for (auto st : {outbox_state::pending, outbox_state::leased, outbox_state::sent, outbox_state::failed,
                        outbox_state::dead, outbox_state::dropped})
            out.by_state.emplace_back(st, counts[std::string(scheduler::to_string(st))]);
        // A programme's messages due by now are counted in reminders_programme_due alone; all
        // programmes' in reminders_claimable.
        auto s = programme_id ? db_.prepare("SELECT COUNT(*), MIN(due_at) FROM reminders WHERE programme_id = ?2 "
                                            "AND state IN ('pending','failed') AND due_at <= ?1")
                              : db_.prepare("SELECT COUNT(*), MIN(due_at) FROM reminders "
                                            "WHERE state IN ('pending','failed') AND due_at <= ?1");
        s.bind(1, now);
        if (programme_id) s.bind(2, *programme_id);
        s.step();
        out.due_now = static_cast<std::size_t>(s.integer(0));
        out.oldest_due = s.optional_text(1);
        return out;
    });
}

} // namespace copsched::storage
