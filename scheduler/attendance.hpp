#pragma once
// Attendance: who is invited to an event, their RSVP and whether they were there, and the
// reports the programme office needs. Pure values and functions over facts the caller
// gathered from the store: any thread may call them; same input, same output.
//
// Who is invited (the store derives it; see store.hpp, "attendance"):
//   CoP meeting              every active person of the programme
//   working-group session    the members of the event's group on the event's local date
//   other                    nobody
//   any event                plus the guests added to it
// Until an event starts its invitations follow the data (a new member is invited to the
// group's future sessions; someone whose membership ended is not invited to sessions after
// it). From its start they are frozen: the store keeps them as they were, whatever changes
// later, so reports over the past never change when people or memberships do.
//
// Reports count held events only: not cancelled and started (start_utc <= now). For a set
// of invitations of held events:
//   present, absent, excused   as recorded
//   unrecorded                 no presence recorded
//   expected                   invited - excused
//   rate                       present / expected (none when expected is 0)

#include "scheduler/model.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::scheduler {

enum class rsvp_answer { accepted, tentative, declined };
enum class presence_state { present, absent, excused };
enum class attendance_mode { onsite, online };
enum class invitation_source { programme, working_group, guest };

std::string_view to_string(rsvp_answer) noexcept;
std::string_view to_string(presence_state) noexcept;
std::string_view to_string(attendance_mode) noexcept;
std::string_view to_string(invitation_source) noexcept;
template <>
std::optional<rsvp_answer> parse(std::string_view) noexcept;
template <>
std::optional<presence_state> parse(std::string_view) noexcept;
template <>
std::optional<attendance_mode> parse(std::string_view) noexcept;
template <>
std::optional<invitation_source> parse(std::string_view) noexcept;

// One person's invitation to one event, with what they answered and what was recorded.
// Never carries an e-mail address.
struct invitation {
    std::string event_id;
    std::string person_id;
    std::string person_name;
    std::string organisation_id;
    person_role role = person_role::other;
    invitation_source source = invitation_source::programme;
    bool frozen = false; // the event has started and this record is kept as it is
    std::optional<rsvp_answer> rsvp;
    std::optional<std::string> rsvp_comment;
    std::optional<std::string> rsvp_at; // UTC instant
    std::optional<presence_state> presence;
    std::optional<attendance_mode> mode;
    std::optional<std::string> recorded_at; // UTC instant of the last presence change
};

struct attendance_counts {
    std::size_t invited = 0;
    std::size_t accepted = 0;
    std::size_t tentative = 0;
    std::size_t declined = 0;
    std::size_t no_answer = 0;
    std::size_t present = 0;
    std::size_t absent = 0;
    std::size_t excused = 0;
    std::size_t unrecorded = 0;
    std::size_t onsite = 0; // of those present
    std::size_t online = 0; // of those present
};

// Counts over one event's invitations.
[[nodiscard]] attendance_counts count_attendance(const std::vector<invitation>& invitations);

// --- reports ------------------------------------------------------------------------------

// What the reports are computed from: the programme's organisations, people, groups and
// memberships, and the events of a window with every invitation to them (frozen or
// derived; see store.hpp).
struct report_organisation {
    std::string id;
    std::string name;
    organisation_kind kind = organisation_kind::government;
    organisation_level level = organisation_level::starter;
};
struct report_person {
    std::string id;
    std::string name;
    std::string organisation_id;
    person_role role = person_role::other;
    bool active = true;
};
struct report_group {
    std::string id;
    std::string name;
    bool archived = false;
};
struct report_membership {
    std::string person_id;
    std::string working_group_id;
    std::string from;                 // YYYY-MM-DD inclusive
    std::optional<std::string> until; // YYYY-MM-DD inclusive; none = open
};
struct report_event {
    std::string id;
    event_kind kind = event_kind::other;
    std::optional<std::string> working_group_id;
    std::string title;
    std::string start_local; // YYYY-MM-DDTHH:MM
    std::string start_utc;
    std::string end_utc;
    event_status status = event_status::confirmed;
};
struct report_invitation {
    std::string event_id;
    std::string person_id;
    invitation_source source = invitation_source::programme;
    std::optional<rsvp_answer> rsvp;
    std::optional<presence_state> presence;
    std::optional<attendance_mode> mode;
};
struct report_facts {
    std::vector<report_organisation> organisations; // ordered by name, then id
    std::vector<report_person> people;              // every person, active or not, ordered by name, then id
    std::vector<report_group> groups;               // ordered by name, then id
    std::vector<report_membership> memberships;     // every membership of those groups
    std::vector<report_event> events;               // of the window, ordered by start_utc, then id
    std::vector<report_invitation> invitations;     // to those events
};

enum class report_grouping { person, organisation, working_group, role };
std::string_view to_string(report_grouping) noexcept;
template <>
std::optional<report_grouping> parse(std::string_view) noexcept;

// Counts over a set of invitations of held events (see the top of this file).
struct rate_cell {
    std::size_t invited = 0;
    std::size_t present = 0;
    std::size_t absent = 0;
    std::size_t excused = 0;
    std::size_t unrecorded = 0;
    std::size_t events = 0;     // distinct held events counted
    std::optional<double> rate; // present / (invited - excused), 0..1
};

struct attendance_row {
    std::string key;             // person, organisation or working-group id, or the role name
    std::string label;           // name (role: its name in the requested language)
    std::string organisation_id; // by person: the person's organisation; else empty
    rate_cell year;
    rate_cell quarters[4];
};

struct attendance_report {
    int year = 0;
    report_grouping by = report_grouping::person;
    std::vector<attendance_row> rows; // ordered by label, then key
    rate_cell total;                  // over every counted invitation
};

// Attendance over the held events whose local start date falls in `year`, grouped:
//   person          every invitation of the person; a row for every person with at least
//                   one invitation to a held event of the year
//   organisation    the invitations of the organisation's people; a row for every
//                   organisation of the facts (zero counts when none)
//   working_group   the invitations to the group's sessions; a row for every group
//   role            the invitations of people with that role; a row for every role that
//                   has at least one
// Quarters by the event's local start month. `now_utc` decides which events are held.
[[nodiscard]] attendance_report make_attendance_report(const report_facts& facts, report_grouping by, int year,
                                                       const std::string& now_utc, language lang);

// The commitments check for one year: every organisation has at least `min_people_in_groups`
// active people with a membership overlapping the year, and was present (at least one of its
// people) at at least `min_cop_meetings` of the year's held CoP meetings.
struct commitment_thresholds {
    int min_people_in_groups = 1;
    int min_cop_meetings = 3;
};

enum class commitment_status { meets, on_track, falls_short };
std::string_view to_string(commitment_status) noexcept;

struct commitment_row {
    std::string organisation_id;
    std::string organisation_name;
    std::size_t people_in_groups = 0;           // active people with a membership overlapping the year
    std::vector<std::string> working_group_ids; // the groups they are in, sorted
    std::size_t cop_meetings_held = 0;          // in the year, held (see top)
    std::size_t cop_meetings_attended = 0;      // of those, with at least one of its people present
    std::size_t cop_meetings_planned = 0;       // in the year, not started, not cancelled
    // meets: both thresholds met. on_track: the group threshold is met and attended +
    // planned still reaches min_cop_meetings. falls_short: otherwise.
    commitment_status status = commitment_status::meets;
    std::vector<std::string> reasons; // why it is not `meets`, in the requested language; empty when it meets
};

struct commitments_report {
    int year = 0;
    commitment_thresholds thresholds;
    std::vector<commitment_row> organisations; // ordered by name, then id
    std::size_t meeting = 0, on_track = 0, falling_short = 0;
};

[[nodiscard]] commitments_report check_commitments(const report_facts& facts, int year, const std::string& now_utc,
                                                   const commitment_thresholds& thresholds, language lang);

// Organisations of which nobody was present at any of the last `meetings` held CoP
// meetings (of all the facts' events, not only one year).
struct absent_organisation {
    std::string organisation_id;
    std::string organisation_name;
    std::optional<std::string> last_present_at; // local start of the last CoP meeting it attended, if any
};
struct absence_report {
    std::vector<report_event> meetings;             // the held CoP meetings considered, latest first
    std::vector<absent_organisation> organisations; // ordered by name, then id
};

[[nodiscard]] absence_report absent_from_last_meetings(const report_facts& facts, std::size_t meetings,
                                                       const std::string& now_utc);

} // namespace copsched::scheduler
