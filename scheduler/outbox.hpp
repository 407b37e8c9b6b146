#pragma once
// The e-mail outbox: which messages an event owes each person, when reminders are due,
// and how failed sends are retried. Pure functions; the store keeps the rows (written in
// the same transaction as the change that makes them) and the HTTP API leases them to
// reminder jobs, which send them over SMTP.
//
// Per (event, person) the outbox holds calendar messages (invitation, update,
// cancellation: iMIP REQUEST/CANCEL) and reminders (plain e-mail, one per rule of
// mail_settings). A row is `pending` until due, `leased` while a job sends it, then
// `sent`; a temporary failure makes it `failed` (due again after a back-off), a permanent
// one or too many attempts `dead`; messages no longer wanted are `dropped` unsent.

#include "scheduler/model.hpp"
#include "scheduler/time_zone.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::scheduler {

enum class message_kind { invitation, update, cancellation, reminder };
enum class outbox_state { pending, leased, sent, failed, dead, dropped };

std::string_view to_string(message_kind) noexcept;
std::string_view to_string(outbox_state) noexcept;
template <>
std::optional<message_kind> parse(std::string_view) noexcept;
template <>
std::optional<outbox_state> parse(std::string_view) noexcept;

// One stored message.
struct outbox_message {
    std::string id;
    std::string programme_id;
    std::string event_id;
    std::string person_id;
    message_kind kind = message_kind::reminder;
    outbox_state state = outbox_state::pending;
    std::string due_at;             // UTC instant: claimable from then on
    int sequence = 0;               // calendar messages: the SEQUENCE they carry
    std::optional<int> days_before; // reminders: the rule that made it
    int attempts = 0;               // claims so far
    std::optional<std::string> lease_id;
    std::optional<std::string> lease_until;
    std::optional<std::string> message_id; // the Message-ID it was sent with
    std::optional<std::string> last_error;
    std::string created_at;
    std::string updated_at;
};

// --- what an event owes a person -----------------------------------------------------------

// A reminder rule applied to one event: due at the programme's reminder time, days_before
// days before the event's local start date.
struct reminder_slot {
    int days_before = 0;
    std::string due_utc;
};

// The reminders of mail_settings for the event's kind, ordered by due time, leaving out
// those not before the event's start. Nothing for an all-day event's same-day rule
// (the day has begun at its start). nullopt never: a local time in a summer-time gap is
// moved to the first instant after it.
[[nodiscard]] std::vector<reminder_slot> reminder_schedule(const event& e, const mail_settings& m,
                                                           const time_zone& zone);

// What the outbox knows about one person for one event.
struct recipient_state {
    std::string person_id;
    bool invited = false;                 // by the data or as a guest, right now
    bool declined = false;                // their RSVP is "declined"
    bool opted_out = false;               // person.reminders_opt_out
    std::vector<outbox_message> messages; // this event's messages to them, oldest first
};

struct outbox_change {
    enum class op { insert, drop, set_sequence, set_due };
    op what = op::insert;
    std::string message_id; // drop, set_sequence, set_due: the row
    // insert: the new row; set_sequence: sequence; set_due: due_at.
    message_kind kind = message_kind::reminder;
    std::string due_at;
    int sequence = 0;
    std::optional<int> days_before;
};

// The changes that bring one person's messages for `e` in line with the data at `now`:
//  - mail disabled: every unsent message is dropped, nothing is added;
//  - the event has started: nothing changes (its messages are history or too late);
//  - invited and the event not cancelled: an invitation when their calendar does not
//    have the event (never sent, or a cancellation was the last sent), an update when
//    the last one sent carries an older SEQUENCE; a pending calendar message is brought
//    up to date instead of adding another. Reminders per `schedule` unless declined or
//    opted out: a pending one moves with the event (dropped if its new time has
//    passed), one already sent for the same time is not repeated, new ones only when due
//    after `now`;
//  - otherwise (not invited, or cancelled): unsent messages are dropped, and a
//    cancellation goes to someone whose calendar has the event.
// A calendar message's SEQUENCE is the event's, but never at or below one already sent
// to the person when their calendar changes state (re-invited after a cancellation, or
// cancelled for them alone).
[[nodiscard]] std::vector<outbox_change> plan_messages(const event& e, bool mail_enabled,
                                                       const std::vector<reminder_slot>& schedule,
                                                       const recipient_state& r, const std::string& now);

// --- retries -----------------------------------------------------------------------------

struct retry_policy {
    int max_attempts = 5;                   // claims before a message is dead
    std::chrono::seconds backoff_base{60};  // wait after the first failure
    std::chrono::seconds backoff_max{3600}; // longest wait
};

// When a message that failed temporarily after `attempts` claims (>= 1) is due again:
// now + base * 2^(attempts - 1), at most now + max.
[[nodiscard]] std::string retry_due(const std::string& now, int attempts, const retry_policy& p);

} // namespace copsched::scheduler
