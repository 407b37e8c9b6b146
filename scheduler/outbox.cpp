#include "scheduler/outbox.hpp"

#include "scheduler/civil_time.hpp"
#include "scheduler/enum_names.hpp"

#include <algorithm>
#include <set>

namespace copsched::scheduler {

using detail::name_table;

namespace {

constexpr name_table<message_kind, 4> message_kinds{{
    {message_kind::invitation, "invitation"},
    {message_kind::update, "update"},
    {message_kind::cancellation, "cancellation"},
    {message_kind::reminder, "reminder"},
}};
constexpr name_table<outbox_state, 6> outbox_states{{
    {outbox_state::pending, "pending"},
    {outbox_state::leased, "leased"},
    {outbox_state::sent, "sent"},
    {outbox_state::failed, "failed"},
    {outbox_state::dead, "dead"},
    {outbox_state::dropped, "dropped"},
}};

const std::vector<int>& days_for(const mail_settings& m, event_kind k) {
    switch (k) {
    case event_kind::cop_meeting: return m.cop_meeting_days;
    case event_kind::working_group_session: return m.session_days;
    case event_kind::other: break;
    }
    return m.other_days;
}

// Not sent yet and still to be: these may be changed or dropped.
bool unsent(outbox_state s) { return s == outbox_state::pending || s == outbox_state::failed; }
// Sent, or being sent right now: the recipient has (or is about to have) it.
bool delivered(outbox_state s) { return s == outbox_state::sent || s == outbox_state::leased; }
bool is_calendar(message_kind k) { return k != message_kind::reminder; }

outbox_change drop(const outbox_message& m) {
    outbox_change c;
    c.what = outbox_change::op::drop;
    c.message_id = m.id;
    return c;
}

outbox_change insert(message_kind k, std::string due, int sequence, std::optional<int> days = {}) {
    outbox_change c;
    c.what = outbox_change::op::insert;
    c.kind = k;
    c.due_at = std::move(due);
    c.sequence = sequence;
    c.days_before = days;
    return c;
}

// The person's calendar as far as the messages tell.
struct calendar_seen {
    const outbox_message* last_delivered = nullptr; // the last calendar message that went out
    const outbox_message* pending = nullptr;        // the newest unsent calendar message
    int sequence = -1;                              // the highest SEQUENCE they have seen

    [[nodiscard]] bool has_event() const noexcept {
        return last_delivered && last_delivered->kind != message_kind::cancellation;
    }
};

// Reads the person's calendar messages; every unsent one but the newest is dropped.
calendar_seen read_calendar(const recipient_state& r, std::vector<outbox_change>& out) {
    calendar_seen seen;
    for (const auto& m : r.messages) {
        if (!is_calendar(m.kind)) continue;
        if (delivered(m.state)) {
            seen.last_delivered = &m;
            seen.sequence = std::max(seen.sequence, m.sequence);
        } else if (unsent(m.state)) {
            if (seen.pending) out.push_back(drop(*seen.pending)); // keep only the newest
            seen.pending = &m;
        }
    }
    return seen;
}

// The calendar message the person is owed now, if any, and the SEQUENCE it carries.
struct calendar_owed {
    std::optional<message_kind> kind;
    int sequence = 0;
};

calendar_owed owed_calendar(const event& e, bool wanted, const calendar_seen& seen) {
    // A change of state (invited again, or cancelled for this person) must outrank every
    // SEQUENCE they saw, else their client ignores it.
    const int next_sequence = seen.sequence < 0 ? e.sequence : std::max(e.sequence, seen.sequence + 1);
    if (wanted && !seen.has_event()) return {message_kind::invitation, next_sequence};
    if (wanted && seen.sequence < e.sequence) return {message_kind::update, e.sequence};
    if (!wanted && seen.has_event()) return {message_kind::cancellation, next_sequence};
    return {std::nullopt, e.sequence};
}

// A pending calendar message of the owed kind is brought up to date, one of another kind
// dropped; the owed message is added unless the pending one already is it.
void plan_calendar(const calendar_seen& seen, calendar_owed owed, const std::string& now,
                   std::vector<outbox_change>& out) {
    if (seen.pending) {
        if (owed.kind && seen.pending->kind == *owed.kind) {
            if (seen.pending->sequence != owed.sequence) {
                outbox_change c;
                c.what = outbox_change::op::set_sequence;
                c.message_id = seen.pending->id;
                c.sequence = owed.sequence;
                out.push_back(c);
            }
            owed.kind.reset();
        } else {
            out.push_back(drop(*seen.pending));
        }
    }
    if (owed.kind) out.push_back(insert(*owed.kind, now, owed.sequence));
}

// Per slot of the schedule: nothing when a reminder for that time went out; else an
// unsent one is kept or moved (not into the past), or a new one added when still due.
// Unsent reminders that no slot kept are dropped.
void plan_reminders(const event& e, const std::vector<reminder_slot>& schedule, const recipient_state& r,
                    const std::string& now, std::vector<outbox_change>& out) {
    std::set<std::string> kept;
    for (const auto& slot : schedule) {
        bool done = false;
        const outbox_message* movable = nullptr;
        for (const auto& m : r.messages) {
            if (m.kind != message_kind::reminder || m.days_before != slot.days_before) continue;
            if (delivered(m.state) && m.due_at == slot.due_utc) done = true;
            if (unsent(m.state) && !movable) movable = &m;
        }
        if (done) continue;
        if (movable) {
            if (movable->due_at == slot.due_utc) {
                kept.insert(movable->id);
            } else if (slot.due_utc > now) {
                outbox_change c;
                c.what = outbox_change::op::set_due;
                c.message_id = movable->id;
                c.due_at = slot.due_utc;
                out.push_back(c);
                kept.insert(movable->id);
            }
            continue;
        }
        if (slot.due_utc > now)
            out.push_back(insert(message_kind::reminder, slot.due_utc, e.sequence, slot.days_before));
    }
    for (const auto& m : r.messages)
        if (m.kind == message_kind::reminder && unsent(m.state) && !kept.count(m.id)) out.push_back(drop(m));
}

} // namespace

COPSCHED_ENUM_NAMES(message_kind, message_kinds)
COPSCHED_ENUM_NAMES(outbox_state, outbox_states)
#undef COPSCHED_ENUM_NAMES

std::vector<reminder_slot> reminder_schedule(const event& e, const mail_settings& m, const time_zone& zone) {
    std::vector<reminder_slot> out;
    const auto start = parse_local_time(e.start_local);
    const auto at = parse_local_time("2000-01-01T" + m.reminder_time);
    if (!start || !at) return out;
    std::set<int> days(days_for(m, e.kind).begin(), days_for(m, e.kind).end());
    for (int d : days) {
        if (d < 0) continue;
        civil_time local{add_days(start->date, -d), at->hour, at->minute, 0};
        auto due = format_instant(zone.to_utc(local).first);
        if (due < e.start_utc) out.push_back({d, std::move(due)});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.due_utc < b.due_utc; });
    return out;
}

std::vector<outbox_change> plan_messages(const event& e, bool mail_enabled, const std::vector<reminder_slot>& schedule,
                                         const recipient_state& r, const std::string& now) {
    std::vector<outbox_change> out;
    if (!mail_enabled) {
        for (const auto& m : r.messages)
            if (unsent(m.state)) out.push_back(drop(m));
        return out;
    }
    if (e.start_utc <= now) return out;

    const calendar_seen seen = read_calendar(r, out);
    const bool wanted = r.invited && e.status != event_status::cancelled;
    plan_calendar(seen, owed_calendar(e, wanted, seen), now, out);
    const bool remind = wanted && !r.declined && !r.opted_out;
    plan_reminders(e, remind ? schedule : std::vector<reminder_slot>{}, r, now, out);
    return out;
}

std::string retry_due(const std::string& now, int attempts, const retry_policy& p) {
    auto t = parse_instant(now).value_or(sys_seconds{});
    auto wait = p.backoff_base;
    for (int i = 1; i < attempts && wait < p.backoff_max; ++i) wait *= 2;
    return format_instant(t + std::min(wait, p.backoff_max));
}

} // namespace copsched::scheduler
