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

// An Idempotency-Key as stored: the request it was first used with and its answer.
// A key is stored only together with its answer, in the transaction of the request's
// work (server/api/dispatch.cpp), so a crash leaves it answered or absent.
struct idempotency_record {
    std::string request_hash;
    int status = 0;       // the HTTP status of the first answer (1..499)
    std::string response; // JSON text: {"headers": {...}, "body": "..."}
};

class idempotency_store {
public:
    virtual ~idempotency_store() = default;

    // The answer stored for (token, key), or nullopt when there is none, it was stored
    // before `expired_before`, or it is a claim without an answer (status 0, left by
    // versions that claimed keys in a transaction of their own): such keys are free.
    virtual result<std::optional<idempotency_record>> find_idempotency_key(const std::string& token_id,
                                                                           const std::string& key,
                                                                           const std::string& expired_before) = 0;
    // In the write job of a request's work, before the work: waits until no other
    // transaction is working under (token, key) and keeps others waiting until this one
    // ends, then gives what find_idempotency_key would. Instances sharing a PostgreSQL
    // database may get the same key at once (a retry reaching another instance); the one
    // that waited finds the first one's answer and replays it instead of working again.
    // On SQLite, whose one writer runs one transaction at a time, it is the find alone.
    virtual result<std::optional<idempotency_record>> claim_idempotency_key(const std::string& token_id,
                                                                            const std::string& key,
                                                                            const std::string& expired_before) = 0;
    // Stores the answer for (token, key), replacing any row of that key, and deletes the
    // keys stored before `expired_before`. Meant to run in the write job of the request's
    // work, so the work and its answer commit together.
    virtual status store_idempotency_answer(const std::string& token_id, const std::string& key,
                                            const idempotency_record& answer, const std::string& now,
                                            const std::string& expired_before) = 0;
};

} // namespace copsched::scheduler
