#pragma once
// Attendance a store keeps: invitations, answers (RSVP), presence, guests, the freeze of
// started events and the facts the reports read. Who is invited: scheduler/attendance.hpp.
// SQLite: storage/attendance.cpp.
// Threading and ownership: called only by the thread that owns the store's connection
// (store_executor runs the jobs there); arguments are only read during the call, answers
// belong to the caller. The errors every method may give: scheduler/store/conventions.hpp.
//
// An event's invitations are derived from the data (the programme's active people, the
// group's members on the event's local date) plus its guests, until the event is frozen:
// from then on the stored records are the invitations, unchanged by later changes to
// people or memberships. The SQLite store freezes every event that has started
// (start_utc <= now) at the start of each write transaction, before any job of it runs,
// so a frozen list is exactly the derived list at the event's start; reads of a started
// event that is not frozen yet derive it, with the same result.

#include "scheduler/attendance.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store/conventions.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace copsched::scheduler {

class attendance_store {
public:
    virtual ~attendance_store() = default;

    // The event's invitations ordered by person name, then person id. not_found for an
    // unknown event.
    virtual result<std::vector<invitation>> event_invitations(const std::string& event_id) = 0;
    // One invitation; not_found when the event is unknown or the person is not invited.
    virtual result<invitation> get_invitation(const std::string& event_id, const std::string& person_id) = 0;
    // Stores the person's answer (comment: none clears it) and rsvp_at = now; not_found
    // when the person is not invited. The answer stays with the person while they are
    // invited; an answer of someone no longer invited is dropped when the event freezes.
    virtual result<invitation> set_rsvp(const std::string& event_id, const std::string& person_id, rsvp_answer answer,
                                        const std::optional<std::string>& comment, const std::string& now) = 0;
    // Stores presence and mode (none clears the mode) and recorded_at = now. A person of
    // the event's programme who is not invited is added as a guest first (someone who came
    // anyway); errc::invalid_input (field "person_id") for a person of another programme or
    // an unknown one; not_found for an unknown event.
    virtual result<invitation> record_presence(const std::string& event_id, const std::string& person_id,
                                               presence_state presence, std::optional<attendance_mode> mode,
                                               const std::string& now) = 0;
    // Adds a guest: errc::invalid_input (field "person_id") for a person who is not an
    // active person of the event's programme; errc::conflict when already invited.
    virtual result<invitation> add_guest(const std::string& event_id, const std::string& person_id,
                                         const std::string& now) = 0;
    // Removes a guest: not_found when the person is not a guest of the event; errc::conflict
    // once a presence is recorded for them.
    virtual status remove_guest(const std::string& event_id, const std::string& person_id) = 0;
    // Freezes every event with start_utc <= now that is not frozen yet: stores its derived
    // invitations (keeping answers and guests), drops answers of people no longer invited.
    // Returns the number of events frozen.
    virtual result<std::size_t> freeze_started_events(const std::string& now) = 0;
    // The person's invitations to events starting in [from_utc, to_utc), by event start.
    virtual result<std::vector<invitation>> person_invitations(const std::string& person_id,
                                                               const std::string& from_utc,
                                                               const std::string& to_utc) = 0;
    // Facts for the reports (attendance.hpp): the programme's organisations, people, groups
    // and memberships, its events starting in [from_utc, to_utc) (cancelled included) and
    // every invitation to them.
    virtual result<report_facts> report_facts_for(const std::string& programme_id, const std::string& from_utc,
                                                  const std::string& to_utc) = 0;
};

} // namespace copsched::scheduler
