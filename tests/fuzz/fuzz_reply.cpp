// Reading a reply e-mail (server/inbox/reply_message.hpp, GMime) and its calendar part
// (calendar/imip_reply.hpp, libical) from any bytes. Checks the promises: a message gives
// either a calendar text or a reason to skip it, never both or neither; the calendar text
// is valid UTF-8 and no larger than the limit allows (a charset conversion at most
// triples it); parse_imip_reply answers a result or an error naming raw_ical, and a
// result's attendee address is lower case.

#include "fuzz_input.hpp"

#include "calendar/imip_reply.hpp"
#include "server/inbox/reply_message.hpp"

#include <cstdint>
#include <string>
#include <string_view>

using namespace copsched;

namespace {

constexpr std::size_t limit = 16 * 1024;

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
        i += n;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view raw(reinterpret_cast<const char*>(data), size);
    const auto m = server::extract_reply(raw, "", limit);
    FUZZ_CHECK(m.calendar.empty() != m.skipped.empty());
    if (!m.calendar.empty()) {
        FUZZ_CHECK(valid_utf8(m.calendar));
        FUZZ_CHECK(m.calendar.size() <= 3 * limit);
    }
    const auto r = calendar::parse_imip_reply(m.calendar.empty() ? raw : std::string_view(m.calendar));
    if (!r) {
        FUZZ_CHECK(!r.err().fields.empty() && r.err().fields.front().field == "raw_ical");
    } else {
        for (char c : r->attendee_email) FUZZ_CHECK(c < 'A' || c > 'Z');
        FUZZ_CHECK(r->attendees > 0 || r->attendee_email.empty());
    }
    return 0;
}
