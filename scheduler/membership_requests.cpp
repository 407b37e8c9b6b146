#include "scheduler/membership_requests.hpp"

#include "scheduler/enum_names.hpp"

#include <array>
#include <utility>

namespace copsched::scheduler {
namespace {

using detail::name_table;

constexpr name_table<membership_request_kind, 2> request_kinds{{
    {membership_request_kind::join, "join"},
    {membership_request_kind::leave, "leave"},
}};
constexpr name_table<membership_request_state, 4> request_states{{
    {membership_request_state::pending, "pending"},
    {membership_request_state::approved, "approved"},
    {membership_request_state::declined, "declined"},
    {membership_request_state::withdrawn, "withdrawn"},
}};

} // namespace

COPSCHED_ENUM_NAMES(membership_request_kind, request_kinds)
COPSCHED_ENUM_NAMES(membership_request_state, request_states)
#undef COPSCHED_ENUM_NAMES

} // namespace copsched::scheduler
