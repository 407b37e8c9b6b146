// Finding the reply in the e-mails mail clients send (tests/inbox/fixtures, unfilled: the
// placeholders are text like any other), with GMime.
#include "server/inbox/reply_message.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

using copsched::server::extract_reply;
using copsched::server::message_digest;

namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(COPSCHED_SOURCE_DIR) + "/tests/inbox/fixtures/" + name, std::ios::binary);
    REQUIRE(in);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("the REPLY is found in every client's shape, decoded to UTF-8 text", "[inbox][mime]") {
    for (const char* name :
         {"outlook.eml", "gmail.eml", "apple-mail.eml", "thunderbird.eml", "base64-only.eml", "utf8-comment.eml"}) {
        INFO(name);
        const auto m = extract_reply(fixture(name), "");
        CHECK(m.skipped.empty());
        CHECK(m.calendar.find("METHOD:REPLY") != std::string::npos);
        CHECK(m.calendar.find("UID:{{UID}}") != std::string::npos);
        CHECK(m.calendar.find("=3D") == std::string::npos); // quoted-printable decoded
        CHECK(m.envelope_to == "{{ORGANIZER}}");
        CHECK(m.from == "{{ATTENDEE}}");
        CHECK(m.message_id == "{{MESSAGE_ID}}");
    }
    CHECK(extract_reply(fixture("utf8-comment.eml"), "").calendar.find("één vraag: is er koffie? ☕") !=
          std::string::npos);
}

TEST_CASE("the tagged recipient wins over other recipients, and the MTA's envelope over all", "[inbox][mime]") {
    const std::string mail = "Delivered-To: rsvp+abc@example.org\r\nTo: CoP <rsvp@example.org>, other@example.org\r\n"
                             "From: Anna <anna@example.org>\r\nContent-Type: text/calendar; method=REPLY\r\n\r\n"
                             "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n";
    CHECK(extract_reply(mail, "").envelope_to == "rsvp+abc@example.org");
    CHECK(extract_reply(mail, "rsvp+given@example.org").envelope_to == "rsvp+given@example.org");
    const std::string untagged = "To: CoP <rsvp@example.org>\r\nFrom: anna@example.org\r\n\r\nhello\r\n";
    const auto m = extract_reply(untagged, "");
    CHECK(m.envelope_to == "rsvp@example.org");
    CHECK(m.skipped == "no text/calendar part and no .ics attachment");
}

TEST_CASE("messages without a readable reply are skipped with a reason", "[inbox][mime]") {
    CHECK_FALSE(extract_reply(std::string(4096, '\x01'), "").skipped.empty());
    CHECK_FALSE(extract_reply("", "").skipped.empty());
    const std::string big =
        "From: a@example.org\r\nContent-Type: text/calendar; method=REPLY\r\n\r\nBEGIN:VCALENDAR\r\n"
        "METHOD:REPLY\r\n" +
        std::string(5000, 'x') + "\r\nEND:VCALENDAR\r\n";
    const auto m = extract_reply(big, "", 1024);
    CHECK(m.calendar.empty());
    CHECK(m.skipped.find("more than 1024") != std::string::npos);
    // Bytes that are no UTF-8 in a part that says UTF-8 become U+FFFD: the service decides.
    const std::string broken = "From: a@example.org\r\nContent-Type: text/calendar; charset=utf-8; method=REPLY\r\n\r\n"
                               "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nCOMMENT:\xff\xfe\r\nEND:VCALENDAR\r\n";
    CHECK(extract_reply(broken, "").calendar.find("\xEF\xBF\xBD") != std::string::npos);
    // A Latin-1 part is converted.
    const std::string latin =
        "From: a@example.org\r\nContent-Type: text/calendar; charset=iso-8859-1; method=REPLY\r\n\r\n"
        "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nCOMMENT:caf\xe9\r\nEND:VCALENDAR\r\n";
    CHECK(extract_reply(latin, "").calendar.find("caf\xC3\xA9") != std::string::npos);
}

TEST_CASE("the digest of a message is its hex SHA-256", "[inbox][mime]") {
    CHECK(message_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
