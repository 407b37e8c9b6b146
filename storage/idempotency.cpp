// Idempotency keys and the audit trail on SQLite.
#include "storage/sqlite_store.hpp"
#include "storage/sqlite_store_internal.hpp"

#include <charconv>

namespace copsched::storage {

using scheduler::errc;
using scheduler::error;
using scheduler::result;
using detail::guarded;

result<std::optional<scheduler::idempotency_record>> sqlite_store::claim_idempotency_key(
    const std::string& token_id, const std::string& key, const std::string& request_hash, const std::string& now,
    const std::string& expired_before) {
    return guarded([&]() -> result<std::optional<scheduler::idempotency_record>> {
        db_.prepare("DELETE FROM idempotency_keys WHERE created_at < ?").bind(1, expired_before).run();
        auto s = db_.prepare("SELECT request_hash, status, response FROM idempotency_keys WHERE token_id = ? AND key = ?");
        s.bind_all(token_id, key);
        if (s.step()) return std::optional<scheduler::idempotency_record>(
            scheduler::idempotency_record{s.text(0), static_cast<int>(s.integer(1)), s.text(2)});
        db_.prepare("INSERT INTO idempotency_keys(token_id, key, request_hash, status, response, created_at) "
                    "VALUES (?, ?, ?, 0, '', ?)")
            .bind_all(token_id, key, request_hash, now)
            .run();
        return std::optional<scheduler::idempotency_record>{};
    });
}

scheduler::status sqlite_store::finish_idempotency_key(const std::string& token_id, const std::string& key,
                                                       int http_status, const std::string& response) {
    return guarded([&]() -> scheduler::status {
        if (http_status <= 0 || http_status >= 500)
            db_.prepare("DELETE FROM idempotency_keys WHERE token_id = ? AND key = ?").bind_all(token_id, key).run();
        else
            db_.prepare("UPDATE idempotency_keys SET status = ?, response = ? WHERE token_id = ? AND key = ?")
                .bind_all(http_status, response, token_id, key)
                .run();
        return scheduler::ok();
    });
}

result<scheduler::page<scheduler::audit_record>> sqlite_store::list_audit(const scheduler::audit_filter& f,
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
