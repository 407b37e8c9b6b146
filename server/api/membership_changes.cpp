#include "server/api/membership_changes.hpp"

#include "scheduler/civil_time.hpp"
#include "scheduler/store.hpp"

namespace copsched::server {

using scheduler::errc;
using scheduler::error;
using scheduler::result;

result<std::vector<owned_membership>> own_memberships(scheduler::store& s, const std::string& person_id) {
    auto groups = s.person_working_group_ids(person_id);
    if (!groups) return groups.err();
    std::vector<owned_membership> out;
    for (const auto& gid : *groups) {
        auto g = s.get_working_group(gid);
        if (!g) return g.err();
        auto members = s.list_memberships(gid);
        if (!members) return members.err();
        for (auto& m : *members)
            if (m.person_id == person_id) out.emplace_back(std::move(m), *g);
    }
    return out;
}

bool current_on(const scheduler::membership& m, const std::string& today) {
    return m.from <= today && (!m.until || *m.until >= today);
}

result<scheduler::working_group> check_join(scheduler::store& s, const std::string& person_id,
                                            const std::string& programme_id, const std::string& group_id,
                                            const std::string& today) {
    auto g = s.get_working_group(group_id);
    if (!g || g->programme_id != programme_id)
        return error::invalid("working_group_id", "no such working group in your programme");
    if (g->archived_at) return error::invalid("working_group_id", "the working group is archived");
    auto mine = own_memberships(s, person_id);
    if (!mine) return mine.err();
    for (const auto& [m, mg] : *mine)
        if (mg.id == group_id && (current_on(m, today) || m.from > today))
            return error{errc::conflict,
                         "You are already a member of this working group.",
                         {{"working_group_id", "you are already a member"}}};
    return g;
}

result<scheduler::membership> apply_join(scheduler::store& s, const std::string& person_id, const std::string& group_id,
                                         const std::string& now) {
    scheduler::membership m;
    m.working_group_id = group_id;
    m.person_id = person_id;
    m.from = now.substr(0, 10);
    return s.create_membership(m, now);
}

result<owned_membership> check_leave(scheduler::store& s, const std::string& person_id,
                                     const std::string& membership_id, const std::string& today) {
    auto mine = own_memberships(s, person_id);
    if (!mine) return mine.err();
    // Still a member after today: open-ended, or ending later.
    const auto staying = [&](const scheduler::membership& m) { return !m.until || *m.until > today; };
    const owned_membership* found = nullptr;
    std::size_t others_staying = 0;
    for (const auto& entry : *mine) {
        if (entry.first.id == membership_id)
            found = &entry;
        else if (staying(entry.first))
            ++others_staying;
    }
    if (!found) return error{errc::not_found, "You have no membership with id '" + membership_id + "'.", {}};
    if (!staying(found->first))
        return error{errc::conflict, "This membership has ended already.", {{"id", "has ended already"}}};
    if (others_staying == 0) return error::invalid("working_group_id", "you must stay in at least one working group");
    return *found;
}

result<scheduler::membership> apply_leave(scheduler::store& s, scheduler::membership m, const std::string& now) {
    const auto today = now.substr(0, 10);
    const auto yesterday = scheduler::format_date(scheduler::add_days(*scheduler::parse_date(today), -1));
    m.until = m.from < today ? yesterday : m.from;
    return s.update_membership(m, now);
}

} // namespace copsched::server
