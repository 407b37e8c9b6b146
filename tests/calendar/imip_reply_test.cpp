// Reading the iMIP REPLY mail clients send: only METHOD, UID, SEQUENCE, COMMENT and the
// ATTENDEE's address, PARTSTAT and delegation matter.
#include "calendar/imip_reply.hpp"

#include <catch2/catch.hpp>

#include <string>

using copsched::calendar::parse_imip_reply;

namespace {

std::string reply(const std::string& method, const std::string& attendee_line, const std::string& extra = {}) {
    return "BEGIN:VCALENDAR\r\nPRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\r\nVERSION:2.0\r\nMETHOD:" +
           method +
           "\r\nBEGIN:VEVENT\r\nUID:evt_01abc@copsched\r\nSEQUENCE:3\r\nDTSTAMP:20300301T100000Z\r\n"
           "ORGANIZER;CN=CoP:mailto:rsvp+tag@example.org\r\n" +
           attendee_line + "\r\n" + extra + "X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
}

} // namespace

TEST_CASE("a reply gives its method, UID, SEQUENCE, attendee, PARTSTAT and COMMENT", "[calendar][imip]") {
    auto r = parse_imip_reply(reply(
        "REPLY", "ATTENDEE;CN=\"Vries, Anna de\";PARTSTAT=Accepted;ROLE=REQ-PARTIC\r\n IPANT:MAILTO:Anna@Example.ORG",
        "COMMENT:Ik kom\\, maar later – één vraag\\nOp twee regels\r\n"));
    REQUIRE(r.ok());
    CHECK(r->method == "REPLY");
    CHECK(r->uid == "evt_01abc@copsched");
    CHECK(r->sequence == 3);
    CHECK(r->attendees == 1);
    CHECK(r->attendee_email == "anna@example.org");
    CHECK(r->partstat == "ACCEPTED");
    CHECK_FALSE(r->delegated);
    CHECK(r->comment == std::optional<std::string>("Ik kom, maar later – één vraag\nOp twee regels"));
}

TEST_CASE("delegation, COUNTER and several attendees are reported, not hidden", "[calendar][imip]") {
    auto d = parse_imip_reply(
        reply("REPLY", "ATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO=\"mailto:b@example.org\":mailto:a@example.org"));
    REQUIRE(d.ok());
    CHECK(d->delegated);
    auto to = parse_imip_reply(
        reply("REPLY", "ATTENDEE;PARTSTAT=ACCEPTED;DELEGATED-TO=\"mailto:b@example.org\":mailto:a@example.org"));
    REQUIRE(to.ok());
    CHECK(to->delegated);
    auto c = parse_imip_reply(reply("COUNTER", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.org"));
    REQUIRE(c.ok());
    CHECK(c->method == "COUNTER");
    auto two = parse_imip_reply(reply(
        "REPLY", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.org\r\nATTENDEE;PARTSTAT=DECLINED:mailto:b@example.org"));
    REQUIRE(two.ok());
    CHECK(two->attendees == 2);
    auto none = parse_imip_reply(reply("REPLY", "SUMMARY:no attendee"));
    REQUIRE(none.ok());
    CHECK(none->attendees == 0);
    CHECK(none->partstat.empty());
}

TEST_CASE("text that is no calendar with an event is refused naming raw_ical", "[calendar][imip]") {
    for (const std::string& bad :
         {std::string("hello"), std::string("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n"),
          std::string("BEGIN:VCALENDAR\r\nBEGIN:VEVNT\r\nUID:x\r\nEND:VEVNT\r\nEND:VCALENDAR\r\n"),
          std::string("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\0y\r\n", 40), std::string()}) {
        auto r = parse_imip_reply(bad);
        INFO(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.err().fields.at(0).field == "raw_ical");
    }
}
