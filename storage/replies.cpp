// Answers by e-mail on SQLite and PostgreSQL: append-only rows of `replies`, read newest
// first by id. The semantics are the contract in scheduler/store/reply_store.hpp.
#include "storage/sql_store.hpp"

#include "storage/sql_store_internal.hpp"

#include <charconv>
#include <cstdint>
#include <string>

namespace copsched::storage {

using detail::guarded;
using scheduler::error;
using scheduler::result;

namespace {

std::string ascii_lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

constexpr const char* reply_columns = "id, received_at, programme_id, event_id, person_id, state, reason, detail, "
                                      "method, attendee, rsvp, comment, sequence, envelope_to, from_address, "
                                      "message_id, actor";

scheduler::reply_record read_reply(const statement& s) {
    scheduler::reply_record r;
    r.id = std::to_string(s.integer(0));
    r.received_at = s.text(1);
    r.programme_id = s.optional_text(2);
    r.event_id = s.optional_text(3);
    r.person_id = s.optional_text(4);
    r.state = scheduler::parse<scheduler::reply_state>(s.text(5)).value_or(scheduler::reply_state::refused);
    r.reason = scheduler::parse<scheduler::reply_reason>(s.text(6)).value_or(scheduler::reply_reason::malformed);
    r.detail = s.text(7);
    r.method = s.text(8);
    r.attendee = s.text(9);
    if (auto a = s.optional_text(10)) r.rsvp = scheduler::parse<scheduler::rsvp_answer>(*a);
    r.comment = s.optional_text(11);
    if (!s.is_null(12)) r.sequence = static_cast<int>(s.integer(12));
    r.envelope_to = s.text(13);
    r.from = s.text(14);
    r.message_id = s.text(15);
    r.actor = s.text(16);
    return r;
}

} // namespace

result<std::optional<std::string>> sql_store::person_id_by_email(const std::string& programme_id,
                                                                 const std::string& email) {
    return guarded([&]() -> result<std::optional<std::string>> {
        auto s = db_.prepare("SELECT id FROM people WHERE programme_id = ? AND lower(email) = ? ORDER BY id LIMIT 1");
        s.bind_all(programme_id, ascii_lower(email));
        if (!s.step()) return std::optional<std::string>{};
        return std::optional<std::string>{s.text(0)};
    });
}

result<scheduler::reply_record> sql_store::add_reply(const scheduler::reply_record& r, const std::string& now) {
    return guarded([&]() -> result<scheduler::reply_record> {
        std::optional<std::string> rsvp;
        if (r.rsvp) rsvp = std::string(scheduler::to_string(*r.rsvp));
        std::optional<std::int64_t> sequence;
        if (r.sequence) sequence = *r.sequence;
        auto s =
            db_.prepare("INSERT INTO replies(received_at, programme_id, event_id, person_id, state, reason, detail,"
                        " method, attendee, rsvp, comment, sequence, envelope_to, from_address, message_id, actor)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
        s.bind_all(now, r.programme_id, r.event_id, r.person_id, std::string(scheduler::to_string(r.state)),
                   std::string(scheduler::to_string(r.reason)), r.detail, r.method, r.attendee, rsvp, r.comment,
                   sequence, r.envelope_to, r.from, r.message_id, r.actor);
        if (!s.step()) return error{scheduler::errc::internal, "The reply was not stored.", {}};
        scheduler::reply_record out = r;
        out.id = std::to_string(s.integer(0));
        out.received_at = now;
        s.run();
        return out;
    });
}

result<scheduler::page<scheduler::reply_record>> sql_store::list_replies(const scheduler::reply_filter& f,
                                                                         const scheduler::page_request& pr) {
    return guarded([&]() -> result<scheduler::page<scheduler::reply_record>> {
        std::int64_t before = INT64_MAX;
        if (pr.after) {
            const auto [p, ec] = std::from_chars(pr.after->data(), pr.after->data() + pr.after->size(), before);
            if (ec != std::errc{} || p != pr.after->data() + pr.after->size())
                return error::invalid("cursor", "is not a cursor this service gave out");
        }
        static const std::string sql = std::string("SELECT ") + reply_columns +
                                       " FROM replies WHERE id < ?1 AND (?2 IS NULL OR programme_id = ?2)"
                                       " AND (?3 IS NULL OR state = ?3) AND (?4 IS NULL OR event_id = ?4)"
                                       " ORDER BY id DESC LIMIT ?5";
        auto s = db_.prepare(sql.c_str());
        std::optional<std::string> state;
        if (f.state) state = std::string(scheduler::to_string(*f.state));
        s.bind_all(before, f.programme_id, state, f.event_id, static_cast<std::int64_t>(pr.limit + 1));
        scheduler::page<scheduler::reply_record> out;
        while (s.step()) out.items.push_back(read_reply(s));
        if (out.items.size() > pr.limit) {
            out.items.resize(pr.limit);
            out.next_cursor = out.items.back().id;
        }
        return out;
    });
}

} // namespace copsched::storage
