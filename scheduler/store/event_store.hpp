#pragma once
// The events a store keeps (single ones and the occurrences of series) and the facts a
// booking is checked against. SQLite: storage/events.cpp.
// Threading and ownership: called only by the thread that owns the store's connection
// (store_executor runs the jobs there); arguments are only read during the call, answers
// belong to the caller. The errors every method may give: scheduler/store/conventions.hpp.
//
// Same conventions as programme_store: the store assigns ids, version and timestamps on
// create and returns the stored value; get/update/delete give errc::not_found for an
// unknown id, update/delete errc::precondition_failed when `expected` is set and differs
// from the stored version. Events are looked up by id alone: the caller checks that the
// event's programme is one the caller may see. Events are ordered by (start_utc, id); the
// page cursor is opaque text made by the store.

#include "scheduler/conflicts.hpp"
#include "scheduler/model.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store/conventions.hpp"

#include <optional>
#include <string>
#include <vector>

namespace copsched::scheduler {

struct event_filter {
    std::optional<std::string> from_utc; // events ending after this instant
    std::optional<std::string> to_utc;   // events starting before this instant
    std::optional<event_kind> kind;
    std::optional<std::string> working_group_id;
    std::optional<event_status> status;
};

class event_store {
public:
    virtual ~event_store() = default;

    virtual result<event> create_event(const event& e, const std::string& now) = 0;
    virtual result<event> get_event(const std::string& id) = 0;
    virtual result<page<event>> list_events(const std::string& programme_id, const event_filter& f,
                                            const page_request& pr) = 0;
    // Stores every field of `e` (the caller decides sequence and status) and bumps the
    // version.
    virtual result<event> update_event(const event& e, expected_version expected, const std::string& now) = 0;
    // Refused (errc::conflict) while attendance records or reminders refer to it.
    virtual status delete_event(const std::string& id, expected_version expected) = 0;
    // The facts to check a booking of `c` in the programme against: overlapping events
    // (not cancelled; `ignore_event_id` excluded), with the number of people who are at
    // that date members of both that event's group and c's group; overlapping blackouts;
    // the venue's capacity; the number of people invited (CoP meeting: the programme's
    // active people; session: the group's members at that date; other: 0), counted only
    // when c has a venue, whose capacity it is checked against (else 0).
    virtual result<booking_context> booking_facts(const programme& p, const booking_candidate& c,
                                                  const std::optional<std::string>& ignore_event_id) = 0;

    // A recurring series: the rule and the template its occurrences were made from.
    // Returns the new series id. Occurrences are ordinary events with series_id set.
    virtual result<std::string> create_series(const std::string& programme_id, const std::string& rrule,
                                              const std::string& start_local, const std::string& end_local,
                                              const std::string& template_json, const std::string& now) = 0;
    // The series' occurrences ordered by start.
    virtual result<std::vector<event>> series_events(const std::string& series_id) = 0;
};

} // namespace copsched::scheduler
