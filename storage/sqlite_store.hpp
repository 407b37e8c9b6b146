#pragma once
// scheduler::store on one SQLite connection. Used only by the thread that owns the
// connection; translates sqlite_error into scheduler::error at this boundary.

#include "scheduler/store.hpp"
#include "storage/sqlite.hpp"

namespace copsched::storage {

class sqlite_store final : public scheduler::store {
public:
    explicit sqlite_store(connection& c) : db_(c) {}

    scheduler::status ping() override;
    scheduler::result<std::vector<scheduler::token_credentials>> find_tokens_by_prefix(const std::string& prefix) override;
    scheduler::result<std::vector<scheduler::api_token>> list_tokens() override;
    scheduler::result<std::vector<scheduler::programme>> list_programmes() override;
    scheduler::result<scheduler::programme> get_programme(const std::string& slug) override;
    scheduler::result<std::size_t> count_programmes() override;

    scheduler::result<scheduler::api_token> create_token(const scheduler::new_api_token& t, const std::string& now) override;
    scheduler::status revoke_token(const std::string& id, const std::string& now) override;
    scheduler::status touch_token(const std::string& id, const std::string& now) override;
    scheduler::result<bool> seed_demo(const scheduler::demo_data& demo, const std::string& now) override;
    scheduler::status append_audit(const scheduler::audit_entry& e, const std::string& now) override;

private:
    connection& db_;
};

// A new opaque id such as "prg_5f0c2a9e1b7d4c3a8e6f"; `kind` is a short prefix.
std::string new_id(std::string_view kind);

// Maps an exception thrown by the SQLite layer to a domain error.
scheduler::error to_error(const sqlite_error& e);

} // namespace copsched::storage
