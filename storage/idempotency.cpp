// Idempotency keys on SQLite: one row per (token, key); expired rows go at the next claim.
// The semantics are the contract in scheduler/store/idempotency_store.hpp.
#include "storage/sqlite_store.hpp"
#include "storage/sqlite_store_internal.hpp"

#include <optional>
#include <string>

namespace copsched::storage {

using detail::guarded;
using scheduler::result;

result<std::optional<scheduler::idempotency_record>> sqlite_store::claim_idempotency_key(
    const std::string& token_id, const std::string& key, const std::string& request_hash, const std::string& now,
    const std::string& expired_before) {
    return guarded([&]() -> result<std::optional<scheduler::idempotency_record>> {
        db_.prepare("DELETE FROM idempotency_keys WHERE created_at < ?").bind(1, expired_before).run();
        auto s =
            db_.prepare("SELECT request_hash, status, response FROM idempotency_keys WHERE token_id = ? AND key = ?");
        s.bind_all(token_id, key);
        if (s.step())
            return std::optional<scheduler::idempotency_record>(
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

} // namespace copsched::storage
