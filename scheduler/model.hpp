#pragma once
// The domain model shared by every folder. Plain values: no behaviour that needs I/O.
// Instants are UTC ISO-8601 strings ("2018-06-07T10:00:00Z"); local wall-clock times
// ("2018-06-07T12:00") are kept beside them in the programme's IANA zone.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::scheduler {

enum class organisation_kind { government, company, knowledge_partner };
enum class organisation_level { starter, advanced };
enum class person_role { buyer, sustainability_coordinator, budget_holder, project_leader, consultant, other };
enum class language { nl, en };
enum class membership_role { member, chair, facilitator };
enum class event_kind { cop_meeting, working_group_session, other };
enum class event_status { tentative, confirmed, cancelled };
enum class token_role { admin, organiser, participant };
// How the year planner and suggestions treat a programme's school holidays.
enum class school_holiday_mode { avoid, prefer_not };
// Whether a participant's own join or leave of a working group takes effect at once (none)
// or waits for an organiser's approval (organiser): the programme's memberships.approval.
enum class membership_approval { none, organiser };

// Names as they appear in the API and the database. parse_* return nullopt for an
// unknown name; callers turn that into a field error.
std::string_view to_string(organisation_kind) noexcept;
std::string_view to_string(organisation_level) noexcept;
std::string_view to_string(person_role) noexcept;
std::string_view to_string(language) noexcept;
std::string_view to_string(membership_role) noexcept;
std::string_view to_string(event_kind) noexcept;
std::string_view to_string(event_status) noexcept;
std::string_view to_string(token_role) noexcept;
std::string_view to_string(school_holiday_mode) noexcept;
std::string_view to_string(membership_approval) noexcept;

template <class E>
std::optional<E> parse(std::string_view) noexcept;
template <>
std::optional<organisation_kind> parse(std::string_view) noexcept;
template <>
std::optional<organisation_level> parse(std::string_view) noexcept;
template <>
std::optional<person_role> parse(std::string_view) noexcept;
template <>
std::optional<language> parse(std::string_view) noexcept;
template <>
std::optional<membership_role> parse(std::string_view) noexcept;
template <>
std::optional<event_kind> parse(std::string_view) noexcept;
template <>
std::optional<event_status> parse(std::string_view) noexcept;
template <>
std::optional<token_role> parse(std::string_view) noexcept;
template <>
std::optional<school_holiday_mode> parse(std::string_view) noexcept;
template <>
std::optional<membership_approval> parse(std::string_view) noexcept;

struct meeting_rules {
    int per_year = 4;
    std::vector<std::string> weekdays{"tue", "wed", "thu"};
    std::string start_time = "10:00";
    int duration_minutes = 180;
    int min_gap_days = 42;
    // The school holiday regions (of the programme's holiday country, data/school_holidays)
    // a CoP meeting keeps out of; nullopt: the default for the programme (all regions for a
    // Dutch-language programme in Europe/Amsterdam, none otherwise: see
    // scheduler/day_rules.hpp). An empty list switches school holidays off.
    std::optional<std::vector<std::string>> school_holiday_regions;
    // avoid: no CoP meeting in them (the planner excludes the days); prefer_not: allowed,
    // with a score penalty the reasons state.
    school_holiday_mode school_holidays = school_holiday_mode::avoid;
};

// Whose public holidays count for a programme: a country (ISO 3166-1 alpha-2) and
// optionally one of its subdivisions (ISO 3166-2, "DE-BY"). nullopt country: the country of
// the programme's time zone (scheduler/day_rules.hpp).
struct holiday_settings {
    std::optional<std::string> country;
    std::optional<std::string> subdivision;
    bool operator==(const holiday_settings&) const = default;
};

// E-mail of a programme (docs: README "Reminders"): invitations, updates and cancellations
// as iMIP, and plain reminders some days before each event at a local hour.
struct mail_settings {
    bool enabled = true;      // false: nothing is queued, and pending messages are dropped
    std::string sender_name;  // From display name and ORGANIZER CN; empty: the programme's name
    std::string sender_email; // From and ORGANIZER; empty: the server's default sender
    // The mailbox `copsched inbox` reads ("rsvp@example.org"). Set: each invitation's
    // ORGANIZER and Reply-To are this address tagged for the event and person
    // ("rsvp+TAG@example.org"), so Accept/Decline in mail clients reach copsched. Empty:
    // invitations say RSVP=FALSE and point to the signed RSVP link only.
    std::string reply_address;
    std::string reminder_time = "09:00"; // local time of day reminders go out
    // Days before the event's local date a reminder is sent, per kind of event; 0 = the
    // same day (only when reminder_time is before the start). Each 0..60, at most 5.
    std::vector<int> cop_meeting_days{7, 1};
    std::vector<int> session_days{7, 1};
    std::vector<int> other_days{7, 1};
    bool operator==(const mail_settings&) const = default;
};

struct programme {
    std::string id;
    std::string slug;
    std::string name;
    std::string timezone = "Europe/Amsterdam";
    language lang = language::nl;
    std::string starts_on; // YYYY-MM-DD
    std::string ends_on;   // YYYY-MM-DD
    meeting_rules rules;
    holiday_settings holidays;
    bool feeds_public = true;
    mail_settings mail;
    membership_approval approval = membership_approval::none; // memberships.approval
    int version = 1;
    std::string created_at;
    std::string updated_at;
};

// Every stored resource carries `version` (1 on create, +1 on each update; the HTTP
// ETag) and its creation and last-update instants.
struct organisation {
    std::string id;
    std::string programme_id;
    std::string name;
    organisation_kind kind = organisation_kind::government;
    organisation_level level = organisation_level::starter;
    int version = 1;
    std::string created_at;
    std::string updated_at;
};

struct person {
    std::string id;
    std::string programme_id;
    std::string organisation_id;
    std::string name;
    std::string email;
    person_role role = person_role::other;
    language lang = language::nl;
    bool active = true;
    bool reminders_opt_out = false; // no reminder e-mails (invitations and changes still go out)
    int feed_generation = 0;        // bumped when the personal feed URL is rotated
    int version = 1;
    std::string created_at;
    std::string updated_at;
};

struct working_group {
    std::string id;
    std::string programme_id;
    std::string slug;
    std::string name;
    std::string description;
    std::optional<std::string> archived_at; // archived groups keep their history
    int version = 1;
    std::string created_at;
    std::string updated_at;
};

struct membership {
    std::string id;
    std::string working_group_id;
    std::string person_id;
    membership_role role = membership_role::member;
    std::string from;                 // YYYY-MM-DD, inclusive
    std::optional<std::string> until; // YYYY-MM-DD, inclusive; none = open-ended
    std::string created_at;
};

struct venue {
    std::string id;
    std::string programme_id;
    std::string name;
    std::string address;
    int capacity = 0;
    int version = 1;
    std::string created_at;
    std::string updated_at;
};

struct event {
    std::string id;
    std::string programme_id;
    event_kind kind = event_kind::other;
    std::string title;
    std::string description;
    std::optional<std::string> working_group_id;
    std::string start_local; // YYYY-MM-DDTHH:MM in the programme's zone
    std::string end_local;
    // Whole days: start_local is the first day's 00:00, end_local the 00:00 after the last.
    bool all_day = false;
    std::string start_utc; // YYYY-MM-DDTHH:MM:SSZ
    std::string end_utc;
    std::optional<std::string> venue_id;
    std::string online_url;
    event_status status = event_status::confirmed;
    int sequence = 0;                            // iCalendar SEQUENCE: grows on time, venue or status changes
    std::vector<std::string> accepted_conflicts; // soft conflict types the organiser accepted
    std::optional<std::string> series_id;
    std::optional<std::string> cancelled_at;
    std::optional<std::string> cancel_reason;
    int version = 1;
    std::string created_at;
    std::string updated_at;
};

// An API token as stored: the secret itself is never kept, only its SHA-256.
struct api_token {
    std::string id;
    std::string name;
    token_role role = token_role::participant;
    std::optional<std::string> programme_id;    // organiser, participant
    std::optional<std::string> programme_slug;  // filled on reads
    std::vector<std::string> working_group_ids; // organiser scope; empty = whole programme
    std::optional<std::string> person_id;       // participant
    std::string created_at;
    std::optional<std::string> last_used_at;
    std::optional<std::string> revoked_at;
};

} // namespace copsched::scheduler
