#pragma once
// The API tokens a store keeps. The secret itself never reaches the store: only its public
// lookup prefix and the hash of the whole token. SQLite: storage/tokens.cpp.
// Threading and ownership: called only by the thread that owns the store's connection
// (store_executor runs the jobs there); arguments are only read during the call, answers
// belong to the caller. The errors every method may give: scheduler/store/conventions.hpp.

#include "scheduler/model.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store/conventions.hpp"

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

// A signed-in browser session of the organisers' dashboard, exchanged for an API token:
// the cookie's value itself is never stored, only its SHA-256.
struct web_session {
    std::string id_hash;    // hex SHA-256 of the cookie's value
    std::string token_id;   // the API token the session acts as
    std::string form_token; // the CSRF token every form of the session carries
    std::string created_at; // UTC instants
    std::string expires_at;
};

// A live session with the token it acts as.
struct web_session_token {
    web_session session;
    api_token token;
};

class token_store {
public:
    virtual ~token_store() = default;

    // All tokens whose public prefix matches (normally zero or one). Revoked ones too:
    // the caller decides.
    virtual result<std::vector<token_credentials>> find_tokens_by_prefix(const std::string& prefix) = 0;
    // Every token, revoked ones too, oldest first.
    virtual result<std::vector<api_token>> list_tokens() = 0;
    // errc::invalid_input when the programme slug, a working group or the person does
    // not exist or does not belong to the programme.
    virtual result<api_token> create_token(const new_api_token& t, const std::string& now) = 0;
    // errc::not_found for an unknown id; revoking twice keeps the first revocation time.
    virtual status revoke_token(const std::string& id, const std::string& now) = 0;
    // Records the token's last use; an unknown id changes nothing.
    virtual status touch_token(const std::string& id, const std::string& now) = 0;

    // Stores a new session and deletes the sessions that expired before its creation.
    // errc::invalid_input when the token does not exist.
    virtual status create_web_session(const web_session& s) = 0;
    // The session with this hash and its token, when it has not expired at `now` and its
    // token is not revoked; errc::not_found otherwise.
    virtual result<web_session_token> find_web_session(const std::string& id_hash, const std::string& now) = 0;
    // Ends the session (sign-out); an unknown hash changes nothing.
    virtual status delete_web_session(const std::string& id_hash) = 0;
};

} // namespace copsched::scheduler
