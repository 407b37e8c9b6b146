#pragma once
// Service configuration: every limit has a name, a default, a flag and an environment
// variable (COPSCHED_<NAME>). `copsched --help` and the README list them all from the
// table in config.cpp. Constant after start-up.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace copsched::server {

struct config {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;
    std::string database = "var/copsched.db";
    std::string public_url; // empty: http://host:port
    unsigned threads = 0;   // 0: number of cores
    int db_readers = 2;
    int db_busy_timeout_ms = 5000;
    std::size_t db_write_batch = 256;
    int db_cache_mib = 32;                // SQLite page cache of the writer
    int db_reader_cache_mib = 8;          // SQLite page cache of each reader
    int db_checkpoint_pages = 1000;       // WAL pages before a checkpoint
    int db_max_mib = 0;                   // the database file's largest size; 0: no limit but the disk
    std::size_t body_limit = 1024 * 1024; // bytes -> 413
    std::size_t header_limit = 8 * 1024;  // bytes -> 431
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds body_timeout{30'000};
    std::chrono::milliseconds idle_timeout{60'000};
    std::chrono::milliseconds write_timeout{30'000};
    std::chrono::milliseconds shutdown_timeout{10'000};
    std::size_t max_connections = 0;             // 0: default_max_connections(open-file limit), set by serve
    std::size_t max_connections_per_address = 0; // 0: see connections_per_address
    unsigned idle_evict_percent = 90;            // of max_connections: from here idle connections make room
    std::size_t min_receive_rate = 240;          // bytes per second a request must arrive at; 0: any
    std::chrono::milliseconds min_receive_grace{5'000};
    std::size_t pipeline_limit = 16;
    int auth_failure_limit = 10; // failures per window and address -> 429
    std::chrono::milliseconds auth_failure_window{60'000};
    std::chrono::milliseconds token_touch_interval{60'000};
    std::chrono::milliseconds idempotency_ttl{48LL * 3600 * 1000};           // Idempotency-Key answers kept this long
    std::chrono::milliseconds feed_cancelled_grace{30LL * 24 * 3600 * 1000}; // cancelled events stay in feeds this long
    std::string feed_key_file;                                               // empty: <database>.feed-key
    std::size_t feed_cache_mib = 256;                                        // rendered feeds kept in memory
    std::chrono::milliseconds feed_refresh_wait{50}; // an out-of-date feed waits this long for its new render
    std::size_t feed_background_renders = 0;         // re-renders at once; 0: db_readers
    std::size_t feed_sendfile_files = 1024;          // plain feeds also held in sealed files (sendfile); 0: none
    // E-mail (reminder jobs claim through the API; see README "Reminders").
    std::string mail_from;                         // default sender; empty: copsched@<public host>
    std::size_t mail_claim_limit = 100;            // messages one claim may ask for at most
    std::chrono::milliseconds mail_lease{300'000}; // lease when a claim names none
    std::chrono::milliseconds mail_lease_max{3'600'000};
    int mail_max_attempts = 5;                      // claims before a message is dead
    std::chrono::milliseconds mail_backoff{60'000}; // wait after a first temporary failure, doubling
    std::chrono::milliseconds mail_backoff_max{3'600'000};
    bool access_log = true;
    bool trust_forwarded_for = false; // behind a reverse proxy: client = last X-Forwarded-For
};

struct option_doc {
    std::string flag;  // "--body-limit"
    std::string env;   // "COPSCHED_BODY_LIMIT"
    std::string value; // default, as text
    std::string help;
};

// Applies COPSCHED_* environment variables, then flags ("--name value" or
// "--name=value") from args, removing the ones it consumed. Returns the error text for
// an unknown flag or an unparsable value, empty on success.
std::string apply_environment(config& c);
std::string apply_flags(config& c, std::vector<std::string>& args);

std::vector<option_doc> describe_options();

// "250ms", "10s", "5m", "1h", "30d"; a bare number means seconds. False for anything else.
[[nodiscard]] bool parse_duration(const std::string& text, std::chrono::milliseconds& out);

// --max-connections when not given, for a process that may open `open_files` files:
// min(10000, open_files - 128), at least 16. The 128 descriptors left over are for the
// database (3 per connection), the listener, the I/O threads and the log.
std::size_t default_max_connections(std::uint64_t open_files);

// --max-connections-per-address when not given (0): an eighth of max_connections, at
// least 1; or all of them with trust_forwarded_for, where every connection comes from
// the reverse proxy (which should hold its clients to a limit of its own).
std::size_t connections_per_address(const config& c);

// The base URL clients use to reach this service.
std::string base_url(const config& c);

} // namespace copsched::server
