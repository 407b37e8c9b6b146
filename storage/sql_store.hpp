#pragma once
// scheduler::store on one SQLite connection: every store interface of scheduler/store/,
// each implemented in the file of its concern (named at each group below). Used only by
// the thread that owns the connection; borrows the connection, which must outlive it.
// Translates database_error into scheduler::error at this boundary.

#include "scheduler/store.hpp"
#include "storage/sql.hpp"

namespace copsched::storage {

class sql_store final : public scheduler::store {
public:
    explicit sql_store(connection& c) : db_(c) {}

    // Programme data (scheduler::programme_store): storage/programme_data.cpp.
    scheduler::result<std::vector<scheduler::programme>> list_programmes() override;
    scheduler::result<scheduler::programme> get_programme(const std::string& slug) override;
    scheduler::result<std::size_t> count_programmes() override;
    scheduler::result<scheduler::programme> create_programme(const scheduler::programme& p,
                                                             const std::string& now) override;
    scheduler::result<scheduler::programme> get_programme_by_id(const std::string& id) override;
    scheduler::result<scheduler::programme> update_programme(const scheduler::programme& p,
                                                             scheduler::expected_version expected,
                                                             const std::string& now) override;
    scheduler::result<bool> seed_demo(const scheduler::demo_data& demo, const std::string& now) override;
    scheduler::result<scheduler::organisation> create_organisation(const scheduler::organisation& o,
                                                                   const std::string& now) override;
    scheduler::result<scheduler::organisation> get_organisation(const std::string& id) override;
    scheduler::result<scheduler::page<scheduler::organisation>> list_organisations(
        const std::string& programme_id, const scheduler::organisation_filter& f,
        const scheduler::page_request& pr) override;
    scheduler::result<scheduler::organisation> update_organisation(const scheduler::organisation& o,
                                                                   scheduler::expected_version expected,
                                                                   const std::string& now) override;
    scheduler::status delete_organisation(const std::string& id, scheduler::expected_version expected) override;
    scheduler::result<scheduler::person> create_person(const scheduler::person& p, const std::string& now) override;
    scheduler::result<scheduler::person> get_person(const std::string& id) override;
    scheduler::result<scheduler::page<scheduler::person>> list_people(const std::string& programme_id,
                                                                      const scheduler::person_filter& f,
                                                                      const scheduler::page_request& pr) override;
    scheduler::result<scheduler::person> update_person(const scheduler::person& p, scheduler::expected_version expected,
                                                       const std::string& now) override;
    scheduler::status delete_person(const std::string& id, scheduler::expected_version expected) override;
    scheduler::result<scheduler::working_group> create_working_group(const scheduler::working_group& g,
                                                                     const std::string& now) override;
    scheduler::result<scheduler::working_group> get_working_group(const std::string& id) override;
    scheduler::result<scheduler::page<scheduler::working_group>> list_working_groups(
        const std::string& programme_id, const scheduler::working_group_filter& f,
        const scheduler::page_request& pr) override;
    scheduler::result<scheduler::working_group> update_working_group(const scheduler::working_group& g,
                                                                     scheduler::expected_version expected,
                                                                     const std::string& now) override;
    scheduler::result<scheduler::working_group> archive_working_group(const std::string& id,
                                                                      scheduler::expected_version expected,
                                                                      const std::string& now) override;
    scheduler::status delete_working_group(const std::string& id, scheduler::expected_version expected) override;
    scheduler::result<scheduler::membership> create_membership(const scheduler::membership& m,
                                                               const std::string& now) override;
    scheduler::result<std::vector<scheduler::membership>> list_memberships(
        const std::string& working_group_id) override;
    scheduler::result<scheduler::membership> get_membership(const std::string& id) override;
    scheduler::result<scheduler::membership> update_membership(const scheduler::membership& m,
                                                               const std::string& now) override;
    scheduler::result<scheduler::venue> create_venue(const scheduler::venue& v, const std::string& now) override;
    scheduler::result<scheduler::venue> get_venue(const std::string& id) override;
    scheduler::result<scheduler::page<scheduler::venue>> list_venues(const std::string& programme_id,
                                                                     const scheduler::page_request& pr) override;
    scheduler::result<scheduler::venue> update_venue(const scheduler::venue& v, scheduler::expected_version expected,
                                                     const std::string& now) override;
    scheduler::status delete_venue(const std::string& id, scheduler::expected_version expected) override;

    // Events (scheduler::event_store): storage/events.cpp.
    scheduler::result<scheduler::event> create_event(const scheduler::event& e, const std::string& now) override;
    scheduler::result<scheduler::event> get_event(const std::string& id) override;
    scheduler::result<scheduler::page<scheduler::event>> list_events(const std::string& programme_id,
                                                                     const scheduler::event_filter& f,
                                                                     const scheduler::page_request& pr) override;
    scheduler::result<scheduler::event> update_event(const scheduler::event& e, scheduler::expected_version expected,
                                                     const std::string& now) override;
    scheduler::status delete_event(const std::string& id, scheduler::expected_version expected) override;
    scheduler::result<scheduler::booking_context> booking_facts(
        const scheduler::programme& p, const scheduler::booking_candidate& c,
        const std::optional<std::string>& ignore_event_id) override;
    scheduler::result<std::string> create_series(const std::string& programme_id, const std::string& rrule,
                                                 const std::string& start_local, const std::string& end_local,
                                                 const std::string& template_json, const std::string& now) override;
    scheduler::result<std::vector<scheduler::event>> series_events(const std::string& series_id) override;

    // Attendance (scheduler::attendance_store): storage/attendance.cpp.
    scheduler::result<std::vector<scheduler::invitation>> event_invitations(const std::string& event_id) override;
    scheduler::result<scheduler::invitation> get_invitation(const std::string& event_id,
                                                            const std::string& person_id) override;
    scheduler::result<scheduler::invitation> set_rsvp(const std::string& event_id, const std::string& person_id,
                                                      scheduler::rsvp_answer answer,
                                                      const std::optional<std::string>& comment,
                                                      const std::string& now) override;
    scheduler::result<scheduler::invitation> record_presence(const std::string& event_id, const std::string& person_id,
                                                             scheduler::presence_state presence,
                                                             std::optional<scheduler::attendance_mode> mode,
                                                             const std::string& now) override;
    scheduler::result<scheduler::invitation> add_guest(const std::string& event_id, const std::string& person_id,
                                                       const std::string& now) override;
    scheduler::status remove_guest(const std::string& event_id, const std::string& person_id) override;
    scheduler::result<std::size_t> freeze_started_events(const std::string& now) override;
    scheduler::result<std::vector<scheduler::invitation>> person_invitations(const std::string& person_id,
                                                                             const std::string& from_utc,
                                                                             const std::string& to_utc) override;
    scheduler::result<scheduler::report_facts> report_facts_for(const std::string& programme_id,
                                                                const std::string& from_utc,
                                                                const std::string& to_utc) override;

    // Calendar feeds (scheduler::feed_store): storage/feeds.cpp.
    scheduler::result<std::vector<scheduler::feed_event>> feed_events(const scheduler::feed_query& q) override;
    scheduler::result<scheduler::person> find_person_by_feed_hash(const std::string& hash) override;
    scheduler::status set_feed_token(const std::string& person_id, int generation, const std::string& hash) override;
    scheduler::result<std::vector<scheduler::feed_token_state>> feed_token_states() override;
    scheduler::result<std::vector<std::string>> person_working_group_ids(const std::string& person_id) override;
    scheduler::result<std::string> last_event_deletion(const std::string& programme_id) override;

    // Planning (scheduler::planning_store): storage/planning.cpp.
    scheduler::result<scheduler::blackout_import> import_blackouts(
        const std::string& programme_id, const std::string& name, const std::vector<scheduler::named_interval>& periods,
        const std::string& now) override;
    scheduler::result<std::vector<scheduler::blackout_import>> list_blackout_imports(
        const std::string& programme_id) override;
    scheduler::result<std::vector<scheduler::blackout_period>> list_blackouts(
        const std::string& programme_id, const std::optional<std::string>& import_id) override;
    scheduler::result<scheduler::page<scheduler::blackout_period>> page_blackouts(
        const std::string& programme_id, const std::optional<std::string>& import_id,
        const scheduler::page_request& pr) override;
    scheduler::status delete_blackout_import(const std::string& programme_id, const std::string& import_id) override;
    scheduler::result<std::size_t> replace_busy_times(const std::string& person_id,
                                                      const std::vector<scheduler::interval>& busy) override;
    scheduler::result<std::vector<scheduler::interval>> busy_times(const std::string& person_id) override;
    scheduler::result<scheduler::planning_facts> planning_facts_for(const scheduler::planning_query& q) override;

    // The e-mail outbox (scheduler::outbox_store): storage/outbox.cpp.
    scheduler::result<bool> plan_outbox(const std::string& now, std::size_t max_changes) override;
    scheduler::result<std::vector<scheduler::claimed_message>> claim_messages(const scheduler::claim_request& r,
                                                                              const std::string& now) override;
    scheduler::result<scheduler::outbox_message> mark_sent(const std::string& id,
                                                           const std::optional<std::string>& programme_id,
                                                           const std::optional<std::string>& lease_id,
                                                           const std::string& message_id,
                                                           const std::string& now) override;
    scheduler::result<scheduler::outbox_message> mark_failed(const std::string& id,
                                                             const std::optional<std::string>& programme_id,
                                                             const std::optional<std::string>& lease_id,
                                                             const std::string& error_text, bool permanent,
                                                             const scheduler::retry_policy& p,
                                                             const std::string& now) override;
    scheduler::result<scheduler::outbox_message> retry_message(const std::string& id,
                                                               const std::optional<std::string>& programme_id,
                                                               const std::string& now) override;
    scheduler::result<scheduler::outbox_message> get_message(const std::string& id) override;
    scheduler::result<scheduler::page<scheduler::outbox_message>> list_messages(
        const scheduler::outbox_filter& f, const scheduler::page_request& pr) override;
    scheduler::result<scheduler::outbox_summary> summarise_outbox(const std::optional<std::string>& programme_id,
                                                                  const std::string& now) override;

    // API tokens (scheduler::token_store): storage/tokens.cpp.
    scheduler::result<std::vector<scheduler::token_credentials>> find_tokens_by_prefix(
        const std::string& prefix) override;
    scheduler::result<std::vector<scheduler::api_token>> list_tokens() override;
    scheduler::result<scheduler::api_token> create_token(const scheduler::new_api_token& t,
                                                         const std::string& now) override;
    scheduler::status revoke_token(const std::string& id, const std::string& now) override;
    scheduler::status touch_token(const std::string& id, const std::string& now) override;
    scheduler::status create_web_session(const scheduler::web_session& s) override;
    scheduler::result<scheduler::web_session_token> find_web_session(const std::string& id_hash,
                                                                     const std::string& now) override;
    scheduler::status delete_web_session(const std::string& id_hash) override;

    // Idempotency keys (scheduler::idempotency_store): storage/idempotency.cpp.
    scheduler::result<std::optional<scheduler::idempotency_record>> find_idempotency_key(
        const std::string& token_id, const std::string& key, const std::string& expired_before) override;
    scheduler::result<std::optional<scheduler::idempotency_record>> claim_idempotency_key(
        const std::string& token_id, const std::string& key, const std::string& expired_before) override;
    scheduler::status store_idempotency_answer(const std::string& token_id, const std::string& key,
                                               const scheduler::idempotency_record& answer, const std::string& now,
                                               const std::string& expired_before) override;

    // The audit trail (scheduler::audit_store): storage/audit.cpp.
    scheduler::status append_audit(const scheduler::audit_entry& e, const std::string& now) override;
    scheduler::result<scheduler::page<scheduler::audit_record>> list_audit(const scheduler::audit_filter& f,
                                                                           const scheduler::page_request& pr) override;

    // Answers by e-mail (scheduler::reply_store): storage/replies.cpp.
    scheduler::result<std::optional<std::string>> person_id_by_email(const std::string& programme_id,
                                                                     const std::string& email) override;
    scheduler::result<scheduler::reply_record> add_reply(const scheduler::reply_record& r,
                                                         const std::string& now) override;
    scheduler::result<scheduler::page<scheduler::reply_record>> list_replies(
        const scheduler::reply_filter& f, const scheduler::page_request& pr) override;

    // Membership requests (scheduler::membership_request_store): storage/membership_requests.cpp.
    scheduler::result<scheduler::membership_request> create_membership_request(const scheduler::membership_request& r,
                                                                               const std::string& now) override;
    scheduler::result<scheduler::membership_request> get_membership_request(const std::string& id) override;
    scheduler::result<scheduler::page<scheduler::membership_request>> list_membership_requests(
        const scheduler::membership_request_filter& f, const scheduler::page_request& pr) override;
    scheduler::result<scheduler::membership_request> decide_membership_request(
        const std::string& id, scheduler::membership_request_state state, const std::optional<std::string>& reason,
        const std::string& decided_by, const std::string& now) override;

    // The connection itself (scheduler::store): storage/sql_store.cpp.
    scheduler::status ping() override;

private:
    connection& db_;
};

// A new opaque id such as "prg_5f0c2a9e1b7d4c3a8e6f"; `kind` is a short prefix.
std::string new_id(std::string_view kind);

// Maps an exception thrown by the SQLite layer to a domain error.
scheduler::error to_error(const database_error& e);

} // namespace copsched::storage
