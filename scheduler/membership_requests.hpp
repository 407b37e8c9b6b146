#pragma once
// A participant's request to join or leave a working group, when the programme's
// memberships.approval is `organiser`: it waits (pending) until an organiser approves it
// (the change is made then) or declines it, or the participant withdraws it. Pure values:
// any thread may use them. The store keeps them (scheduler/store/membership_request_store.hpp);
// the rules that decide a join or leave are server/api's, shared with the direct change.

#include "scheduler/model.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace copsched::scheduler {

enum class membership_request_kind { join, leave };
enum class membership_request_state { pending, approved, declined, withdrawn };

std::string_view to_string(membership_request_kind) noexcept;
std::string_view to_string(membership_request_state) noexcept;
template <>
std::optional<membership_request_kind> parse(std::string_view) noexcept;
template <>
std::optional<membership_request_state> parse(std::string_view) noexcept;

struct membership_request {
    std::string id;
    std::string programme_id;
    std::string person_id;
    std::string working_group_id;
    membership_request_kind kind = membership_request_kind::join;
    std::optional<std::string> membership_id; // leave: the membership that would end
    membership_request_state state = membership_request_state::pending;
    std::optional<std::string> comment; // the participant's note
    std::optional<std::string> reason;  // the organiser's, on decline (or approve)
    std::string created_at;
    std::optional<std::string> decided_at; // approved, declined or withdrawn
    std::optional<std::string> decided_by; // the token id (or the person id on withdrawal)
};

struct membership_request_filter {
    std::optional<std::string> programme_id;
    std::optional<std::string> person_id;
    std::optional<membership_request_state> state;
    // Only requests for the working groups this API token is scoped to (a scoped
    // organiser's); nullopt = every group.
    std::optional<std::string> scope_token_id;
};

} // namespace copsched::scheduler
