#include "scheduler/attendance.hpp"

#include <array>
#include <utility>

namespace copsched::scheduler {
namespace {

template <class E, std::size_t N>
using name_table = std::array<std::pair<E, std::string_view>, N>;

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

template <class E, std::size_t N>
std::string_view name_of(const name_table<E, N>& table, E value) noexcept {
    for (const auto& [v, name] : table)
        if (v == value) return name;
    return "unknown";
}

template <class E, std::size_t N>
std::optional<E> value_of(const name_table<E, N>& table, std::string_view name) noexcept {
    for (const auto& [v, n] : table)
        if (n == name) return v;
    return std::nullopt;
}

} // namespace

std::string_view to_string(rsvp_answer v) noexcept { return name_of(rsvp_answers, v); }
std::string_view to_string(presence_state v) noexcept { return name_of(presence_states, v); }
std::string_view to_string(attendance_mode v) noexcept { return name_of(attendance_modes, v); }
std::string_view to_string(invitation_source v) noexcept { return name_of(invitation_sources, v); }
template <> std::optional<rsvp_answer> parse(std::string_view s) noexcept { return value_of(rsvp_answers, s); }
template <> std::optional<presence_state> parse(std::string_view s) noexcept { return value_of(presence_states, s); }
template <> std::optional<attendance_mode> parse(std::string_view s) noexcept { return value_of(attendance_modes, s); }
template <> std::optional<invitation_source> parse(std::string_view s) noexcept {
    return value_of(invitation_sources, s);
}

attendance_counts count_attendance(const std::vector<invitation>& invitations) {
    attendance_counts c;
    for (const auto& i : invitations) {
        ++c.invited;
        if (!i.rsvp) ++c.no_answer;
        else if (*i.rsvp == rsvp_answer::accepted) ++c.accepted;
        else if (*i.rsvp == rsvp_answer::tentative) ++c.tentative;
        else ++c.declined;
        if (!i.presence) {
            ++c.unrecorded;
        } else if (*i.presence == presence_state::present) {
            ++c.present;
            if (i.mode == attendance_mode::online) ++c.online;
            else if (i.mode == attendance_mode::onsite) ++c.onsite;
        } else if (*i.presence == presence_state::absent) {
            ++c.absent;
        } else {
            ++c.excused;
        }
    }
    return c;
}

} // namespace copsched::scheduler
