#include "scheduler/attendance.hpp"

#include "scheduler/enum_names.hpp"

#include <array>
#include <utility>

namespace copsched::scheduler {
namespace {

using detail::name_table;

constexpr name_table<rsvp_answer, 3> rsvp_answers{{
    {rsvp_answer::accepted, "accepted"},
    {rsvp_answer::tentative, "tentative"},
    {rsvp_answer::declined, "declined"},
}};
constexpr name_table<presence_state, 3> presence_states{{
    {presence_state::present, "present"},
    {presence_state::absent, "absent"},
    {presence_state::excused, "excused"},
}};
constexpr name_table<attendance_mode, 2> attendance_modes{{
    {attendance_mode::onsite, "onsite"},
    {attendance_mode::online, "online"},
}};
constexpr name_table<invitation_source, 3> invitation_sources{{
    {invitation_source::programme, "programme"},
    {invitation_source::working_group, "working_group"},
    {invitation_source::guest, "guest"},
}};

} // namespace

COPSCHED_ENUM_NAMES(rsvp_answer, rsvp_answers)
COPSCHED_ENUM_NAMES(presence_state, presence_states)
COPSCHED_ENUM_NAMES(attendance_mode, attendance_modes)
COPSCHED_ENUM_NAMES(invitation_source, invitation_sources)
#undef COPSCHED_ENUM_NAMES

attendance_counts count_attendance(const std::vector<invitation>& invitations) {
    attendance_counts c;
    for (const auto& i : invitations) {
        ++c.invited;
        if (!i.rsvp)
            ++c.no_answer;
        else if (*i.rsvp == rsvp_answer::accepted)
            ++c.accepted;
        else if (*i.rsvp == rsvp_answer::tentative)
            ++c.tentative;
        else
            ++c.declined;
        if (!i.presence) {
            ++c.unrecorded;
        } else if (*i.presence == presence_state::present) {
            ++c.present;
            if (i.mode == attendance_mode::online)
                ++c.online;
            else if (i.mode == attendance_mode::onsite)
                ++c.onsite;
        } else if (*i.presence == presence_state::absent) {
            ++c.absent;
        } else {
            ++c.excused;
        }
    }
    return c;
}

} // namespace copsched::scheduler
