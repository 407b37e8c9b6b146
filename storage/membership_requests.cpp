// Membership requests on SQLite and PostgreSQL: rows of `membership_requests`, oldest
// first by id (ids sort by creation time). The semantics are the contract in
// scheduler/store/membership_request_store.hpp.
#include "storage/sql_store.hpp"

#include "storage/sql_store_internal.hpp"

#include <cstdint>
#include <string>

namespace copsched::storage {

using detail::guarded;
using scheduler::errc;
using scheduler::error;
using scheduler::result;

namespace {

constexpr const char* request_columns = "id, programme_id, person_id, working_group_id, kind, membership_id, state, "
                                        "comment, reason, created_at, decided_at, decided_by";

scheduler::membership_request read_request(const statement& s) {
    scheduler::membership_request r;
    r.id = s.text(0);
    r.programme_id = s.text(1);
    r.person_id = s.text(2);
    r.working_group_id = s.text(3);
    r.kind = scheduler::parse<scheduler::membership_request_kind>(s.text(4)).value_or(
        scheduler::membership_request_kind::join);
    r.membership_id = s.optional_text(5);
    r.state = scheduler::parse<scheduler::membership_request_state>(s.text(6)).value_or(
        scheduler::membership_request_state::pending);
    r.comment = s.optional_text(7);
    r.reason = s.optional_text(8);
    r.created_at = s.text(9);
    r.decided_at = s.optional_text(10);
    r.decided_by = s.optional_text(11);
    return r;
}

error pending_exists() {
    return {errc::conflict,
            "You already have a request for this working group waiting for an organiser.",
            {{"working_group_id", "has a pending request"}}};
}

} // namespace

result<scheduler::membership_request> sql_store::create_membership_request(const scheduler::membership_request& r,
                                                                           const std::string& now) {
    return guarded([&]() -> result<scheduler::membership_request> {
        {
            auto s = db_.prepare("SELECT 1 FROM membership_requests WHERE person_id = ? AND working_group_id = ? "
                                 "AND state = 'pending'");
            s.bind_all(r.person_id, r.working_group_id);
            if (s.step()) return pending_exists();
        }
        scheduler::membership_request out = r;
        out.id = new_id("mrq");
        out.state = scheduler::membership_request_state::pending;
        out.created_at = now;
        out.decided_at.reset();
        out.decided_by.reset();
        db_.prepare("INSERT INTO membership_requests(id, programme_id, person_id, working_group_id, kind,"
                    " membership_id, state, comment, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)")
            .bind_all(out.id, out.programme_id, out.person_id, out.working_group_id,
                      std::string(scheduler::to_string(out.kind)), out.membership_id, out.comment, out.reason, now)
            .run();
        return out;
    });
}

result<scheduler::membership_request> sql_store::get_membership_request(const std::string& id) {
    return guarded([&]() -> result<scheduler::membership_request> {
        static const std::string sql =
            std::string("SELECT ") + request_columns + " FROM membership_requests WHERE id = ?";
        auto s = db_.prepare(sql.c_str());
        s.bind(1, id);
        if (!s.step()) return error{errc::not_found, "No membership request with id '" + id + "'.", {}};
        return read_request(s);
    });
}

result<scheduler::page<scheduler::membership_request>> sql_store::list_membership_requests(
    const scheduler::membership_request_filter& f, const scheduler::page_request& pr) {
    return guarded([&]() -> result<scheduler::page<scheduler::membership_request>> {
        static const std::string sql = std::string("SELECT ") + request_columns +
                                       " FROM membership_requests WHERE id > ?1 AND (?2 IS NULL OR programme_id = ?2)"
                                       " AND (?3 IS NULL OR person_id = ?3) AND (?4 IS NULL OR state = ?4)"
                                       " AND (?5 IS NULL OR working_group_id IN"
                                       " (SELECT working_group_id FROM api_token_working_groups WHERE token_id = ?5))"
                                       " ORDER BY id LIMIT ?6";
        auto s = db_.prepare(sql.c_str());
        std::optional<std::string> state;
        if (f.state) state = std::string(scheduler::to_string(*f.state));
        s.bind_all(pr.after.value_or(""), f.programme_id, f.person_id, state, f.scope_token_id,
                   static_cast<std::int64_t>(pr.limit + 1));
        scheduler::page<scheduler::membership_request> out;
        while (s.step()) out.items.push_back(read_request(s));
        if (out.items.size() > pr.limit) {
            out.items.resize(pr.limit);
            out.next_cursor = out.items.back().id;
        }
        return out;
    });
}

result<scheduler::membership_request> sql_store::decide_membership_request(const std::string& id,
                                                                           scheduler::membership_request_state state,
                                                                           const std::optional<std::string>& reason,
                                                                           const std::string& decided_by,
                                                                           const std::string& now) {
    return guarded([&]() -> result<scheduler::membership_request> {
        auto current = get_membership_request(id);
        if (!current) return current.err();
        if (current->state != scheduler::membership_request_state::pending)
            return error{errc::conflict,
                         "This request was " + std::string(scheduler::to_string(current->state)) + " already.",
                         {{"state", "is " + std::string(scheduler::to_string(current->state))}}};
        db_.prepare("UPDATE membership_requests SET state = ?, reason = COALESCE(?, reason), decided_at = ?,"
                    " decided_by = ? WHERE id = ? AND state = 'pending'")
            .bind_all(std::string(scheduler::to_string(state)), reason, now, decided_by, id)
            .run();
        return get_membership_request(id);
    });
}

} // namespace copsched::storage
