#include "server/remind/smtp.hpp"

#include "server/remind/mime.hpp"
#include "tests/support/python_tools.hpp"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <iostream>

using namespace copsched::server;
namespace t = copsched::testing;

namespace {

const std::string ical_request =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//copsched//test//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    "UID:ev-7@cop.example.org\r\nDTSTAMP:20261101T090000Z\r\nDTSTART:20261128T120000Z\r\nSEQUENCE:1\r\n"
    "SUMMARY:CoP-bijeenkomst\r\nORGANIZER;CN=Green Deal:mailto:cop@example.org\r\n"
    "ATTENDEE;CN=Anna de Vries;RSVP=TRUE;PARTSTAT=NEEDS-ACTION:mailto:anna@example.org\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n";

std::string message(const std::string& to = "anna@example.org", bool calendar = false) {
    mail_message m;
    m.from = {"Green Deal Circulair Inkopen", "cop@example.org"};
    m.to = {"Anna de Vries", to};
    m.subject = "Uitnodiging: CoP-bijeenkomst — Coördinatie";
    m.message_id = "<r-7@cop.example.org>";
    m.text = "Beste Anna,\n.\nTot ziens.\n";
    m.language = "nl";
    m.date = std::chrono::system_clock::now();
    m.boundary_seed = "r-7";
    if (calendar) m.calendar = mail_calendar{"REQUEST", ical_request};
    auto r = build_mail(m);
    REQUIRE(r);
    return r.message();
}

smtp_options options_for(const std::string& url) {
    smtp_options o;
    o.url = url;
    o.starttls = starttls_mode::off;
    o.connect_timeout = std::chrono::seconds(5);
    o.transfer_timeout = std::chrono::seconds(10);
    return o;
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

// A loopback port nobody listens on (bound, then closed).
int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    ::close(fd);
    return ntohs(a.sin_port);
}

} // namespace

TEST_CASE("smtp_client delivers an iMIP message intact", "[smtp]") {
    t::smtp_sink sink;
    smtp_client client(options_for(sink.url()));
    const auto msg = message("anna@example.org", true);
    const auto r = client.send("cop@example.org", "anna@example.org", msg);
    INFO(r.text);
    REQUIRE(r.ok);
    CHECK(r.code == 250);
    CHECK_FALSE(r.permanent);
    CHECK(r.text.find("queued as 1") != std::string::npos);

    const auto all = t::mail_summary(sink.dir());
    REQUIRE(all.size() == 1);
    const auto& v = all[0].as_object();
    CHECK(str(v.at("envelope").at("mail_from")) == "cop@example.org");
    REQUIRE(v.at("envelope").at("rcpt_tos").as_array().size() == 1);
    CHECK(str(v.at("envelope").at("rcpt_tos").at(0)) == "anna@example.org");
    CHECK(str(v.at("subject")) == "Uitnodiging: CoP-bijeenkomst — Coördinatie");
    CHECK(str(v.at("text")) == "Beste Anna,\n.\nTot ziens.\n");
    CHECK_FALSE(v.at("bare_lf").as_bool());
    const auto& cal = v.at("calendar").as_object();
    CHECK(str(cal.at("method")) == "REQUEST");
    CHECK(str(cal.at("uid")) == "ev-7@cop.example.org");
    CHECK(cal.at("sequence").as_int64() == 1);
    CHECK(str(cal.at("organizer")) == "mailto:cop@example.org");
    CHECK(str(cal.at("dtstart")) == "2026-11-28T12:00:00+00:00");
    REQUIRE(cal.at("attendees").as_array().size() == 1);
    const auto& att = cal.at("attendees").at(0);
    CHECK(str(att.at("value")) == "mailto:anna@example.org");
    CHECK(str(att.at("params").at("RSVP")) == "TRUE");
    CHECK(str(att.at("params").at("CN")) == "Anna de Vries");
    CHECK(str(v.at("parts").at(1).at("method")) == "REQUEST");

    // The bytes on disk are the bytes handed over (dot-stuffing undone by the server).
    std::ifstream in(sink.dir() + "/1.eml", std::ios::binary);
    const std::string received((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(received == msg);
}

TEST_CASE("smtp_client: an envelope-from option overrides the sender", "[smtp]") {
    t::smtp_sink sink;
    auto o = options_for(sink.url());
    o.envelope_from = "bounces@example.org";
    smtp_client client(o);
    REQUIRE(client.send("cop@example.org", "anna@example.org", message()).ok);
    const auto all = t::mail_summary(sink.dir());
    REQUIRE(all.size() == 1);
    CHECK(str(all[0].at("envelope").at("mail_from")) == "bounces@example.org");
    CHECK(str(all[0].at("from").at("email")) == "cop@example.org");
}

TEST_CASE("smtp_client: 451 on DATA is a temporary failure with its code and text", "[smtp]") {
    t::smtp_sink sink({"--temp-fail", "1"});
    smtp_client client(options_for(sink.url()));
    const auto r = client.send("cop@example.org", "anna@example.org", message());
    CHECK_FALSE(r.ok);
    CHECK(r.code == 451);
    CHECK_FALSE(r.permanent);
    CHECK(r.text == "451 4.3.0 Try again later");
    // The next message on the same client goes through.
    const auto again = client.send("cop@example.org", "anna@example.org", message());
    INFO(again.text);
    CHECK(again.ok);
    CHECK(t::mail_summary(sink.dir()).size() == 1);
}

TEST_CASE("smtp_client: 550 on RCPT is a permanent failure", "[smtp]") {
    t::smtp_sink sink({"--reject", "nobody"});
    smtp_client client(options_for(sink.url()));
    REQUIRE(client.send("cop@example.org", "bob@example.org", message("bob@example.org")).ok); // a reused connection
    const auto r = client.send("cop@example.org", "nobody@example.org", message("nobody@example.org"));
    CHECK_FALSE(r.ok);
    CHECK(r.code == 550);
    CHECK(r.permanent);
    CHECK(r.text == "550 5.1.1 no such user");
    const auto ok = client.send("cop@example.org", "anna@example.org", message());
    INFO(ok.text);
    CHECK(ok.ok);
    CHECK(t::mail_summary(sink.dir()).size() == 2);
}

TEST_CASE("smtp_client refuses envelope addresses that would add SMTP commands", "[smtp]") {
    t::smtp_sink sink;
    smtp_client client(options_for(sink.url()));
    const auto r = client.send("cop@example.org", "anna@example.org>\r\nRCPT TO:<evil@example.org", message());
    CHECK_FALSE(r.ok);
    CHECK(r.permanent);
    CHECK(r.code == 0);
    CHECK_FALSE(client.send("cop@example.org\r\nRSET", "anna@example.org", message()).ok);
    CHECK(t::mail_summary(sink.dir()).empty());
}

TEST_CASE("smtp_client: a closed port is a temporary failure without a code", "[smtp]") {
    smtp_client client(options_for("smtp://127.0.0.1:" + std::to_string(closed_port())));
    const auto r = client.send("cop@example.org", "anna@example.org", message());
    CHECK_FALSE(r.ok);
    CHECK(r.code == 0);
    CHECK_FALSE(r.permanent);
    CHECK_FALSE(r.text.empty());
}

TEST_CASE("smtp_client: STARTTLS required against a server without it fails temporarily", "[smtp]") {
    t::smtp_sink sink;
    auto o = options_for(sink.url());
    o.starttls = starttls_mode::required;
    smtp_client client(o);
    const auto r = client.send("cop@example.org", "anna@example.org", message());
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.permanent);
    CHECK(t::mail_summary(sink.dir()).empty());
}

TEST_CASE("smtp_client sends several messages over one connection", "[smtp]") {
    t::smtp_sink sink;
    smtp_client client(options_for(sink.url()));
    constexpr int count = 25;
    for (int i = 0; i < count; ++i) {
        const auto r = client.send("cop@example.org", "anna" + std::to_string(i) + "@example.org",
                                   message("anna" + std::to_string(i) + "@example.org", i % 2 == 1));
        INFO(r.text);
        REQUIRE(r.ok);
    }
    CHECK(client.connections_opened() == 1);
    const auto all = t::mail_summary(sink.dir());
    REQUIRE(all.size() == count);
    CHECK(str(all[count - 1].at("to").at("email")) == "anna" + std::to_string(count - 1) + "@example.org");
}
