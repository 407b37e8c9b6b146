#include "scheduler/booking.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace copsched::scheduler;

namespace {

// An event store that remembers what was created or updated and reports no other events.
class recording_event_store final : public event_store {
public:
    std::vector<event> created;
    std::vector<event> updated;

    result<event> create_event(const event& e, const std::string& now) override {
        event stored = e;
        stored.id = "ev" + std::to_string(created.size() + 1);
        stored.created_at = stored.updated_at = now;
        created.push_back(stored);
        return stored;
    }
    result<event> get_event(const std::string& id) override { return error{errc::not_found, id, {}}; }
    result<page<event>> list_events(const std::string&, const event_filter&, const page_request&) override {
        return page<event>{};
    }
    result<event> update_event(const event& e, expected_version, const std::string&) override {
        updated.push_back(e);
        return e;
    }
    status delete_event(const std::string&, expected_version) override { return ok(); }
    result<booking_context> booking_facts(const programme&, const booking_candidate&,
                                          const std::optional<std::string>&) override {
        booking_context c;
        c.programme_starts_on = {2020, 1, 1};
        c.programme_ends_on = {2030, 12, 31};
        return c;
    }
    result<std::string> create_series(const std::string&, const std::string&, const std::string&, const std::string&,
                                      const std::string&, const std::string&) override {
        return std::string("series");
    }
    result<std::vector<event>> series_events(const std::string&) override { return std::vector<event>{}; }
};

const time_zone& amsterdam() {
    const auto* zone = find_time_zone("Europe/Amsterdam");
    REQUIRE(zone != nullptr);
    return *zone;
}

event meeting() {
    event e;
    e.programme_id = "p1";
    e.kind = event_kind::other;
    e.title = "Kick-off";
    return e;
}

} // namespace

TEST_CASE("place_in_zone reads local times, instants and offsets in the programme's zone") {
    const auto local = place_in_zone("2024-06-12T10:00", amsterdam());
    REQUIRE(local);
    CHECK(format_instant(local->utc) == "2024-06-12T08:00:00Z");
    CHECK(local->kind == local_kind::unique);

    const auto instant = place_in_zone("2024-06-12T08:00:00Z", amsterdam());
    REQUIRE(instant);
    CHECK(format_local_time(instant->local) == "2024-06-12T10:00");

    const auto offset = place_in_zone("2024-06-12T10:00:00+02:00", amsterdam());
    REQUIRE(offset);
    CHECK(format_instant(offset->utc) == "2024-06-12T08:00:00Z");

    CHECK(place_in_zone("2024-03-31T02:30", amsterdam())->kind == local_kind::nonexistent);
    CHECK(place_in_zone("2024-10-27T02:30", amsterdam())->kind == local_kind::ambiguous);
    CHECK_FALSE(place_in_zone("next tuesday", amsterdam()));
}

TEST_CASE("book stores an event with nothing in the way, its times placed in the zone") {
    recording_event_store s;
    programme p;
    p.id = "p1";
    auto r = book(s, p, meeting(), std::string("2024-06-12T10:00"), std::string("2024-06-12T12:00"), {}, std::nullopt,
                  false);
    REQUIRE(r);
    REQUIRE(r->stored);
    CHECK(r->blocking.empty());
    CHECK(r->stored->start_utc == "2024-06-12T08:00:00Z");
    CHECK(r->stored->end_local == "2024-06-12T12:00");
    CHECK(s.created.size() == 1);
}

TEST_CASE("book refuses a time the clocks skip and stores nothing") {
    recording_event_store s;
    programme p;
    p.id = "p1";
    auto r = book(s, p, meeting(), std::string("2025-03-30T02:30"), std::string("2025-03-30T04:00"), {}, std::nullopt,
                  false);
    REQUIRE(r);
    CHECK_FALSE(r->stored);
    REQUIRE(r->blocking.size() == 1);
    CHECK(r->blocking.front().type == conflict_type::nonexistent_local_time);
    CHECK(r->blocking.front().detail ==
          "The start 2025-03-30T02:30 does not exist in Europe/Amsterdam (the clocks skip it).");
    CHECK(s.created.empty());
}

TEST_CASE("book names the field it cannot read") {
    recording_event_store s;
    programme p;
    auto r = book(s, p, meeting(), std::string("2024-06-12T10:00"), std::string("noon"), {}, std::nullopt, false);
    REQUIRE_FALSE(r);
    CHECK(r.err().code == errc::invalid_input);
    REQUIRE(r.err().fields.size() == 1);
    CHECK(r.err().fields.front().field == "end");
}

TEST_CASE("book updates a stored event and raises its sequence only for a significant change") {
    recording_event_store s;
    programme p;
    auto e = meeting();
    e.id = "ev9";
    e.start_local = "2024-06-12T10:00";
    e.end_local = "2024-06-12T12:00";
    REQUIRE(book(s, p, e, std::nullopt, std::nullopt, {}, 3, false));
    REQUIRE(book(s, p, e, std::string("2024-06-13T10:00"), std::string("2024-06-13T12:00"), {}, 3, true));
    REQUIRE(s.updated.size() == 2);
    CHECK(s.updated[0].sequence == e.sequence);
    CHECK(s.updated[1].sequence == e.sequence + 1);
    CHECK(s.updated[1].start_local == "2024-06-13T10:00");
}

TEST_CASE("book_event passes on the stored event or what blocked it") {
    recording_event_store s;
    programme p;
    auto ok_booking = book_event(s, p, meeting(), "2024-06-12T10:00", "2024-06-12T12:00");
    REQUIRE(ok_booking);
    CHECK(ok_booking->stored);
    auto blocked = book_event(s, p, meeting(), "2024-06-12T12:00", "2024-06-12T10:00");
    REQUIRE(blocked);
    CHECK_FALSE(blocked->stored);
    CHECK_FALSE(blocked->blocking.empty());
}
