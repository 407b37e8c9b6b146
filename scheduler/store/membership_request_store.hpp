#pragma once
// The membership requests a store keeps (scheduler/membership_requests.hpp): a
// participant's join or leave waiting for an organiser. SQL: storage/membership_requests.cpp.
// Threading and ownership: called only by the thread that owns the store's connection
// (store_executor runs the jobs there); arguments are only read during the call, answers
// belong to the caller. The errors every method may give: scheduler/store/conventions.hpp.

#include "scheduler/membership_requests.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store/conventions.hpp"

#include <string>

namespace copsched::scheduler {

class membership_request_store {
public:
    virtual ~membership_request_store() = default;

    // Stores a pending request; r.id, r.state, r.created_at and the decision fields are
    // ignored and set (created_at = now). errc::conflict (field "working_group_id") when
    // the person already has a pending request for the group.
    virtual result<membership_request> create_membership_request(const membership_request& r,
                                                                 const std::string& now) = 0;
    // errc::not_found for an unknown id.
    virtual result<membership_request> get_membership_request(const std::string& id) = 0;
    // Ordered by id (ids sort by the millisecond they were made in: oldest first); the cursor
    // is the id of the last request of the previous page.
    virtual result<page<membership_request>> list_membership_requests(const membership_request_filter& f,
                                                                      const page_request& pr) = 0;
    // Records the decision on a pending request: state (approved, declined or withdrawn),
    // reason, decided_at = now, decided_by. errc::not_found for an unknown id;
    // errc::conflict when it is no longer pending.
    virtual result<membership_request> decide_membership_request(const std::string& id, membership_request_state state,
                                                                 const std::optional<std::string>& reason,
                                                                 const std::string& decided_by,
                                                                 const std::string& now) = 0;
};

} // namespace copsched::scheduler
