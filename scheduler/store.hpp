#pragma once
// The storage contract the scheduler needs. Implementations live in storage/ (SQLite
// today); a second one (PostgreSQL) can be added beside it without touching this folder.
//
// Threading: a `store` is bound to one database connection and is only ever used by the
// thread that owns that connection. Callers reach it through a `store_executor`, which
// runs jobs on the right thread; nothing here blocks an HTTP I/O thread.

#include "scheduler/attendance.hpp"
#include "scheduler/conflicts.hpp"
#include "scheduler/demo.hpp"
#include "scheduler/model.hpp"
#include "scheduler/outbox.hpp"
#include "scheduler/planner.hpp"
#include "scheduler/result.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace copsched::scheduler {

// What is needed to create an API token; the secret itself never reaches the store.
struct new_api_token {
    std::string name;
    token_role role = token_role::participant;
    std::optional<std::string> programme_slug;
    std::vector<std::string> working_group_ids;
    std::optional<std::string> person_id;
    std::string lookup_prefix; // public part of the token, indexed
    std::string secret_hash;   // hex SHA-256 of the whole token
};

// A stored token together with its hash, for authentication only.
struct token_credentials {
    api_token token;
    std::string secret_hash;
};

// Keyset pagination over ids (ids are opaque and unique; order is by id). `after` is
// the last id of the previous page; `limit` is already clamped by the caller.
struct page_request {
    std::optional<std::string> after;
    std::size_t limit = 50;
};

template <class T>
struct page {
    std::vector<T> items;
    std::optional<std::string> next_cursor; // the last id when more may follow
};

struct organisation_filter {
    std::optional<organisation_kind> kind;
    std::optional<organisation_level> level;
};

struct person_filter {
    std::optional<std::string> organisation_id;
    std::optional<person_role> role;
    std::optional<std::string> email;
};

struct working_group_filter {
    bool include_archived = false;
};

struct event_filter {
    std::optional<std::string> from_utc; // events ending after this instant
    std::optional<std::string> to_utc;   // events starting before this instant
    std::optional<event_kind> kind;
    std::optional<std::string> working_group_id;
    std::optional<event_status> status;
};

// Version check for updates and deletes: nullopt = unconditional; otherwise the
// stored version must equal it (If-Match), else errc::precondition_failed.
using expected_version = std::optional<int>;

// The error for an expected_version that names an older version than the stored one.
inline error stale_version(std::int64_t stored_version) {
    return {errc::precondition_failed,
            "The resource has changed (version " + std::to_string(stored_version) + "); fetch it again and retry.", {}};
}

// A feed's events: see store::feed_events.
enum class feed_scope { programme, working_group, organisation, person };
struct feed_query {
    feed_scope scope = feed_scope::programme;
    std::string programme_id;
    std::string id; // the group, organisation or person; unused for programme
};
struct feed_event {
    event e;
    std::string working_group_name; // empty when the event has no group
    std::string venue_name;         // empty when it has no venue
    std::string venue_address;
};
struct feed_token_state {
    std::string person_id;
    int generation = 0;
    std::optional<std::string> hash;
};

// Planning: imported blackout calendars, personal busy times and what the planner needs.
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
    interval window;                          // facts overlapping it
    std::optional<std::string> working_group_id; // set: members and sessions for suggestions
};
struct planning_event {
    named_interval what;                       // id, title, UTC span
    event_kind kind = event_kind::other;
    std::optional<std::string> working_group_id;
    // For a query with a group: a session of another group that shares a member with the
    // query's group on the session's local date.
    bool shares_members = false;
};
struct planning_facts {
    std::vector<named_interval> blackouts;  // overlapping the window, by start
    std::vector<planning_event> events;     // not cancelled, overlapping the window, by start
    std::vector<planner_person> people;     // the programme's active people, by id, busy within the window
    std::vector<group_member> members;      // query with a group: its memberships overlapping the window
                                            // of active people, busy within the window
};

struct audit_entry {
    std::string actor;       // token id, or "cli"
    std::string action;      // "token.create", ...
    std::string object_type;
    std::string object_id;
    std::string detail;      // JSON text, never a secret
};

// An Idempotency-Key as stored: the request it was first used with and, once
// answered, the answer.
struct idempotency_record {
    std::string request_hash;
    int status = 0;        // 0 while the first request is still running
    std::string response;  // JSON text: {"headers": {...}, "body": "..."}
};

struct audit_record {
    std::int64_t id = 0;
    std::string at;
    audit_entry entry;
};

struct audit_filter {
    std::optional<std::string> object_type;
    std::optional<std::string> object_id;
    std::optional<std::string> actor;
};

// The outbox: see store::claim_messages and scheduler/outbox.hpp.
struct claim_request {
    std::size_t limit = 20;
    std::string lease_id;     // new for every claim
    std::string lease_until;  // instant
    std::string claimed_by;   // token id
    std::optional<std::string> programme_id; // only this programme's messages
    int max_attempts = 5;
};
struct claimed_message {
    outbox_message message;
    event ev;
    programme prog;
    person recipient;
    std::string working_group_name; // empty when none
    std::string venue_name;         // empty when none
    std::string venue_address;
};
struct outbox_filter {
    std::optional<outbox_state> state;
    std::optional<std::string> programme_id;
    std::optional<std::string> event_id;
    std::optional<std::string> person_id;
};
struct outbox_summary {
    std::vector<std::pair<outbox_state, std::size_t>> by_state; // every state, in enum order
    std::size_t due_now = 0;                 // pending or failed, due by now
    std::optional<std::string> oldest_due;   // the earliest due_at of those
};

class store {
public:
    virtual ~store() = default;

    // --- reads ---------------------------------------------------------------------
    // Succeeds when the database answers a trivial query.
    virtual status ping() = 0;
    // All tokens whose public prefix matches (normally zero or one). Revoked ones too:
    // the caller decides.
    virtual result<std::vector<token_credentials>> find_tokens_by_prefix(const std::string& prefix) = 0;
    virtual result<std::vector<api_token>> list_tokens() = 0;
    virtual result<std::vector<programme>> list_programmes() = 0;
    // errc::not_found when no programme has this slug.
    virtual result<programme> get_programme(const std::string& slug) = 0;
    virtual result<std::size_t> count_programmes() = 0;

    // --- writes (only on a writable store) -------------------------------------------
    // errc::invalid_input when the programme slug, a working group or the person does
    // not exist or does not belong to the programme.
    virtual result<api_token> create_token(const new_api_token& t, const std::string& now) = 0;
    // errc::not_found for an unknown id; revoking twice keeps the first revocation time.
    virtual status revoke_token(const std::string& id, const std::string& now) = 0;
    virtual status touch_token(const std::string& id, const std::string& now) = 0;
    // Seeds the demo programme; returns false (and writes nothing) when a programme with
    // the demo's slug already exists.
    virtual result<bool> seed_demo(const demo_data& demo, const std::string& now) = 0;
    virtual status append_audit(const audit_entry& e, const std::string& now) = 0;

    // --- programme data ----------------------------------------------------------------
    // Contract for every create/update below: ids, version and timestamps in the
    // argument are ignored on create (the store assigns them) and the stored value is
    // returned. Uniqueness violations (programme slug, organisation name, person e-mail,
    // working group slug, all within their programme) give errc::conflict with a detail
    // naming the field. get_* give errc::not_found for an unknown id. update_* and
    // delete_* give errc::not_found for an unknown id and errc::precondition_failed when
    // `expected` is set and differs from the stored version; update_* increment the
    // version. delete_* give errc::conflict (detail says what still refers to it and to
    // archive instead) when history refers to the object.
    // Objects are looked up by id alone: the caller checks that the object's
    // programme_id is one the caller may see.
    virtual result<programme> create_programme(const programme& p, const std::string& now) = 0;
    virtual result<programme> get_programme_by_id(const std::string& id) = 0;
    virtual result<programme> update_programme(const programme& p, expected_version expected, const std::string& now) = 0;

    virtual result<organisation> create_organisation(const organisation& o, const std::string& now) = 0;
    virtual result<organisation> get_organisation(const std::string& id) = 0;
    virtual result<page<organisation>> list_organisations(const std::string& programme_id, const organisation_filter& f,
                                                          const page_request& pr) = 0;
    virtual result<organisation> update_organisation(const organisation& o, expected_version expected, const std::string& now) = 0;
    // Refused while people belong to it.
    virtual status delete_organisation(const std::string& id, expected_version expected) = 0;

    // create/update: errc::invalid_input (field "organisation_id") when the organisation
    // is not in the person's programme.
    virtual result<person> create_person(const person& p, const std::string& now) = 0;
    virtual result<person> get_person(const std::string& id) = 0;
    virtual result<page<person>> list_people(const std::string& programme_id, const person_filter& f,
                                             const page_request& pr) = 0;
    virtual result<person> update_person(const person& p, expected_version expected, const std::string& now) = 0;
    // Refused while memberships, attendance records or tokens refer to the person.
    virtual status delete_person(const std::string& id, expected_version expected) = 0;

    virtual result<working_group> create_working_group(const working_group& g, const std::string& now) = 0;
    virtual result<working_group> get_working_group(const std::string& id) = 0;
    virtual result<page<working_group>> list_working_groups(const std::string& programme_id, const working_group_filter& f,
                                                            const page_request& pr) = 0;
    virtual result<working_group> update_working_group(const working_group& g, expected_version expected, const std::string& now) = 0;
    // Sets archived_at (keeps the first archival time); bumps the version.
    virtual result<working_group> archive_working_group(const std::string& id, expected_version expected, const std::string& now) = 0;
    // Refused while memberships, events or tokens refer to the group.
    virtual status delete_working_group(const std::string& id, expected_version expected) = 0;

    // errc::invalid_input (field "person_id") when the person is not in the group's
    // programme; (field "until") when until < from; errc::conflict when the person
    // already has a membership of this group overlapping [from, until].
    virtual result<membership> create_membership(const membership& m, const std::string& now) = 0;
    // Ordered by person id, then from.
    virtual result<std::vector<membership>> list_memberships(const std::string& working_group_id) = 0;
    // not_found for an unknown id.
    virtual result<membership> get_membership(const std::string& id) = 0;
    // Stores m.role and m.until (the other fields are fixed): errc::invalid_input (field
    // "until") when until < from, errc::conflict when the new span overlaps another
    // membership of the same person in the same group; not_found for an unknown id.
    virtual result<membership> update_membership(const membership& m, const std::string& now) = 0;

    virtual result<venue> create_venue(const venue& v, const std::string& now) = 0;
    virtual result<venue> get_venue(const std::string& id) = 0;
    virtual result<page<venue>> list_venues(const std::string& programme_id, const page_request& pr) = 0;
    virtual result<venue> update_venue(const venue& v, expected_version expected, const std::string& now) = 0;
    // Refused while events refer to the venue.
    virtual status delete_venue(const std::string& id, expected_version expected) = 0;

    // --- events ---------------------------------------------------------------------------
    // Same conventions as above. Events are ordered by (start_utc, id); the page cursor is
    // opaque text made by the store. update_event stores every field of `e` (the caller
    // decides sequence and status) and bumps the version.
    virtual result<event> create_event(const event& e, const std::string& now) = 0;
    virtual result<event> get_event(const std::string& id) = 0;
    virtual result<page<event>> list_events(const std::string& programme_id, const event_filter& f,
                                            const page_request& pr) = 0;
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

    // --- calendar feeds ------------------------------------------------------------------------
    // The events a feed shows, ordered by start_utc then id, cancelled ones included (the
    // caller leaves out those cancelled before its grace period, and uses them for
    // Last-Modified), each with its working group's name and its venue's name and address:
    //  programme:     every event of the programme;
    //  working_group: the group's sessions;
    //  organisation:  the programme's CoP meetings and other events, and the sessions of
    //                 groups that an active person of the organisation belongs to on the
    //                 session's local date;
    //  person:        the programme's CoP meetings and other events, the sessions of groups
    //                 the person belongs to on the session's local date, and every event
    //                 the person has an attendance record (an invitation) for.
    // An unknown id gives an empty list.
    virtual result<std::vector<feed_event>> feed_events(const feed_query& q) = 0;
    // The person whose personal feed token hashes to `hash` (hex SHA-256); not_found else.
    virtual result<person> find_person_by_feed_hash(const std::string& hash) = 0;
    // Sets the person's feed token generation and its hash (rotation: generation + 1).
    // not_found for an unknown person.
    virtual status set_feed_token(const std::string& person_id, int generation, const std::string& hash) = 0;
    // Every person's feed token state, to bring stored hashes in line with the server's key.
    virtual result<std::vector<feed_token_state>> feed_token_states() = 0;
    // The working groups the person has (or had) a membership of, at any date, ordered by id.
    virtual result<std::vector<std::string>> person_working_group_ids(const std::string& person_id) = 0;
    // When an event of the programme was last deleted (UTC instant), or "" if never: feeds
    // use it so that Last-Modified never goes backwards.
    virtual result<std::string> last_event_deletion(const std::string& programme_id) = 0;

    // --- planning ----------------------------------------------------------------------------
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
    // Deletes an import and its periods; not_found unless it belongs to the programme.
    virtual status delete_blackout_import(const std::string& programme_id, const std::string& import_id) = 0;
    // Replaces the person's busy times; not_found for an unknown person. Returns the count.
    virtual result<std::size_t> replace_busy_times(const std::string& person_id, const std::vector<interval>& busy) = 0;
    // The person's busy times by start.
    virtual result<std::vector<interval>> busy_times(const std::string& person_id) = 0;
    // What the year planner and the slot suggestions need (see planning_facts).
    virtual result<planning_facts> planning_facts_for(const planning_query& q) = 0;

    // --- attendance (see attendance.hpp for who is invited) ----------------------------------
    // An event's invitations are derived from the data (the programme's active people, the
    // group's members on the event's local date) plus its guests, until the event is
    // frozen: from then on the stored records are the invitations, unchanged by later
    // changes to people or memberships. The SQLite store freezes every event that has
    // started (start_utc <= now) at the start of each write transaction, before any job of
    // it runs, so a frozen list is exactly the derived list at the event's start; reads of
    // a started event that is not frozen yet derive it, with the same result.
    //
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
    virtual result<std::vector<invitation>> person_invitations(const std::string& person_id, const std::string& from_utc,
                                                               const std::string& to_utc) = 0;
    // Facts for the reports (attendance.hpp): the programme's organisations, people, groups
    // and memberships, its events starting in [from_utc, to_utc) (cancelled included) and
    // every invitation to them.
    virtual result<report_facts> report_facts_for(const std::string& programme_id, const std::string& from_utc,
                                                  const std::string& to_utc) = 0;

    // --- the e-mail outbox (scheduler/outbox.hpp) ------------------------------------------
    // Every change that affects who should hear what (events created, changed, cancelled;
    // guests; RSVPs; people; memberships; a programme's mail settings) records what changed
    // in the same transaction as the change. plan_outbox() turns those records into
    // messages with plan_messages(), at most max_changes of them per call, and returns
    // whether more remain; callers run it until none remain before claiming or listing.
    virtual result<bool> plan_outbox(const std::string& now, std::size_t max_changes) = 0;
    //
    // Leases up to r.limit due messages to the caller, oldest due first: pending or failed
    // ones due by `now`, and leased ones whose lease has expired (those claimed
    // r.max_attempts times already become dead instead). Each claim counts an attempt and
    // gets r.lease_id and r.lease_until. Messages whose event has started by now are
    // dropped instead (too late to be useful). Each comes with what is needed to render it.
    virtual result<std::vector<claimed_message>> claim_messages(const claim_request& r, const std::string& now) = 0;
    // Marks a message sent with its Message-ID. not_found for an unknown id (or one of
    // another programme when programme_id is set); errc::conflict when lease_id is given
    // and another claim holds the message now (the lease was lost). Marking a sent
    // message sent again changes nothing.
    virtual result<outbox_message> mark_sent(const std::string& id, const std::optional<std::string>& programme_id,
                                             const std::optional<std::string>& lease_id, const std::string& message_id,
                                             const std::string& now) = 0;
    // Records a failed send: permanent, or attempts >= p.max_attempts, makes it dead;
    // otherwise failed and due at retry_due(). Errors as mark_sent; conflict also when the
    // message is not leased (already sent, dropped or dead).
    virtual result<outbox_message> mark_failed(const std::string& id, const std::optional<std::string>& programme_id,
                                               const std::optional<std::string>& lease_id, const std::string& error_text,
                                               bool permanent, const retry_policy& p, const std::string& now) = 0;
    // A dead or failed message becomes pending, due now, with its attempts reset;
    // errc::conflict for any other state.
    virtual result<outbox_message> retry_message(const std::string& id, const std::optional<std::string>& programme_id,
                                                 const std::string& now) = 0;
    virtual result<outbox_message> get_message(const std::string& id) = 0;
    // Newest first (by id); the cursor is the last id of the previous page.
    virtual result<page<outbox_message>> list_messages(const outbox_filter& f, const page_request& pr) = 0;
    virtual result<outbox_summary> summarise_outbox(const std::optional<std::string>& programme_id,
                                                    const std::string& now) = 0;

    // --- idempotency keys and the audit trail ------------------------------------------------
    // Claims (token, key) for a request: returns nullopt when the key was free (it is now
    // recorded as running), else the stored record. Records created before
    // `expired_before` are deleted first.
    virtual result<std::optional<idempotency_record>> claim_idempotency_key(const std::string& token_id,
                                                                          const std::string& key,
                                                                          const std::string& request_hash,
                                                                          const std::string& now,
                                                                          const std::string& expired_before) = 0;
    // Stores the answer; status 0 (or a server error) releases the key instead.
    virtual status finish_idempotency_key(const std::string& token_id, const std::string& key, int http_status,
                                          const std::string& response) = 0;
    // Newest first; the cursor is the id of the last entry of the previous page.
    virtual result<page<audit_record>> list_audit(const audit_filter& f, const page_request& pr) = 0;
};

// Runs store jobs on database-owned threads.
//
// read(): the job runs on one of the reader threads with a read-only store.
// write(): `work` runs on the single writer thread inside its own savepoint; an error
//   result rolls back that job's changes only. Jobs waiting together are committed in
//   one transaction (group commit); `done` runs on the writer thread only after that
//   commit is durable, with the job's own result, or errc::unavailable if the commit
//   failed. Neither callback may block for long: they should post elsewhere.
class store_executor {
public:
    using read_job = std::function<void(store&)>;
    using write_work = std::function<status(store&)>;
    using write_done = std::function<void(const status&)>;

    virtual ~store_executor() = default;
    virtual void read(read_job job) = 0;
    virtual void write(write_work work, write_done done) = 0;
    // Jobs queued and not yet started, readers and writer together.
    virtual std::size_t queue_depth() const = 0;
};

} // namespace copsched::scheduler
