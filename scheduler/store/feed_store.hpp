#pragma once
// What the iCalendar feeds read from a store, and the personal feed tokens. SQLite:
// storage/feeds.cpp.
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

// A feed's events: see feed_store::feed_events.
enum class feed_scope { programme, working_group, organisation, person };
struct feed_query {
    feed_scope scope = feed_scope::programme;
    std::string programme_id;
    std::string id; // the group, organisation or person; unused for programme
};
struct feed_event {
    event e;
    std::string working_group_name; // empty when the event has no group
    std::string venue_name;         // empty when it has no venue
    std::string venue_address;
};
struct feed_token_state {
    std::string person_id;
    int generation = 0;
    std::optional<std::string> hash;
};

class feed_store {
public:
    virtual ~feed_store() = default;

    // The events a feed shows, ordered by start_utc then id, cancelled ones included (the
    // caller leaves out those cancelled before its grace period, and uses them for
    // Last-Modified), each with its working group's name and its venue's name and address:
    //  programme:     every event of the programme;
    //  working_group: the group's sessions;
    //  organisation:  the programme's CoP meetings and other events, and the sessions of
    //                 groups that an active person of the organisation belongs to on the
    //                 session's local date;
    //  person:        the programme's CoP meetings and other events, the sessions of groups
    //                 the person belongs to on the session's local date, and every event
    //                 the person has an attendance record (an invitation) for.
    // An unknown id gives an empty list.
    virtual result<std::vector<feed_event>> feed_events(const feed_query& q) = 0;
    // The person whose personal feed token hashes to `hash` (hex SHA-256); not_found else.
    virtual result<person> find_person_by_feed_hash(const std::string& hash) = 0;
    // Sets the person's feed token generation and its hash (rotation: generation + 1).
    // not_found for an unknown person.
    virtual status set_feed_token(const std::string& person_id, int generation, const std::string& hash) = 0;
    // Every person's feed token state, to bring stored hashes in line with the server's key.
    virtual result<std::vector<feed_token_state>> feed_token_states() = 0;
    // The working groups the person has (or had) a membership of, at any date, ordered by id.
    virtual result<std::vector<std::string>> person_working_group_ids(const std::string& person_id) = 0;
    // When an event of the programme was last deleted (UTC instant), or "" if never: feeds
    // use it so that Last-Modified never goes backwards.
    virtual result<std::string> last_event_deletion(const std::string& programme_id) = 0;
};

} // namespace copsched::scheduler
