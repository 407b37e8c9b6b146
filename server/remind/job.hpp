#pragma once
// `copsched remind`: the e-mail reminder job. A separate process and a client of the
// service: it claims due outbox messages over HTTP (reminder_api), builds each one
// (build_mail), sends it over SMTP (smtp_client) and reports it sent or failed. Several
// jobs may run at once; leases keep them from sending the same message twice.
//
// One round: claim up to `limit`; for each message build, send, report. A message that
// cannot be built is reported as a permanent failure; an SMTP 5xx as permanent, a 4xx as
// temporary. When the SMTP server cannot be reached (no reply, or 421), the round's
// remaining messages are reported as temporary failures without trying them. A stop
// request (SIGTERM/SIGINT) is honoured between messages; messages claimed but not yet tried
// are then reported as temporary failures so another job can take them at once.
//
// Logs one line per message to `log` (id, kind, recipient, outcome; never bodies or
// secrets) and a summary line at the end.

#include "server/remind/smtp.hpp"

#include <atomic>
#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

namespace copsched::server {

// Exit codes of `copsched remind`.
inline constexpr int remind_exit_ok = 0;
inline constexpr int remind_exit_usage = 2;  // bad flags, unreadable token or password file
inline constexpr int remind_exit_server = 3; // 401/403, or (with --once) the server cannot be used
inline constexpr int remind_exit_smtp = 4;   // --once only: the SMTP server could not be reached

struct remind_options {
    std::string server; // base URL of the copsched service
    std::string token;  // API bearer token; secret
    smtp_options smtp;
    bool once = false;                          // claim until nothing is due, then exit
    std::chrono::milliseconds interval{60'000}; // without --once: pause when nothing is due or SMTP is down
    int limit = 20;                             // messages per claim
    std::chrono::seconds lease{300};            // how long a claim holds its messages
    std::chrono::milliseconds http_timeout{30'000};
    int api_attempts = 5;                       // tries of one API call on 429/503/no connection
    std::chrono::milliseconds api_backoff{500}; // first pause between those tries; doubles
    std::chrono::milliseconds api_backoff_max{30'000};
};

// Limits of the flags.
inline constexpr int remind_max_limit = 500;
inline constexpr std::chrono::seconds remind_min_lease{10}; // the service refuses shorter leases

// Reads the remind flags (and COPSCHED_TOKEN) from args, removing those it used. Returns
// the error text for a usage error, empty on success; reads --token-file and
// --smtp-password-file.
[[nodiscard]] std::string parse_remind_args(std::vector<std::string>& args, remind_options& out);

struct remind_totals {
    std::size_t sent = 0;
    std::size_t failed_temporary = 0;
    std::size_t failed_permanent = 0;
};

// Runs the job until `stop` becomes true or, with options.once, until nothing is due.
// Returns an exit code (remind_exit_*); fills `totals`. Call from one thread.
[[nodiscard]] int run_remind(const remind_options& options, const std::atomic<bool>& stop, std::ostream& log,
                             remind_totals& totals);

// The `remind` command: parses args, handles SIGTERM/SIGINT, runs, prints the summary to
// stderr. Returns the process exit code.
[[nodiscard]] int remind_command(std::vector<std::string> args);

} // namespace copsched::server
