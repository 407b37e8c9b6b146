// Idempotency keys on SQLite: one row per answered (token, key); expired rows go when the
// next answer is stored.
// The semantics are the contract in scheduler/store/idempotency_store.hpp.
#include "storage/sql_store.hpp"
#include "storage/sql_store_internal.hpp"

#include <optional>
#include <string>

namespace copsched::storage {

using detail::guarded;
using scheduler::result;

result<std::optional<scheduler::idempotency_record>> sql_store::find_idempotency_key(
    const std::string& token_id, const std::string& key, const std::string& expired_before) {
    return guarded([&]() -> result<std::optional<scheduler::idempotency_record>> {
        auto s = db_.prepare("SELECT request_hash, status, response FROM idempotency_keys "
                             "WHERE token_id = ? AND key = ? AND created_at >= ? AND status > 0");
        s.bind_all(token_id, key, expired_before);
        if (s.step())
            return std::optional<scheduler::idempotency_record>(
                scheduler::idempotency_record{s.text(0), static_cast<int>(s.integer(1)), s.text(2)});
        return std::optional<scheduler::idempotency_record>{};
    });
}

scheduler::result<std::optional<scheduler::idempotency_record>> sql_store::claim_idempotency_key(
    const std::string& token_id, const std::string& key, const std::string& expired_before) {
    auto locked = guarded([&]() -> scheduler::status {
        db_.lock_key("idempotency " + token_id + " " + key);
        return scheduler::ok();
    });
    if (!locked) return locked.err();
    return find_idempotency_key(token_id, key, expired_before);
}

scheduler::status sql_store::store_idempotency_answer(const std::string& token_id, const std::string& key,
                                                      const scheduler::idempotency_record& answer,
                                                      const std::string& now, const std::string& expired_before) {
    return guarded([&]() -> scheduler::status {
        db_.prepare("DELETE FROM idempotency_keys WHERE created_at < ?").bind(1, expired_before).run();
        db_.prepare("INSERT INTO idempotency_keys(token_id, key, request_hash, status, response, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(token_id, key) DO UPDATE SET "
                    "request_hash = excluded.request_hash, status = excluded.status, "
                    "response = excluded.response, created_at = excluded.created_at")
            .bind_all(token_id, key, answer.request_hash, answer.status, answer.response, now)
            .run();
        return scheduler::ok();
    });
}

} // namespace copsched::storage
