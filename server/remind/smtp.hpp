#pragma once
// SMTP submission over libcurl for the reminder job. One smtp_client owns one CURL handle
// and so one cached connection: consecutive send() calls to the same server reuse it
// (no new TCP/TLS handshake, no new EHLO/AUTH per message).
//
// Not thread-safe: one thread uses a client at a time. Passwords are kept only in memory
// and handed to libcurl; nothing here logs them (server replies are recorded, the client's
// own commands are not).

#include "server/remind/curl_handle.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace copsched::server {

enum class starttls_mode {
    off,           // plain SMTP on smtp:// (smtps:// is TLS from the first byte regardless)
    opportunistic, // STARTTLS when the server offers it, plain otherwise
    required,      // STARTTLS or fail (a temporary failure: the message is not sent)
};

struct smtp_options {
    std::string url; // smtp://host:port or smtps://host:port; an optional path is the EHLO name
    starttls_mode starttls = starttls_mode::opportunistic;
    std::string username;      // empty: no AUTH
    std::string password;      // secret: never logged
    std::string envelope_from; // empty: the sender passed to send(); else overrides it (bounces go here)
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds transfer_timeout{60'000}; // one whole transaction, MAIL FROM to the DATA reply
};

// The result of one transaction.
struct smtp_outcome {
    bool ok = false;
    long code = 0;          // the last SMTP reply code (250 on success); 0 when none came (no connection)
    bool permanent = false; // a 5xx reply: do not retry. 4xx and connection failures are temporary
    std::string text;       // the server's last reply line ("451 4.3.0 Try again later"), or libcurl's error
};

struct smtp_client_replies;

class smtp_client {
public:
    // Throws std::runtime_error when the URL is not smtp:// or smtps:// or libcurl fails to
    // make a handle. Connects lazily, on the first send().
    explicit smtp_client(smtp_options options);
    ~smtp_client();
    smtp_client(const smtp_client&) = delete;
    smtp_client& operator=(const smtp_client&) = delete;

    // Sends `message` (complete RFC 5322 bytes, CRLF line ends; libcurl dot-stuffs it) from
    // `envelope_from` (or options.envelope_from when set) to one recipient. Blocks for at most
    // connect_timeout + transfer_timeout. Addresses that fail valid_mail_address give a
    // permanent failure with code 0 and nothing is sent.
    [[nodiscard]] smtp_outcome send(const std::string& envelope_from, const std::string& recipient,
                                    const std::string& message);

    // How many connections libcurl has opened so far (1 after any number of sends that
    // reused one connection).
    [[nodiscard]] long connections_opened() const noexcept { return connections_opened_; }

    const smtp_options& options() const noexcept { return options_; }

private:
    smtp_options options_; // constant after construction
    curl_handle handle_;
    std::unique_ptr<smtp_client_replies> replies_; // reply lines of the current transaction; stable address for libcurl
    long connections_opened_ = 0;
};

} // namespace copsched::server
