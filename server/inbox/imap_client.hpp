#pragma once
// The reply job's IMAP client (RFC 9051 / 3501) over libcurl: one mailbox, kept on one
// connection for the client's life. imap:// or imaps:// (TLS from the start); libcurl
// checks the server's certificate against the system's CAs.
//
// What the job needs: the UIDs of messages not handled yet (neither keyword set, not
// deleted), their sizes, one message's bytes, and marking one handled (a keyword, or a
// move to another mailbox with UID MOVE, RFC 6851). A message is marked only after the
// service answered for it, so a job killed in between handles it again (the service's
// Idempotency-Key makes that second hand-in a replay).
//
// Not thread-safe: one thread uses a client at a time. The password is never logged.

#include "server/remind/curl_handle.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace copsched::server {

// Keywords the job sets: a reply handed in (applied or refused by the service), and a
// message that holds no reply the job could read (kept for a human).
inline constexpr const char* inbox_done_keyword = "$CopschedDone";
inline constexpr const char* inbox_skipped_keyword = "$CopschedSkipped";

struct imap_options {
    std::string url; // imap://host:port/MAILBOX or imaps://...; the mailbox defaults to INBOX
    std::string username;
    std::string password; // secret
    std::chrono::milliseconds timeout{60'000};
};

struct imap_outcome {
    bool ok = false;
    std::string error;      // libcurl's or the server's text when !ok
    bool too_large = false; // fetch: the message passed its limit
};

class imap_client {
public:
    // Throws std::runtime_error for a URL that is not imap:// or imaps://.
    explicit imap_client(imap_options o);
    imap_client(const imap_client&) = delete;
    imap_client& operator=(const imap_client&) = delete;

    // UIDs of the messages with neither keyword and not \Deleted, ascending.
    [[nodiscard]] imap_outcome unhandled(std::vector<std::uint32_t>& uids);
    // RFC822.SIZE of each of `uids` (missing: the message is gone).
    [[nodiscard]] imap_outcome sizes(const std::vector<std::uint32_t>& uids,
                                     std::map<std::uint32_t, std::uint64_t>& out);
    // The whole message (libcurl's ;UID= URL: BODY[], so the server may set \Seen; the
    // keywords, not \Seen, record what the job handled).
    // At most `max_bytes`: a longer message (a server whose RFC822.SIZE was wrong) is cut
    // off and answered with too_large set.
    [[nodiscard]] imap_outcome fetch(std::uint32_t uid, std::string& message, std::size_t max_bytes);
    // Sets `keyword` on the messages (one UID STORE for all), and then moves them to
    // `move_to` (one UID MOVE) when that is not empty: then the move's outcome counts, so a
    // server without keywords works with a move. Nothing for an empty list.
    [[nodiscard]] imap_outcome mark(const std::vector<std::uint32_t>& uids, const char* keyword,
                                    const std::string& move_to);

private:
    [[nodiscard]] imap_outcome command(const std::string& request, std::string& untagged);

    imap_options o_;
    std::string mailbox_url_; // scheme://host[:port]/MAILBOX, constant after construction
    curl_handle handle_;
};

} // namespace copsched::server
