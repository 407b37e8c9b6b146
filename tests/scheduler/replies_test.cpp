// What a reply by e-mail does: the decision over a found event and person, in its order,
// and the tag in a reply address.
#include "scheduler/replies.hpp"

#include <catch2/catch.hpp>

using namespace copsched::scheduler;

namespace {

event future_event() {
    event e;
    e.id = "evt_1";
    e.start_utc = "2030-03-12T09:00:00Z";
    e.end_utc = "2030-03-12T12:00:00Z";
    e.sequence = 2;
    return e;
}

imip_reply accepted_reply() {
    imip_reply r;
    r.method = "REPLY";
    r.uid = "evt_1@copsched";
    r.sequence = 2;
    r.attendees = 1;
    r.attendee_email = "anna@example.org";
    r.partstat = "ACCEPTED";
    return r;
}

} // namespace

TEST_CASE("a reply is applied only when invited, tagged for the person, answering and current",
          "[scheduler][replies]") {
    const auto e = future_event();
    auto r = accepted_reply();
    const std::string now = "2030-03-01T00:00:00Z";
    CHECK(decide_reply({&r, &e, true, true, now}) == reply_reason::none);
    CHECK(decide_reply({&r, &e, false, true, now}) == reply_reason::not_invited);
    CHECK(decide_reply({&r, &e, true, false, now}) == reply_reason::forged_tag);
    // A forged tag is reported before anything the reply itself says.
    r.delegated = true;
    CHECK(decide_reply({&r, &e, true, false, now}) == reply_reason::forged_tag);
    CHECK(decide_reply({&r, &e, true, true, now}) == reply_reason::delegation);
    r.delegated = false;
    r.partstat = "NEEDS-ACTION";
    CHECK(decide_reply({&r, &e, true, true, now}) == reply_reason::no_answer);
    r.partstat = "TENTATIVE";
    r.sequence = 1;
    CHECK(decide_reply({&r, &e, true, true, now}) == reply_reason::stale_sequence);
    r.sequence = 3; // newer than the event's: a client that bumped it; the answer still counts
    CHECK(decide_reply({&r, &e, true, true, now}) == reply_reason::none);
    CHECK(decide_reply({&r, &e, true, true, "2030-03-12T10:00:00Z"}) == reply_reason::event_started);
    CHECK(decide_reply({&r, &e, true, true, "2030-03-12T12:00:00Z"}) == reply_reason::event_ended);
    auto cancelled = e;
    cancelled.status = event_status::cancelled;
    CHECK(decide_reply({&r, &cancelled, true, true, now}) == reply_reason::event_cancelled);
}

TEST_CASE("PARTSTAT maps to the three answers and nothing else", "[scheduler][replies]") {
    CHECK(rsvp_of_partstat("ACCEPTED") == rsvp_answer::accepted);
    CHECK(rsvp_of_partstat("TENTATIVE") == rsvp_answer::tentative);
    CHECK(rsvp_of_partstat("DECLINED") == rsvp_answer::declined);
    CHECK_FALSE(rsvp_of_partstat("DELEGATED"));
    CHECK_FALSE(rsvp_of_partstat("accepted"));
    CHECK(to_string(reply_reason::stale_sequence) == "stale_sequence");
    CHECK(parse<reply_reason>("forged_tag") == reply_reason::forged_tag);
    CHECK(parse<reply_state>("applied") == reply_state::applied);
}

TEST_CASE("the tag of a reply address is the part after '+' in its local part", "[scheduler][replies]") {
    CHECK(reply_tag_of("rsvp+abc234@example.org") == "abc234");
    CHECK(reply_tag_of("CoP <rsvp+abc234@example.org>") == "abc234");
    CHECK(reply_tag_of("mailto:rsvp+x@example.org") == "x");
    CHECK(reply_tag_of("rsvp@example.org").empty());
    CHECK(reply_tag_of("no address").empty());
    CHECK(reply_tag_of("a@b+c.example").empty()); // a '+' in the domain is no tag
    CHECK(tagged_address("rsvp@example.org", "abc") == "rsvp+abc@example.org");
    CHECK(tagged_address("broken", "abc") == "broken");
}
