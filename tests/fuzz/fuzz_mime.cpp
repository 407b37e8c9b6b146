// E-mail assembly (server/remind/mime.hpp): build_mail with display names, subject,
// addresses, Message-ID, language, body and an optional calendar part made from the
// bytes, and valid_mail_address on an address of any bytes. Checks the promises on every
// message built: 7-bit, CRLF line ends only, lines of at most 76 characters, a header
// block that ends in a blank line whose every line is a header or a folded continuation
// (no user text starts a header of its own), and addresses only when valid_mail_address
// accepts them.

#include "fuzz_input.hpp"

#include "server/remind/mime.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

using namespace copsched;
using namespace copsched::server;

namespace {

const char* const addresses[] = {"organiser@example.org", "a.b-c@mail.example.com", "x@y.z",
                                 "bad address@x.org",     "\xc3\xa9@example.org",   ""};
const char* const methods[] = {"REQUEST", "CANCEL", "PUBLISH", "request", "BOGUS", ""};
const char* const headers[] = {"From:",
                               "To:",
                               "Subject:",
                               "Date:",
                               "Message-ID:",
                               "MIME-Version:",
                               "Auto-Submitted:",
                               "Content-Language:",
                               "Content-Class:",
                               "Content-Type:",
                               "Content-Transfer-Encoding:"};

bool is_known_header(std::string_view line) {
    for (const char* h : headers)
        if (line.starts_with(h)) return true;
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::input in(data, size);
    mail_message m;
    m.from.name = in.text(80);
    m.from.email = in.flag() ? std::string(in.pick(addresses)) : in.text(40);
    m.to.name = in.text(80);
    m.to.email = in.pick(addresses);
    m.subject = in.text();
    m.message_id = in.flag() ? "<" + std::to_string(in.byte()) + "@copsched>" : in.text(30);
    m.language = in.flag() ? in.text(12) : "";
    m.date = std::chrono::system_clock::time_point{} + std::chrono::seconds{in.in_range(0, 65535) * 65536LL};
    m.boundary_seed = in.text(20);
    if (in.flag()) {
        mail_calendar c;
        c.method = in.pick(methods);
        c.content = "BEGIN:VCALENDAR\r\nMETHOD:" + std::string(in.flag() ? c.method : in.text(10)) + "\r\n" +
                    in.text() + "\r\nEND:VCALENDAR\r\n";
        m.calendar = c;
    }
    m.text = in.rest();

    (void)valid_mail_address(m.from.email);
    const auto r = build_mail(m);
    if (!r) {
        FUZZ_CHECK(!r.error().detail.empty());
        return 0;
    }
    FUZZ_CHECK(valid_mail_address(m.from.email) && valid_mail_address(m.to.email));
    const std::string& msg = r.message();
    std::size_t start = 0;
    bool in_header = true;
    while (start < msg.size()) {
        const auto end = msg.find("\r\n", start);
        FUZZ_CHECK(end != std::string::npos);
        const std::string_view line(msg.data() + start, end - start);
        FUZZ_CHECK(line.size() <= 76);
        for (const unsigned char c : line) FUZZ_CHECK(c < 0x80 && c != '\r' && c != '\n');
        if (in_header) {
            if (line.empty())
                in_header = false;
            else
                FUZZ_CHECK(line.front() == ' ' || line.front() == '\t' || is_known_header(line));
        }
        start = end + 2;
    }
    FUZZ_CHECK(!in_header);
    return 0;
}
