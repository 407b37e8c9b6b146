#pragma once
// The storage contract the scheduler needs. Implementations live in storage/ (SQLite
// today); a second one (PostgreSQL) can be added beside it without touching this folder.
//
// Threading: a `store` is bound to one database connection and is only ever used by the
// thread that owns that connection. Callers reach it through a `store_executor`, which
// runs jobs on the right thread; nothing here blocks an HTTP I/O thread.

#include "scheduler/demo.hpp"
#include "scheduler/model.hpp"
#include "scheduler/result.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace copsched::scheduler {

// What is needed to create an API token; the secret itself never reaches the store.
struct new_api_token {
    std::string name;
    token_role role = token_role::participant;
    std::optional<std::string> programme_slug;
    std::vector<std::string> working_group_ids;
    std::optional<std::string> person_id;
    std::string lookup_prefix; // public part of the token, indexed
    std::string secret_hash;   // hex SHA-256 of the whole token
};

// A stored token together with its hash, for authentication only.
struct token_credentials {
    api_token token;
    std::string secret_hash;
};

struct audit_entry {
    std::string actor;       // token id, or "cli"
    std::string action;      // "token.create", ...
    std::string object_type;
    std::string object_id;
    std::string detail;      // JSON text, never a secret
};

class store {
public:
    virtual ~store() = default;

    // --- reads ---------------------------------------------------------------------
    // Succeeds when the database answers a trivial query.
    virtual status ping() = 0;
    // All tokens whose public prefix matches (normally zero or one). Revoked ones too:
    // the caller decides.
    virtual result<std::vector<token_credentials>> find_tokens_by_prefix(const std::string& prefix) = 0;
    virtual result<std::vector<api_token>> list_tokens() = 0;
    virtual result<std::vector<programme>> list_programmes() = 0;
    // errc::not_found when no programme has this slug.
    virtual result<programme> get_programme(const std::string& slug) = 0;
    virtual result<std::size_t> count_programmes() = 0;

    // --- writes (only on a writable store) -------------------------------------------
    // errc::invalid_input when the programme slug, a working group or the person does
    // not exist or does not belong to the programme.
    virtual result<api_token> create_token(const new_api_token& t, const std::string& now) = 0;
    // errc::not_found for an unknown id; revoking twice keeps the first revocation time.
    virtual status revoke_token(const std::string& id, const std::string& now) = 0;
    virtual status touch_token(const std::string& id, const std::string& now) = 0;
    // Seeds the demo programme; returns false (and writes nothing) when a programme with
    // the demo's slug already exists.
    virtual result<bool> seed_demo(const demo_data& demo, const std::string& now) = 0;
    virtual status append_audit(const audit_entry& e, const std::string& now) = 0;
};

// Runs store jobs on database-owned threads.
//
// read(): the job runs on one of the reader threads with a read-only store.
// write(): `work` runs on the single writer thread inside its own savepoint; an error
//   result rolls back that job's changes only. Jobs waiting together are committed in
//   one transaction (group commit); `done` runs on the writer thread only after that
//   commit is durable, with the job's own result, or errc::unavailable if the commit
//   failed. Neither callback may block for long: they should post elsewhere.
class store_executor {
public:
    using read_job = std::function<void(store&)>;
    using write_work = std::function<status(store&)>;
    using write_done = std::function<void(const status&)>;

    virtual ~store_executor() = default;
    virtual void read(read_job job) = 0;
    virtual void write(write_work work, write_done done) = 0;
    // Jobs queued and not yet started, readers and writer together.
    virtual std::size_t queue_depth() const = 0;
};

} // namespace copsched::scheduler
