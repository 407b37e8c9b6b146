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

    // The person's calendar as far as the messages tell: the last calendar message that
    // went out, and the highest SEQUENCE they have seen.
    const outbox_message* last_delivered = nullptr;
    const outbox_message* pending_calendar = nullptr;
    int seen_sequence = -1;
    for (const auto& m : r.messages) {
        if (!is_calendar(m.kind)) continue;
        if (delivered(m.state)) {
            last_delivered = &m;
            seen_sequence = std::max(seen_sequence, m.sequence);
        } else if (unsent(m.state)) {
            if (pending_calendar) out.push_back(drop(*pending_calendar)); // keep only the newest
            pending_calendar = &m;
        }
    }
    const bool has_event = last_delivered && last_delivered->kind != message_kind::cancellation;
    // A change of state (invited again, or cancelled for this person) must outrank every
    // SEQUENCE they saw, else their client ignores it.
    const int next_sequence = seen_sequence < 0 ? e.sequence : std::max(e.sequence, seen_sequence + 1);

    const bool wanted = r.invited && e.status != event_status::cancelled;
    std::optional<message_kind> calendar;
    int sequence = e.sequence;
    if (wanted && !has_event) {
        calendar = message_kind::invitation;
        sequence = next_sequence;
    } else if (wanted && seen_sequence < e.sequence) {
        calendar = message_kind::update;
    } else if (!wanted && has_event) {
        calendar = message_kind::cancellation;
        sequence = next_sequence;
    }

    if (pending_calendar) {
        if (calendar && pending_calendar->kind == *calendar) {
            if (pending_calendar->sequence != sequence) {
                outbox_change c;
                c.what = outbox_change::op::set_sequence;
                c.message_id = pending_calendar->id;
                c.sequence = sequence;
                out.push_back(c);
            }
            calendar.reset();
        } else {
            out.push_back(drop(*pending_calendar));
        }
    }
    if (calendar) out.push_back(insert(*calendar, now, sequence));

    // Reminders.
    const bool remind = wanted && !r.declined && !r.opted_out;
    std::set<std::string> kept;
    for (const auto& slot : remind ? schedule : std::vector<reminder_slot>{}) {
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
        if (slot.due_utc > now) out.push_back(insert(message_kind::reminder, slot.due_utc, e.sequence, slot.days_before));
    }
    for (const auto& m : r.messages)
        if (m.kind == message_kind::reminder && unsent(m.state) && !kept.count(m.id)) out.push_back(drop(m));
    return out;
}

std::string retry_due(const std::string& now, int attempts, const retry_policy& p) {
    auto t = parse_instant(now).value_or(sys_seconds{});
    auto wait = p.backoff_base;
    for (int i = 1; i < attempts && wait < p.backoff_max; ++i) wait *= 2;
    return format_instant(t + std::min(wait, p.backoff_max));
}

} // namespace copsched::scheduler
