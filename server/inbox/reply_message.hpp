#pragma once
// Reads one e-mail of the reply mailbox (RFC 5322 + MIME, with GMime 3) for `copsched
// inbox`: who sent it, to which tagged address, its Message-ID and the iMIP reply in it.
//
// Mail clients put the reply in different places (tests/inbox/fixtures/README.md says
// where each shape is documented): Outlook sends multipart/alternative with a
// text/calendar; method=REPLY part; Gmail adds the same object again as an `invite.ics`
// attachment (application/ics); Apple Mail and Thunderbird send text/calendar parts of
// their own; some send nothing but a base64 .ics attachment. All are found: the first
// text/calendar part whose body carries METHOD:REPLY (or COUNTER) wins, then any such
// part or attachment named *.ics, then any calendar part. Transfer encodings (base64,
// quoted-printable) are decoded and the part's charset converted to UTF-8.
//
// No I/O; one thread at a time (GMime is initialised once per process, on first use).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace copsched::server {

// Limits of one message (`copsched inbox` flags; README "Answers by e-mail").
inline constexpr std::size_t inbox_default_max_calendar_bytes = 256 * 1024;

struct reply_message {
    std::string envelope_to; // the recipient address carrying the tag ("rsvp+TAG@..."), see extract_reply
    std::string from;        // the From addr-spec
    std::string message_id;  // without "<>"; empty when absent
    std::string calendar;    // the iCalendar text, UTF-8; empty: see `skipped`
    std::string skipped;     // non-empty: why no reply was found (no calendar part, too large, not MIME)
};

// `raw`: the whole message. `envelope_to`: the envelope recipient the MTA gave (--envelope-to),
// which wins; empty: the first address with a '+' tag among Delivered-To, X-Original-To,
// Envelope-To, To and Cc, else the first To address. A calendar part larger than
// `max_calendar_bytes` after decoding is skipped with a reason.
[[nodiscard]] reply_message extract_reply(std::string_view raw, std::string_view envelope_to,
                                          std::size_t max_calendar_bytes = inbox_default_max_calendar_bytes);

// The hex SHA-256 of `raw` (the job hashes the envelope recipient and the message's
// bytes): the Idempotency-Key of a hand-in, the same however often the message is read.
[[nodiscard]] std::string message_digest(std::string_view raw);

} // namespace copsched::server
