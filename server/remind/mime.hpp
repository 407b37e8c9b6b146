#pragma once
// E-mail assembly for the reminder job: one RFC 5322 / MIME message from plain values, as
// the bytes handed to SMTP (CRLF line ends, 7-bit clean). No I/O; pure functions, any thread.
//
// Without a calendar the message is text/plain; with one it is multipart/alternative of
// text/plain and text/calendar (iMIP, RFC 6047) whose `method=` parameter equals the METHOD
// inside the calendar (Outlook rejects a mismatch). Bodies are quoted-printable (text) and
// base64 (calendar), so long lines, non-ASCII and the calendar's CRLFs survive any relay.
//
// Header safety: display names and the subject are user text. Control characters (CR, LF,
// TAB, C0, DEL, C1) and bidi overrides become spaces or vanish, so no user text can start a
// header; non-ASCII becomes RFC 2047 encoded-words (UTF-8, B), each <= 75 characters and
// split only between whole characters; names with specials are quoted; every header line is
// folded to <= 76 characters. Addresses are never encoded, only validated.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace copsched::server {

struct mail_address {
    std::string name;  // display name, user text (UTF-8); may be empty
    std::string email; // addr-spec local@domain, ASCII (see valid_mail_address)
};

// An iMIP calendar part.
struct mail_calendar {
    std::string method;  // iTIP method: REQUEST, CANCEL, PUBLISH, REPLY, ADD, REFRESH, COUNTER, DECLINECOUNTER
    std::string content; // the VCALENDAR text (UTF-8), LF or CRLF line ends; must carry the same METHOD
};

struct mail_message {
    mail_address from;
    mail_address to;
    std::string reply_to;                  // Reply-To addr-spec (the tagged reply mailbox); empty: none
    std::string subject;                   // user text (UTF-8)
    std::string message_id;                // "<left@right>", as given: stable across retries
    std::string text;                      // the plain-text body (UTF-8); LF, CR or CRLF line ends, sent as CRLF
    std::string language;                  // BCP 47 tag for Content-Language ("nl", "en-GB"); empty: no such header
    std::optional<mail_calendar> calendar; // nullopt: a plain e-mail
    std::chrono::system_clock::time_point date;
    std::string boundary_seed; // e.g. the outbox id; equal inputs give equal bytes
};

enum class mail_errc {
    invalid_address,    // from.email, to.email or reply_to is not a plain addr-spec
    invalid_message_id, // not "<left@right>" of printable ASCII
    invalid_language,   // not a BCP 47-shaped tag
    invalid_calendar,   // unknown method, no METHOD in the content, or a different one
};

struct mail_error {
    mail_errc code;
    std::string detail; // names the field and the problem; never echoes the bad value
};

// The message bytes, or why they cannot be made. A failure is permanent: the same input
// fails the same way on every retry.
class [[nodiscard]] mail_result {
public:
    mail_result(std::string message) : v_(std::move(message)) {}
    mail_result(mail_error e) : v_(std::move(e)) {}
    explicit operator bool() const noexcept { return v_.index() == 0; }
    const std::string& message() const { return std::get<0>(v_); } // only when true
    const mail_error& error() const { return std::get<1>(v_); }    // only when false

private:
    std::variant<std::string, mail_error> v_;
};

// The complete message: headers From, To, Reply-To (when set), Subject, Date, Message-ID, MIME-Version,
// Auto-Submitted: auto-generated, Content-Language (when set), Content-Class (iMIP only),
// Content-Type, Content-Transfer-Encoding; a blank line; the body. Every line ends in CRLF
// and is at most 76 characters long. The multipart boundary depends only on boundary_seed
// and never occurs inside a part.
[[nodiscard]] mail_result build_mail(const mail_message& m);

// True for a plain addr-spec the job can put into headers and the SMTP envelope unchanged:
// dot-atom local part (<= 64) '@' a domain of LDH labels; at most 254 characters. Refuses
// spaces, control characters, '<', '>', '"', quoted local parts, domain literals and
// non-ASCII (no SMTPUTF8).
[[nodiscard]] bool valid_mail_address(std::string_view address);

// "Sat, 28 Nov 2026 12:00:00 +0000" (RFC 5322 date-time, in UTC).
[[nodiscard]] std::string rfc5322_date(std::chrono::system_clock::time_point t);

} // namespace copsched::server
