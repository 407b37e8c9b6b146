#include "server/remind/mime.hpp"

#include "tests/support/python_tools.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

using namespace copsched::server;
namespace t = copsched::testing;

namespace {

const std::string ical_request =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//copsched//test//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    "UID:ev-1@cop.example.org\r\nDTSTAMP:20261101T090000Z\r\nDTSTART:20261128T120000Z\r\nSEQUENCE:2\r\n"
    "SUMMARY:CoP-bijeenkomst Coördinatie\r\nORGANIZER;CN=Green Deal:mailto:cop@example.org\r\n"
    "ATTENDEE;CN=Anna de Vries;RSVP=TRUE;PARTSTAT=NEEDS-ACTION:mailto:anna@example.org\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n";

mail_message sample() {
    mail_message m;
    m.from = {"Green Deal Circulair Inkopen", "cop@example.org"};
    m.to = {"Anna de Vries", "anna@example.org"};
    m.subject = "Herinnering: CoP-bijeenkomst morgen";
    m.message_id = "<r-01HX@cop.example.org>";
    m.text = "Beste Anna,\n\nTot morgen.\n";
    m.language = "nl";
    m.date = std::chrono::system_clock::from_time_t(1795867200); // 2026-11-28T12:00:00Z, a Saturday
    m.boundary_seed = "01HX";
    return m;
}

std::string build(const mail_message& m) {
    const auto r = build_mail(m);
    INFO((r ? std::string() : r.error().detail));
    REQUIRE(r);
    return r.message();
}

std::string header_section(const std::string& msg) { return msg.substr(0, msg.find("\r\n\r\n") + 2); }

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    for (std::size_t pos = 0; pos < text.size();) {
        auto end = text.find("\r\n", pos);
        if (end == std::string::npos) end = text.size();
        out.push_back(text.substr(pos, end - pos));
        pos = end + 2;
    }
    return out;
}

// Field names of the header section, in order (a folded line continues the field before).
std::vector<std::string> field_names(const std::string& msg) {
    std::vector<std::string> names;
    for (const auto& l : lines_of(header_section(msg)))
        if (!l.empty() && l[0] != ' ' && l[0] != '\t') names.push_back(l.substr(0, l.find(':')));
    return names;
}

// The unfolded value of the first `name` field.
std::string field(const std::string& msg, const std::string& name) {
    std::string value;
    bool in = false;
    for (const auto& l : lines_of(header_section(msg))) {
        if (!l.empty() && (l[0] == ' ' || l[0] == '\t')) {
            if (in) value += l;
            continue;
        }
        if (in) break;
        if (l.rfind(name + ":", 0) == 0) {
            in = true;
            value = l.substr(name.size() + 1);
        }
    }
    return value;
}

std::string base64_decode(const std::string& s) {
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buf = 0;
    int bits = 0;
    for (char c : s) {
        if (c == '=') break;
        const auto v = alphabet.find(c);
        REQUIRE(v != std::string::npos);
        buf = (buf << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buf >> bits) & 0xFF);
        }
    }
    return out;
}

bool valid_utf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        const std::size_t n = b < 0x80             ? 1
                              : (b & 0xE0) == 0xC0 ? 2
                              : (b & 0xF0) == 0xE0 ? 3
                              : (b & 0xF8) == 0xF0 ? 4
                                                   : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

// An unfolded header value decoded per RFC 2047 (B only, what build_mail writes): each
// encoded-word must be <= 75 characters and decode to whole UTF-8 characters by itself.
std::string decode_words(const std::string& value) {
    std::string out;
    std::size_t pos = 0;
    bool last_was_word = false;
    while (pos < value.size()) {
        const auto start = value.find("=?UTF-8?B?", pos);
        std::string between = value.substr(pos, start == std::string::npos ? std::string::npos : start - pos);
        // White space between adjacent encoded-words is dropped (RFC 2047 6.2).
        if (!(last_was_word && start != std::string::npos && between.find_first_not_of(' ') == std::string::npos))
            out += between;
        if (start == std::string::npos) break;
        const auto end = value.find("?=", start + 10);
        REQUIRE(end != std::string::npos);
        const auto word = value.substr(start, end + 2 - start);
        CHECK(word.size() <= 75);
        const auto bytes = base64_decode(value.substr(start + 10, end - start - 10));
        CHECK(valid_utf8(bytes));
        out += bytes;
        pos = end + 2;
        last_was_word = true;
    }
    if (!out.empty() && out[0] == ' ') out.erase(0, 1);
    return out;
}

void check_lines(const std::string& msg) {
    for (std::size_t i = 0; i < msg.size(); ++i) {
        if (msg[i] == '\n') REQUIRE((i > 0 && msg[i - 1] == '\r'));
        if (msg[i] == '\r') REQUIRE((i + 1 < msg.size() && msg[i + 1] == '\n'));
        const auto c = static_cast<unsigned char>(msg[i]);
        REQUIRE((c < 0x80 && c != 0)); // 7-bit clean
    }
    for (const auto& l : lines_of(msg)) {
        INFO(l);
        CHECK(l.size() <= 76);
    }
}

// The message as mail_summary.py (Python's email package and python3-icalendar) reads it.
boost::json::object python_view(const std::string& msg) {
    t::temp_dir dir;
    const auto path = dir.str() + "/1.eml";
    std::ofstream(path, std::ios::binary) << msg;
    auto all = t::mail_summary(path);
    REQUIRE(all.size() == 1);
    return all[0].as_object();
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

} // namespace

TEST_CASE("a plain reminder is text/plain with the required headers", "[mail]") {
    const auto msg = build(sample());
    check_lines(msg);
    CHECK(field_names(msg) == std::vector<std::string>{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
                                                       "Auto-Submitted", "Content-Language", "Content-Type",
                                                       "Content-Transfer-Encoding"});
    CHECK(field(msg, "From") == " Green Deal Circulair Inkopen <cop@example.org>");
    CHECK(field(msg, "To") == " Anna de Vries <anna@example.org>");
    CHECK(field(msg, "Subject") == " Herinnering: CoP-bijeenkomst morgen");
    CHECK(field(msg, "Date") == " Sat, 28 Nov 2026 12:00:00 +0000");
    CHECK(field(msg, "Message-ID") == " <r-01HX@cop.example.org>");
    CHECK(field(msg, "Auto-Submitted") == " auto-generated");
    CHECK(field(msg, "Content-Language") == " nl");
    CHECK(field(msg, "Content-Type") == " text/plain; charset=UTF-8");
    CHECK(msg.find("Content-Class") == std::string::npos);
    CHECK(msg.substr(msg.find("\r\n\r\n") + 4) == "Beste Anna,\r\n\r\nTot morgen.\r\n");
}

TEST_CASE("the text body survives any line ends, long lines, dots and non-ASCII", "[mail]") {
    auto m = sample();
    const std::string long_line(100, 'x');
    m.text =
        "Beste Anna,\r\nregel twee\rregel drie\n.\n..punt\nprijs = €12 \n" + long_line + "é" + long_line + "\n\ttab\n";
    const auto msg = build(m);
    check_lines(msg);
    const auto v = python_view(msg);
    CHECK(str(v.at("text")) ==
          "Beste Anna,\nregel twee\nregel drie\n.\n..punt\nprijs = €12 \n" + long_line + "é" + long_line + "\n\ttab\n");
    CHECK(v.at("defects").as_array().empty());
}

TEST_CASE("CR, LF and control characters in names and subject add no header", "[mail]") {
    auto m = sample();
    m.from.name = "Green Deal\r\nBcc: evil@attacker.example";
    m.to.name = "Anna\nX-Injected: 1\r";
    m.subject = "Hallo\r\n\r\nBcc: evil@attacker.example\rX-Injected: 2\nContent-Type: text/html\x01\x7f\u2028Bye";
    for (const bool with_calendar : {false, true}) {
        if (with_calendar) m.calendar = mail_calendar{"REQUEST", ical_request};
        const auto msg = build(m);
        check_lines(msg);
        const auto names = field_names(msg);
        CHECK(std::count(names.begin(), names.end(), "Bcc") == 0);
        CHECK(std::count(names.begin(), names.end(), "X-Injected") == 0);
        CHECK(std::count(names.begin(), names.end(), "Content-Type") == 1);
        CHECK(decode_words(field(msg, "Subject")) ==
              "Hallo Bcc: evil@attacker.example X-Injected: 2 Content-Type: text/html Bye");

        const auto v = python_view(msg);
        std::vector<std::string> py_names;
        for (const auto& n : v.at("header_names").as_array()) py_names.push_back(str(n));
        CHECK(std::count(py_names.begin(), py_names.end(), "bcc") == 0);
        CHECK(std::count(py_names.begin(), py_names.end(), "x-injected") == 0);
        CHECK(str(v.at("from").at("email")) == "cop@example.org");
        CHECK(str(v.at("to").at("email")) == "anna@example.org");
        CHECK(str(v.at("from").at("name")) == "Green Deal Bcc: evil@attacker.example");
        CHECK(v.at("envelope").is_null());
    }
}

TEST_CASE("non-ASCII names and subjects round-trip through RFC 2047", "[mail]") {
    auto m = sample();
    m.from.name = "Green Deal Circulair Inkopen — Coördinatie";
    m.to.name = "Zoë Ðurić 王芳";
    m.subject = "Herinnering: CoP-bijeenkomst morgen 🎉 (Coördinatie)";
    const auto msg = build(m);
    check_lines(msg);
    CHECK(decode_words(field(msg, "Subject")) == m.subject);
    const auto v = python_view(msg);
    CHECK(str(v.at("subject")) == m.subject);
    CHECK(str(v.at("from").at("name")) == m.from.name);
    CHECK(str(v.at("to").at("name")) == m.to.name);
    CHECK(str(v.at("to").at("email")) == "anna@example.org");
    CHECK(v.at("defects").as_array().empty());
}

TEST_CASE("long non-ASCII subjects fold into encoded-words split between whole characters", "[mail]") {
    auto m = sample();
    std::string subject;
    for (int i = 0; i < 40; ++i) subject += "Coördinatie € 🎉 王 ";
    subject += "einde…";
    m.subject = subject;
    const auto msg = build(m);
    check_lines(msg);
    const auto header = header_section(msg);
    const auto start = header.find("Subject:");
    const auto end = header.find("\r\nDate:");
    const auto folded = lines_of(header.substr(start, end - start));
    CHECK(folded.size() > 10);
    for (std::size_t i = 1; i < folded.size(); ++i) CHECK(folded[i].rfind(" =?UTF-8?B?", 0) == 0);
    CHECK(decode_words(field(msg, "Subject")) == subject);
    CHECK(str(python_view(msg).at("subject")) == subject);

    // Long ASCII subjects fold at spaces and unfold to the same text.
    m.subject = std::string(30, 'a');
    for (int i = 0; i < 30; ++i) m.subject += " woord" + std::to_string(i);
    const auto ascii = build(m);
    check_lines(ascii);
    CHECK(field(ascii, "Subject") == " " + m.subject);
}

TEST_CASE("display names with specials are quoted", "[mail]") {
    auto m = sample();
    m.to.name = "de Vries, Anna \"AJ\" (gemeente)";
    m.from.name = "=?UTF-8?B?Zm9v?= literal";
    const auto msg = build(m);
    CHECK(field(msg, "To") == " \"de Vries, Anna \\\"AJ\\\" (gemeente)\" <anna@example.org>");
    const auto v = python_view(msg);
    CHECK(str(v.at("to").at("name")) == m.to.name);
    CHECK(str(v.at("to").at("email")) == "anna@example.org");
    CHECK(str(v.at("from").at("name")) == m.from.name); // encoded, so not decoded as "foo"

    m.to.name = "";
    CHECK(field(build(m), "To") == " anna@example.org");
}

TEST_CASE("an iMIP message is multipart/alternative whose method parameter matches the calendar", "[mail]") {
    auto m = sample();
    for (const std::string method : {"REQUEST", "CANCEL"}) {
        std::string ical = ical_request;
        ical.replace(ical.find("METHOD:REQUEST"), 14, "METHOD:" + method);
        if (method == "CANCEL") ical.replace(ical.find("SEQUENCE:2"), 10, "SEQUENCE:3\r\nSTATUS:CANCELLED");
        // LF line ends in the input become CRLF inside the part.
        std::string lf;
        for (char c : ical)
            if (c != '\r') lf += c;
        m.calendar = mail_calendar{method == "CANCEL" ? "cancel" : method, lf};
        const auto msg = build(m);
        check_lines(msg);
        CHECK(field(msg, "Content-Class") == " urn:content-classes:calendarmessage");
        CHECK(msg.find("Content-Type: text/calendar; charset=UTF-8; method=" + method + "\r\n") != std::string::npos);
        const auto v = python_view(msg);
        CHECK(str(v.at("content_type")) == "multipart/alternative");
        const auto& parts = v.at("parts").as_array();
        REQUIRE(parts.size() == 2);
        CHECK(str(parts[0].at("content_type")) == "text/plain");
        CHECK(str(parts[0].at("charset")) == "utf-8");
        CHECK(str(parts[1].at("content_type")) == "text/calendar");
        CHECK(str(parts[1].at("method")) == method);
        CHECK(str(parts[1].at("charset")) == "utf-8");
        const auto& cal = v.at("calendar").as_object();
        CHECK(str(cal.at("method")) == method);
        CHECK(cal.at("raw_crlf").as_bool());
        CHECK(str(cal.at("uid")) == "ev-1@cop.example.org");
        CHECK(cal.at("sequence").as_int64() == (method == "CANCEL" ? 3 : 2));
        CHECK(str(cal.at("status")) == (method == "CANCEL" ? "CANCELLED" : ""));
        CHECK(str(v.at("text")) == "Beste Anna,\n\nTot morgen.\n");
        CHECK(v.at("defects").as_array().empty());
    }

    m.calendar = mail_calendar{"CANCEL", ical_request};
    auto r = build_mail(m);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == mail_errc::invalid_calendar);
    m.calendar = mail_calendar{"REQUEST", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"};
    CHECK_FALSE(build_mail(m));
    m.calendar = mail_calendar{"REQUEST\r\nX: y", ical_request};
    CHECK_FALSE(build_mail(m));
}

TEST_CASE("the multipart boundary occurs only as delimiters, whatever the parts contain", "[mail]") {
    auto m = sample();
    m.calendar = mail_calendar{"REQUEST", ical_request};
    const auto first = build(m);
    const auto ct = field(first, "Content-Type");
    const auto b0 = ct.find("boundary=\"") + 10;
    const auto boundary = ct.substr(b0, ct.find('"', b0) - b0);
    REQUIRE(boundary.size() > 10);
    // Put the boundary itself (and delimiter lines) into the text and the calendar.
    m.text = "--" + boundary + "\n" + boundary + "--\n";
    std::string ical = ical_request;
    ical.replace(ical.find("SUMMARY:"), 8, "SUMMARY:--" + boundary + " ");
    m.calendar = mail_calendar{"REQUEST", ical};
    const auto msg = build(m);
    check_lines(msg);
    std::size_t count = 0;
    for (auto pos = msg.find(boundary); pos != std::string::npos; pos = msg.find(boundary, pos + 1)) ++count;
    CHECK(count == 4);      // the parameter, two delimiters, the close delimiter
    CHECK(build(m) == msg); // same input, same bytes
    const auto v = python_view(msg);
    CHECK(v.at("parts").as_array().size() == 2);
    CHECK(str(v.at("text")) == m.text);
    CHECK(str(v.at("calendar").at("summary")) == "--" + boundary + " CoP-bijeenkomst Coördinatie");
}

TEST_CASE("bad addresses, message ids and languages are refused", "[mail]") {
    for (const std::string& bad : std::vector<std::string>{"",
                                                           "anna",
                                                           "anna@",
                                                           "@example.org",
                                                           "anna@example.org\r\nBcc: x@y.z",
                                                           "anna @example.org",
                                                           "<anna@example.org>",
                                                           "anna@example.org>",
                                                           "\"anna\"@example.org",
                                                           "anna@exa mple.org",
                                                           "anna@@example.org",
                                                           "a..b@example.org",
                                                           ".a@example.org",
                                                           "anna@-example.org",
                                                           "anna@example.org.",
                                                           "anna@[127.0.0.1]",
                                                           "zoë@example.org",
                                                           "anna@example.org\n",
                                                           "anna,bob@example.org",
                                                           std::string(65, 'a') + "@example.org"}) {
        INFO(bad);
        CHECK_FALSE(valid_mail_address(bad));
        auto m = sample();
        m.to.email = bad;
        auto r = build_mail(m);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == mail_errc::invalid_address);
        m = sample();
        m.from.email = bad;
        CHECK_FALSE(build_mail(m));
    }
    for (const std::string good :
         {"anna@example.org", "anna.de.vries+cop@mail.example.org", "a_b-c@localhost", "o'brien@example.ie"})
        CHECK(valid_mail_address(good));

    auto m = sample();
    for (const std::string bad_id : {"", "r-1@cop.example.org", "<r-1>", "<r 1@x>", "<r-1@x>\r\nBcc: y@z"}) {
        m.message_id = bad_id;
        auto r = build_mail(m);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == mail_errc::invalid_message_id);
    }
    m = sample();
    m.language = "nl\r\nBcc: x@y.z";
    auto r = build_mail(m);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == mail_errc::invalid_language);
    m.language = "";
    CHECK(field_names(build(m)) == std::vector<std::string>{"From", "To", "Subject", "Date", "Message-ID",
                                                            "MIME-Version", "Auto-Submitted", "Content-Type",
                                                            "Content-Transfer-Encoding"});
}

TEST_CASE("rfc5322_date writes UTC with +0000", "[mail]") {
    CHECK(rfc5322_date(std::chrono::system_clock::from_time_t(0)) == "Thu, 01 Jan 1970 00:00:00 +0000");
    CHECK(rfc5322_date(std::chrono::system_clock::from_time_t(1795867200)) == "Sat, 28 Nov 2026 12:00:00 +0000");
}

TEST_CASE("an invitation's Reply-To is the tagged reply address, and a bad one is refused", "[server][mime]") {
    mail_message m;
    m.from = {"CoP", "cop@example.org"};
    m.to = {"Anna", "anna@example.org"};
    m.reply_to = "rsvp+abcdefghijklmnopqrstuvwxyz@example.org";
    m.subject = "Uitnodiging";
    m.message_id = "<msg_1@example.org>";
    m.text = "Hallo";
    m.date = std::chrono::system_clock::time_point{};
    m.boundary_seed = "msg_1";
    auto r = build_mail(m);
    REQUIRE(r);
    CHECK(r.message().find("\r\nReply-To: rsvp+abcdefghijklmnopqrstuvwxyz@example.org\r\n") != std::string::npos);
    m.reply_to = "rsvp@example.org\r\nBcc: x@example.org";
    auto bad = build_mail(m);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == mail_errc::invalid_address);
    m.reply_to.clear();
    auto none = build_mail(m);
    REQUIRE(none);
    CHECK(none.message().find("Reply-To:") == std::string::npos);
}
