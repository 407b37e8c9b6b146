#pragma once
// A participant's own working groups: the rules of joining and leaving one, shared by the
// direct change (POST and DELETE /api/v1/me/memberships, server/api/attendance_handlers.cpp)
// and by an organiser's approval of a request for it
// (server/api/membership_request_handlers.cpp), which checks them again when it decides.
// Store-level functions: call them inside a store job, on the store's thread.

#include "scheduler/model.hpp"
#include "scheduler/result.hpp"

#include <string>
#include <utility>
#include <vector>

namespace copsched::scheduler {
class store;
}

namespace copsched::server {

using owned_membership = std::pair<scheduler::membership, scheduler::working_group>;

// The person's memberships, current and past, with their groups, ordered by group then start.
scheduler::result<std::vector<owned_membership>> own_memberships(scheduler::store& s, const std::string& person_id);

// Whether a membership is current on `today` (YYYY-MM-DD).
bool current_on(const scheduler::membership& m, const std::string& today);

// The working group the person may join today: one of their programme's, not archived,
// not one they are (or will be) a member of. errc::invalid_input (field
// "working_group_id") for an unknown or archived group, errc::conflict when already a member.
scheduler::result<scheduler::working_group> check_join(scheduler::store& s, const std::string& person_id,
                                                       const std::string& programme_id, const std::string& group_id,
                                                       const std::string& today);
// Creates the membership from today (after check_join).
scheduler::result<scheduler::membership> apply_join(scheduler::store& s, const std::string& person_id,
                                                    const std::string& group_id, const std::string& now);

// The person's membership `membership_id` they may leave today, with its group:
// errc::not_found when it is not theirs, errc::conflict when it has ended, errc::invalid_input
// (field "working_group_id") when it is the last group they stay in.
scheduler::result<owned_membership> check_leave(scheduler::store& s, const std::string& person_id,
                                                const std::string& membership_id, const std::string& today);
// Ends the membership yesterday (today when it began today) (after check_leave).
scheduler::result<scheduler::membership> apply_leave(scheduler::store& s, scheduler::membership m,
                                                     const std::string& now);

} // namespace copsched::server
