#pragma once
// The answers by e-mail a store keeps (scheduler/replies.hpp): every reply handed in by
// `copsched inbox`, applied or refused, with its reason. Rows are only appended.
// SQL: storage/replies.cpp.
// Threading and ownership: called only by the thread that owns the store's connection
// (store_executor runs the jobs there); arguments are only read during the call, answers
// belong to the caller. The errors every method may give: scheduler/store/conventions.hpp.

#include "scheduler/replies.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store/conventions.hpp"

#include <optional>
#include <string>

namespace copsched::scheduler {

class reply_store {
public:
    virtual ~reply_store() = default;

    // The id of the person of the programme whose e-mail address is `email` (compared
    // without regard to ASCII case); nullopt when there is none. When several people share
    // the address, the one with the smallest id.
    virtual result<std::optional<std::string>> person_id_by_email(const std::string& programme_id,
                                                                  const std::string& email) = 0;
    // Appends the reply; r.id and r.received_at are ignored and set (received_at = now).
    virtual result<reply_record> add_reply(const reply_record& r, const std::string& now) = 0;
    // Newest first; the cursor is the id of the last reply of the previous page.
    // errc::invalid_input (field "cursor") for a cursor this store did not give out.
    virtual result<page<reply_record>> list_replies(const reply_filter& f, const page_request& pr) = 0;
};

} // namespace copsched::scheduler
