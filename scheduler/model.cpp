#include "scheduler/model.hpp"

#include "scheduler/enum_names.hpp"

#include <array>
#include <utility>

namespace copsched::scheduler {
namespace {

using detail::name_table;

constexpr name_table<organisation_kind, 3> organisation_kinds{{
    {organisation_kind::government, "government"},
    {organisation_kind::company, "company"},
    {organisation_kind::knowledge_partner, "knowledge_partner"},
}};
constexpr name_table<organisation_level, 2> organisation_levels{{
    {organisation_level::starter, "starter"},
    {organisation_level::advanced, "advanced"},
}};
constexpr name_table<person_role, 6> person_roles{{
    {person_role::buyer, "buyer"},
    {person_role::sustainability_coordinator, "sustainability_coordinator"},
    {person_role::budget_holder, "budget_holder"},
    {person_role::project_leader, "project_leader"},
    {person_role::consultant, "consultant"},
    {person_role::other, "other"},
}};
constexpr name_table<language, 2> languages{{
    {language::nl, "nl"},
    {language::en, "en"},
}};
constexpr name_table<membership_role, 3> membership_roles{{
    {membership_role::member, "member"},
    {membership_role::chair, "chair"},
    {membership_role::facilitator, "facilitator"},
}};
constexpr name_table<event_kind, 3> event_kinds{{
    {event_kind::cop_meeting, "cop_meeting"},
    {event_kind::working_group_session, "working_group_session"},
    {event_kind::other, "other"},
}};
constexpr name_table<event_status, 3> event_statuses{{
    {event_status::tentative, "tentative"},
    {event_status::confirmed, "confirmed"},
    {event_status::cancelled, "cancelled"},
}};
constexpr name_table<token_role, 3> token_roles{{
    {token_role::admin, "admin"},
    {token_role::organiser, "organiser"},
    {token_role::participant, "participant"},
}};
constexpr name_table<school_holiday_mode, 2> school_holiday_modes{{
    {school_holiday_mode::avoid, "avoid"},
    {school_holiday_mode::prefer_not, "prefer_not"},
}};
constexpr name_table<membership_approval, 2> membership_approvals{{
    {membership_approval::none, "none"},
    {membership_approval::organiser, "organiser"},
}};

} // namespace

COPSCHED_ENUM_NAMES(organisation_kind, organisation_kinds)
COPSCHED_ENUM_NAMES(organisation_level, organisation_levels)
COPSCHED_ENUM_NAMES(person_role, person_roles)
COPSCHED_ENUM_NAMES(language, languages)
COPSCHED_ENUM_NAMES(membership_role, membership_roles)
COPSCHED_ENUM_NAMES(event_kind, event_kinds)
COPSCHED_ENUM_NAMES(event_status, event_statuses)
COPSCHED_ENUM_NAMES(token_role, token_roles)
COPSCHED_ENUM_NAMES(school_holiday_mode, school_holiday_modes)
COPSCHED_ENUM_NAMES(membership_approval, membership_approvals)

#undef COPSCHED_ENUM_NAMES

} // namespace copsched::scheduler
