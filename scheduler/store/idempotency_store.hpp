#pragma once
// The Idempotency-Keys a store keeps: per API token, the request each key was first used
// with and, once answered, the answer. SQLite: storage/idempotency.cpp.
// Threading and ownership: called only by the thread that owns the store's connection
// (store_executor runs the jobs there); arguments are only read during the call, answers
// belong to the caller. The errors every method may give: scheduler/store/conventions.hpp.

#include "scheduler/result.hpp"

#include <optional>
#include <string>

namespace copsched::scheduler {

// An Idempotency-Key as stored: the request it was first used with and, once
// answered, the answer.
struct idempotency_record {
    std::string request_hash;
    int status = 0;       // 0 while the first request is still running
    std::string response; // JSON text: {"headers": {...}, "body": "..."}
};

class idempotency_store {
public:
    virtual ~idempotency_store() = default;

    // Claims (token, key) for a request: returns nullopt when the key was free (it is now
    // recorded as running), else the stored record. Records created before
    // `expired_before` are deleted first.
    virtual result<std::optional<idempotency_record>> claim_idempotency_key(const std::string& token_id,
                                                                            const std::string& key,
                                                                            const std::string& request_hash,
                                                                            const std::string& now,
                                                                            const std::string& expired_before) = 0;
    // Stores the answer; status 0 (or a server error) releases the key instead.
    virtual status finish_idempotency_key(const std::string& token_id, const std::string& key, int http_status,
                                          const std::string& response) = 0;
};

} // namespace copsched::scheduler
