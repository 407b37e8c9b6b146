#pragma once
// Helpers shared by the files that implement sql_store, one file per store interface
// (programme_data.cpp, events.cpp, attendance.cpp, feeds.cpp, planning.cpp, outbox.cpp,
// tokens.cpp, idempotency.cpp, audit.cpp; sql_store.cpp for what they share). Each
// helper is defined in the file named at it. Internal to storage/: nothing outside this
// folder includes it.

#include "scheduler/model.hpp"
#include "storage/sql.hpp"

#include "storage/sql_store.hpp"
#include <sqlite3.h> // the result codes (storage/sql.hpp)

#include <string>

namespace copsched::storage::detail {

// Runs `f`, turning SQLite failures into domain errors.
template <class F>
auto guarded(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const database_error& e) {
        return to_error(e);
    }
}

// The programmes.meeting_rules column (JSON). A damaged value reads back as defaults,
// field by field, rather than making the programme unreadable. programme_data.cpp, like
// the programme helpers below.
std::string rules_to_json(const scheduler::meeting_rules& r);
scheduler::meeting_rules rules_from_json(const std::string& text);

// The columns read_programme expects, in its order.
inline constexpr const char* programme_columns =
    "id, slug, name, timezone, language, starts_on, ends_on, meeting_rules, feeds_public, created_at, updated_at, "
    "version, mail, holidays, membership_approval";

// The programmes.mail column (JSON); damaged or missing members read back as defaults.
std::string mail_to_json(const scheduler::mail_settings& m);
// The programmes.holidays column (JSON); a missing or damaged member reads back as unset.
std::string holidays_to_json(const scheduler::holiday_settings& h);
scheduler::holiday_settings holidays_from_json(const std::string& text);
scheduler::mail_settings mail_from_json(const std::string& text);

scheduler::programme read_programme(statement& s);

// The columns read_person expects, in its order (programme_data.cpp).
inline constexpr const char* person_columns =
    "id, programme_id, organisation_id, name, email, role, language, active, feed_generation, version, created_at, "
    "updated_at, reminders_opt_out";

scheduler::person read_person(statement& s);

// The columns read_event expects, in its order (events.cpp).
inline constexpr const char* event_columns =
    "id, programme_id, series_id, kind, title, description, working_group_id, start_local, end_local, start_utc, "
    "end_utc, venue_id, online_url, status, sequence, accepted_conflicts, cancelled_at, cancel_reason, created_at, "
    "updated_at, version, all_day";

scheduler::event read_event(statement& s);

// The earliest start an event overlapping one that starts at `start` can have, as stored
// text: `start` minus the longest event of the programme (or of any programme). events.cpp.
std::string earliest_overlapping_start(connection& db, scheduler::sys_seconds start,
                                       const std::optional<std::string>& programme_id);

// The outbox (storage/outbox.cpp; scheduler/outbox.hpp). A change that affects who should
// hear what records a marker in outbox_changes in the caller's transaction: an event
// (person_id nullopt: everyone invited; else one person), or a person (event_id "": all
// their upcoming events). sql_store::plan_outbox turns markers into messages; the claim
// API runs it first, so no change can be missed by a reminder job.
void note_outbox_change(connection& db, const std::string& event_id, const std::optional<std::string>& person_id);
// Every upcoming event of the programme (its mail settings changed).
void note_programme_outbox_change(connection& db, const std::string& programme_id, const std::string& now);
// Before an event or person is deleted: refuses (errc::conflict) when a message was sent
// or is being sent to them; otherwise deletes their unsent messages. `column` is
// "event_id" or "person_id".
scheduler::status forget_unsent_messages(connection& db, const char* column, const std::string& id);

inline scheduler::error stale(std::int64_t stored_version) { return scheduler::stale_version(stored_version); }

} // namespace copsched::storage::detail
