#pragma once
// Planning data a store keeps: imported blackout calendars, personal busy times, and the
// facts the year planner and the slot suggestions read. SQLite: storage/planning.cpp.
// Threading and ownership: called only by the thread that owns the store's connection
// (store_executor runs the jobs there); arguments are only read during the call, answers
// belong to the caller. The errors every method may give: scheduler/store/conventions.hpp.

#include "scheduler/model.hpp"
#include "scheduler/planner.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store/conventions.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace copsched::scheduler {

struct blackout_import {
    std::string id;
    std::string programme_id;
    std::string name;        // given at upload, e.g. "Schoolvakanties regio midden"
    std::size_t periods = 0; // blackout periods it added
    std::string created_at;
};
struct blackout_period {
    std::string id;
    std::string import_id;
    std::string name;      // the SUMMARY it came from
    std::string start_utc; // instants
    std::string end_utc;
};
struct planning_query {
    std::string programme_id;
    interval window;                             // facts overlapping it
    std::optional<std::string> working_group_id; // set: members and sessions for suggestions
};
struct planning_event {
    named_interval what; // id, title, UTC span
    event_kind kind = event_kind::other;
    std::optional<std::string> working_group_id;
    // For a query with a group: a session of another group that shares a member with the
    // query's group on the session's local date.
    bool shares_members = false;
};
struct planning_facts {
    std::vector<named_interval> blackouts; // overlapping the window, by start
    std::vector<planning_event> events;    // not cancelled, overlapping the window, by start
    std::vector<planner_person> people;    // the programme's active people, by id, busy within the window
    std::vector<group_member> members;     // query with a group: its memberships overlapping the window
                                           // of active people, busy within the window
};

class planning_store {
public:
    virtual ~planning_store() = default;

    // Stores one uploaded blackout calendar's periods under a new import. invalid_input
    // (field "name") when the programme already has an import of that name.
    virtual result<blackout_import> import_blackouts(const std::string& programme_id, const std::string& name,
                                                     const std::vector<named_interval>& periods,
                                                     const std::string& now) = 0;
    // The programme's imports, oldest first.
    virtual result<std::vector<blackout_import>> list_blackout_imports(const std::string& programme_id) = 0;
    // The programme's blackout periods (of one import when given), by start then id.
    virtual result<std::vector<blackout_period>> list_blackouts(const std::string& programme_id,
                                                                const std::optional<std::string>& import_id) = 0;
    // One page of list_blackouts: `pr.after` is the cursor "<start_utc> <id>" of the last
    // period of the previous page (invalid_input, field "cursor", when malformed). This
    // default pages over list_blackouts; the SQLite store reads only the page.
    virtual result<page<blackout_period>> page_blackouts(const std::string& programme_id,
                                                         const std::optional<std::string>& import_id,
                                                         const page_request& pr) {
        auto all = list_blackouts(programme_id, import_id);
        if (!all) return all.err();
        std::string after_start, after_id;
        if (pr.after) {
            const auto space = pr.after->find(' ');
            if (space == std::string::npos) return error::invalid("cursor", "is not a cursor this service gave out");
            after_start = pr.after->substr(0, space);
            after_id = pr.after->substr(space + 1);
        }
        page<blackout_period> out;
        for (auto& b : *all) {
            if (pr.after && (b.start_utc < after_start || (b.start_utc == after_start && b.id <= after_id))) continue;
            if (out.items.size() == pr.limit) {
                out.next_cursor = out.items.back().start_utc + " " + out.items.back().id;
                break;
            }
            out.items.push_back(std::move(b));
        }
        return out;
    }
    // Deletes an import and its periods; not_found unless it belongs to the programme.
    virtual status delete_blackout_import(const std::string& programme_id, const std::string& import_id) = 0;
    // Replaces the person's busy times; not_found for an unknown person. Returns the count.
    virtual result<std::size_t> replace_busy_times(const std::string& person_id, const std::vector<interval>& busy) = 0;
    // The person's busy times by start.
    virtual result<std::vector<interval>> busy_times(const std::string& person_id) = 0;
    // What the year planner and the slot suggestions need (see planning_facts).
    virtual result<planning_facts> planning_facts_for(const planning_query& q) = 0;
};

} // namespace copsched::scheduler
