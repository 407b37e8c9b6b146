// The audit trail on SQLite: append-only rows of audit_log, read newest first by id.
// The semantics are the contract in scheduler/store/audit_store.hpp.
#include "storage/sql_store.hpp"

#include "storage/sql_store_internal.hpp"

#include <charconv>
#include <cstdint>
#include <string>

namespace copsched::storage {

using detail::guarded;
using scheduler::error;
using scheduler::result;
using scheduler::status;

status sql_store::append_audit(const scheduler::audit_entry& e, const std::string& now) {
    return guarded([&]() -> status {
        db_.prepare(
               "INSERT INTO audit_log(at, actor, action, object_type, object_id, detail) VALUES (?, ?, ?, ?, ?, ?)")
            .bind_all(now, e.actor, e.action, e.object_type, e.object_id, e.detail)
            .run_later(); // on PostgreSQL, with the job's RELEASE
        return scheduler::ok();
    });
}

result<scheduler::page<scheduler::audit_record>> sql_store::list_audit(const scheduler::audit_filter& f,
                                                                       const scheduler::page_request& pr) {
    return guarded([&]() -> result<scheduler::page<scheduler::audit_record>> {
        std::int64_t before = INT64_MAX;
        if (pr.after) {
            const auto [p, ec] = std::from_chars(pr.after->data(), pr.after->data() + pr.after->size(), before);
            if (ec != std::errc{} || p != pr.after->data() + pr.after->size())
                return error::invalid("cursor", "is not a cursor this service gave out");
        }
        auto s = db_.prepare("SELECT id, at, actor, action, object_type, object_id, detail FROM audit_log"
                             " WHERE id < ?1 AND (?2 IS NULL OR object_type = ?2) AND (?3 IS NULL OR object_id = ?3)"
                             " AND (?4 IS NULL OR actor = ?4) ORDER BY id DESC LIMIT ?5");
        s.bind_all(before, f.object_type, f.object_id, f.actor, static_cast<std::int64_t>(pr.limit + 1));
        scheduler::page<scheduler::audit_record> out;
        while (s.step())
            out.items.push_back({s.integer(0), s.text(1), {s.text(2), s.text(3), s.text(4), s.text(5), s.text(6)}});
        if (out.items.size() > pr.limit) {
            out.items.resize(pr.limit);
            out.next_cursor = std::to_string(out.items.back().id);
        }
        return out;
    });
}

} // namespace copsched::storage
