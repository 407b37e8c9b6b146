#pragma once
// The audit trail a store keeps: who did what to which object, read newest first. The
// store only appends: entries are never changed or deleted. SQLite: storage/audit.cpp.
// Threading and ownership: called only by the thread that owns the store's connection
// (store_executor runs the jobs there); arguments are only read during the call, answers
// belong to the caller. The errors every method may give: scheduler/store/conventions.hpp.

#include "scheduler/result.hpp"
#include "scheduler/store/conventions.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace copsched::scheduler {

struct audit_entry {
    std::string actor;  // token id, or "cli"
    std::string action; // "token.create", ...
    std::string object_type;
    std::string object_id;
    std::string detail; // JSON text, never a secret
};

struct audit_record {
    std::int64_t id = 0;
    std::string at;
    audit_entry entry;
};

struct audit_filter {
    std::optional<std::string> object_type;
    std::optional<std::string> object_id;
    std::optional<std::string> actor;
};

class audit_store {
public:
    virtual ~audit_store() = default;

    virtual status append_audit(const audit_entry& e, const std::string& now) = 0;
    // Newest first; the cursor is the id of the last entry of the previous page.
    // errc::invalid_input (field "cursor") for a cursor this store did not give out.
    virtual result<page<audit_record>> list_audit(const audit_filter& f, const page_request& pr) = 0;
};

} // namespace copsched::scheduler
