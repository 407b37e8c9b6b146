#pragma once
// The e-mail outbox a store keeps (scheduler/outbox.hpp): the messages planned from the
// changes, and their claim/lease life cycle for the reminder jobs. SQLite:
// storage/outbox.cpp.
// Threading and ownership: called only by the thread that owns the store's connection
// (store_executor runs the jobs there); arguments are only read during the call, answers
// belong to the caller. The errors every method may give: scheduler/store/conventions.hpp.
//
// Every change that affects who should hear what (events created, changed, cancelled;
// guests; RSVPs; people; memberships; a programme's mail settings) records what changed
// in the same transaction as the change; the other interfaces' writes do that, this one
// turns the records into messages.

#include "scheduler/model.hpp"
#include "scheduler/outbox.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store/conventions.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace copsched::scheduler {

// The outbox: see outbox_store::claim_messages and scheduler/outbox.hpp.
struct claim_request {
    std::size_t limit = 20;
    std::string lease_id;                    // new for every claim
    std::string lease_until;                 // instant
    std::string claimed_by;                  // token id
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
    std::size_t due_now = 0;                                    // pending or failed, due by now
    std::optional<std::string> oldest_due;                      // the earliest due_at of those
};

class outbox_store {
public:
    virtual ~outbox_store() = default;

    // Turns the recorded changes into messages with plan_messages(), at most max_changes
    // of them per call, and returns whether more remain; callers run it until none remain
    // before claiming or listing.
    virtual result<bool> plan_outbox(const std::string& now, std::size_t max_changes) = 0;
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
                                               const std::optional<std::string>& lease_id,
                                               const std::string& error_text, bool permanent, const retry_policy& p,
                                               const std::string& now) = 0;
    // A dead or failed message becomes pending, due now, with its attempts reset;
    // errc::conflict for any other state.
    virtual result<outbox_message> retry_message(const std::string& id, const std::optional<std::string>& programme_id,
                                                 const std::string& now) = 0;
    // not_found for an unknown id.
    virtual result<outbox_message> get_message(const std::string& id) = 0;
    // Newest first (by id); the cursor is the last id of the previous page.
    virtual result<page<outbox_message>> list_messages(const outbox_filter& f, const page_request& pr) = 0;
    virtual result<outbox_summary> summarise_outbox(const std::optional<std::string>& programme_id,
                                                    const std::string& now) = 0;
};

} // namespace copsched::scheduler
