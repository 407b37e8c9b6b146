#pragma once
// `copsched inbox`: the reply job. A separate process and a client of the service, beside
// `copsched remind`: it reads the programme's reply mailbox over IMAP (or one message on
// standard input, for an MTA's pipe transport), finds the iMIP reply in each message
// (reply_message.hpp) and hands it to POST /api/v1/replies, which applies or refuses it.
//
// The messages of a round (--batch) are fetched and read one by one; their replies are
// handed in over --parallel connections at once, so the service commits them together.
// Each message is marked handled (a keyword, or a move with --move-to) only after the
// service answered for it; a message without a readable reply (no calendar part, too
// large, a body the service refuses as such) is marked skipped with its reason in the
// log and left in the mailbox for a human. When the service cannot be reached the
// message stays unmarked and is tried again next round. A job killed between the answer
// and the mark hands the message in again: the Idempotency-Key (its SHA-256) makes the
// service replay its first answer, so the reply is applied and recorded once.
//
// Logs one line per message (UID, From, outcome; never bodies or secrets) and a summary.

#include "server/inbox/imap_client.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace copsched::server {

// Exit codes of `copsched inbox`.
inline constexpr int inbox_exit_ok = 0;
inline constexpr int inbox_exit_usage = 2;     // bad flags, unreadable token or password file
inline constexpr int inbox_exit_server = 3;    // 401/403, or (with --once) the service cannot be used
inline constexpr int inbox_exit_imap = 4;      // --once only: the IMAP server could not be used
inline constexpr int inbox_exit_tempfail = 75; // --stdin: try again later (sysexits EX_TEMPFAIL, for the MTA)

struct inbox_options {
    std::string server; // base URL of the copsched service
    std::string token;  // API bearer token; secret
    imap_options imap;  // imap.url empty: --stdin
    bool from_stdin = false;
    std::string envelope_to; // --stdin: the envelope recipient the MTA gives
    std::string move_to;     // empty: mark with a keyword instead of moving
    bool once = false;
    std::chrono::milliseconds interval{60'000};
    std::size_t batch = 100;                          // messages per round between searches
    std::size_t parallel = 4;                         // replies handed in at once, each over its own HTTP connection
    std::size_t max_message_bytes = 10 * 1024 * 1024; // larger messages are skipped unread
    std::size_t max_calendar_bytes = 256 * 1024;      // larger calendar parts are skipped
    std::chrono::milliseconds http_timeout{30'000};
    int api_attempts = 5;                       // tries of one hand-in on 429/503/no connection
    std::chrono::milliseconds api_backoff{500}; // first pause between those tries; doubles
    std::chrono::milliseconds api_backoff_max{30'000};
};

inline constexpr std::size_t inbox_max_batch = 1000;
inline constexpr std::size_t inbox_max_parallel = 32;

// Reads the inbox flags (and COPSCHED_TOKEN) from args, removing those it used. Returns
// the error text for a usage error, empty on success; reads --token-file and
// --imap-password-file.
[[nodiscard]] std::string parse_inbox_args(std::vector<std::string>& args, inbox_options& out);

struct inbox_totals {
    std::size_t applied = 0;
    std::size_t refused = 0;
    std::size_t skipped = 0;
    std::size_t failed = 0; // left unmarked for the next round (service or IMAP trouble)
};

// Runs the job until `stop` becomes true or, with once/from_stdin, until the mailbox has
// nothing left this run can handle. Returns an exit code (inbox_exit_*). One thread.
[[nodiscard]] int run_inbox(const inbox_options& options, const std::atomic<bool>& stop, std::istream& in,
                            std::ostream& log, inbox_totals& totals);

// The `inbox` command: parses args, handles SIGTERM/SIGINT, runs, prints the summary to
// stderr. Returns the process exit code.
[[nodiscard]] int inbox_command(std::vector<std::string> args);

} // namespace copsched::server
