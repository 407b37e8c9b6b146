#include "server/options/config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <limits>
#include <thread>

namespace copsched::server {
namespace {

using setter = std::function<bool(config&, const std::string&)>;
using getter = std::function<std::string(const config&)>;

struct option {
    std::string name; // without "--"
    std::string help;
    setter set;
    getter get;
};

template <class T>
bool parse_number(const std::string& s, T& out, T min = 0, T max = std::numeric_limits<T>::max()) {
    T v{};
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v < min || v > max) return false;
    out = v;
    return true;
}

} // namespace

bool parse_duration(const std::string& s, std::chrono::milliseconds& out) {
    std::size_t digits = 0;
    while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
    long long n = 0;
    if (!parse_number(s.substr(0, digits), n, 0LL, 1'000'000'000LL)) return false;
    const std::string unit = s.substr(digits);
    if (unit == "ms")
        out = std::chrono::milliseconds(n);
    else if (unit.empty() || unit == "s")
        out = std::chrono::seconds(n);
    else if (unit == "m")
        out = std::chrono::minutes(n);
    else if (unit == "h")
        out = std::chrono::hours(n);
    else if (unit == "d")
        out = std::chrono::hours(24 * n);
    else
        return false;
    return true;
}

namespace {

std::string show_duration(std::chrono::milliseconds d) {
    if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
    return std::to_string(d.count()) + "ms";
}

bool parse_bool(const std::string& s, bool& out) {
    if (s == "1" || s == "true" || s == "yes" || s == "on") return out = true, true;
    if (s == "0" || s == "false" || s == "no" || s == "off") return out = false, true;
    return false;
}

template <class T>
option number(std::string name, std::string help, T config::*m, T min = 0) {
    return {std::move(name), std::move(help),
            [m, min](config& c, const std::string& v) { return parse_number(v, c.*m, min); },
            [m](const config& c) { return std::to_string(c.*m); }};
}

option duration(std::string name, std::string help, std::chrono::milliseconds config::*m) {
    return {std::move(name), std::move(help),
            [m](config& c, const std::string& v) { return parse_duration(v, c.*m) && (c.*m).count() > 0; },
            [m](const config& c) { return show_duration(c.*m); }};
}

option text(std::string name, std::string help, std::string config::*m) {
    return {std::move(name), std::move(help), [m](config& c, const std::string& v) { return c.*m = v, !v.empty(); },
            [m](const config& c) { return c.*m; }};
}

// Where the service listens, its threads and its database.
std::vector<option> service_options() {
    return {
        text("host", "address to listen on", &config::host),
        number("port", "TCP port to listen on (0: any free port, printed at start)", &config::port),
        text("database",
             "SQLite database file (created and migrated on start), or a PostgreSQL URL postgresql://... "
             "(migrated on start; docs/POSTGRESQL.md)",
             &config::database),
        {"public-url", "base URL clients use (feed links); default http://HOST:PORT",
         [](config& c, const std::string& v) { return c.public_url = v, true; },
         [](const config& c) { return c.public_url.empty() ? std::string("(http://HOST:PORT)") : c.public_url; }},
        number("threads", "HTTP I/O threads (0: number of cores)", &config::threads),
        number("db-readers", "read-only database connections, each on its own thread", &config::db_readers, 1),
        number("db-busy-timeout-ms", "how long SQLite waits for a lock, in ms", &config::db_busy_timeout_ms),
        number("db-write-batch", "most writes committed together in one transaction", &config::db_write_batch,
               std::size_t{1}),
        number("db-cache-mib", "SQLite page cache of the writing connection, in MiB", &config::db_cache_mib, 1),
        number("db-reader-cache-mib", "SQLite page cache of each reading connection, in MiB",
               &config::db_reader_cache_mib, 1),
        number("db-checkpoint-pages", "WAL size in 4 KiB pages after which it is copied into the database",
               &config::db_checkpoint_pages, 1),
        number("db-max-mib",
               "largest size of the database file in MiB (0: the disk is the limit); a write that would pass "
               "it answers 503 and stores nothing, like a full disk",
               &config::db_max_mib, 0),
    };
}

// Limits and timeouts of one HTTP connection.
std::vector<option> connection_options() {
    return {
        number("body-limit", "largest request body in bytes (larger: 413)", &config::body_limit, std::size_t{1}),
        number("header-limit", "largest request header in bytes (larger: 431)", &config::header_limit,
               std::size_t{256}),
        duration("header-timeout", "time allowed to receive a request header", &config::header_timeout),
        duration("body-timeout", "time allowed to receive a request body", &config::body_timeout),
        duration("idle-timeout", "keep-alive connection closed after this long without a request",
                 &config::idle_timeout),
        duration("write-timeout", "time allowed to write a response", &config::write_timeout),
        duration("shutdown-timeout", "on SIGINT/SIGTERM, in-flight requests get this long to finish",
                 &config::shutdown_timeout),
        number("max-connections",
               "open connections at most (more: 503 and close); 0: min(10000, open-file limit - 128), after "
               "raising the open-file soft limit to the hard limit",
               &config::max_connections),
        number("max-connections-per-address",
               "open connections from one client address (IPv6: one /64) at most (more: 503 and close); 0: "
               "max-connections / 8, or no own limit with --trust-forwarded-for",
               &config::max_connections_per_address),
        {"idle-evict-percent",
         "from this percentage of max-connections on, each new connection closes the longest-idle one (1-100; "
         "100: only at the cap)",
         [](config& c, const std::string& v) { return parse_number(v, c.idle_evict_percent, 1u, 100u); },
         [](const config& c) { return std::to_string(c.idle_evict_percent); }},
        number("min-receive-rate",
               "bytes per second a request header and body must arrive at on average, from their first byte "
               "(slower: closed; 0: no minimum)",
               &config::min_receive_rate),
        duration("min-receive-grace", "time a request may take before min-receive-rate applies",
                 &config::min_receive_grace),
        number("pipeline-limit", "requests read ahead on one connection before answering", &config::pipeline_limit,
               std::size_t{1}),
    };
}

// Authentication, idempotency and feeds.
std::vector<option> api_options() {
    return {
        number("auth-failure-limit", "failed authentications per window and client address before 429",
               &config::auth_failure_limit, 1),
        duration("auth-failure-window", "window for auth-failure-limit", &config::auth_failure_window),
        duration("token-touch-interval", "how often a token's last_used_at is written at most",
                 &config::token_touch_interval),
        duration("idempotency-ttl", "how long a POST's answer is kept for replay under its Idempotency-Key",
                 &config::idempotency_ttl),
        number("feed-cache-mib", "rendered feeds kept in memory at most, in MiB", &config::feed_cache_mib,
               std::size_t{1}),
        {"feed-refresh-wait",
         "after a change to events or attendance, how long a request for a feed whose new version is "
         "rendering waits for it before it gets the previous version (0: never waits)",
         [](config& c, const std::string& v) { return parse_duration(v, c.feed_refresh_wait); },
         [](const config& c) { return show_duration(c.feed_refresh_wait); }},
        number("feed-background-renders",
               "feeds re-rendered at once in the background after a change (0: as many as db-readers)",
               &config::feed_background_renders),
        number("feed-sendfile-files",
               "cached plain (not gzip) feeds of 16 KiB and more also held in sealed memory files and sent with "
               "sendfile, at most this many (each one file descriptor; 0: none, bytes are copied to the socket)",
               &config::feed_sendfile_files),
        duration("feed-cancelled-grace", "how long a cancelled event stays in feeds (STATUS:CANCELLED)",
                 &config::feed_cancelled_grace),
        {"feed-key-file", "secret key of the personal feed URLs (created on first start, mode 0600)",
         [](config& c, const std::string& v) {
             c.feed_key_file = v;
             return !v.empty();
         },
         [](const config& c) {
             return c.feed_key_file.empty() ? std::string("(<database>.feed-key; required with PostgreSQL)")
                                            : c.feed_key_file;
         }},
    };
}

// E-mail: the outbox the reminder jobs claim from.
std::vector<option> mail_options() {
    return {
        {"mail-from",
         "default sender (From, ORGANIZER) of programmes without their own; default copsched@<public host>",
         [](config& c, const std::string& v) { return c.mail_from = v, true; },
         [](const config& c) { return c.mail_from.empty() ? std::string("(copsched@<public host>)") : c.mail_from; }},
        number("mail-claim-limit", "messages one reminder-job claim may lease at most", &config::mail_claim_limit,
               std::size_t{1}),
        duration("mail-lease", "lease of claimed messages when the claim names none", &config::mail_lease),
        duration("mail-lease-max", "longest lease a claim may ask for", &config::mail_lease_max),
        number("mail-max-attempts", "claims of a message before it is dead", &config::mail_max_attempts, 1),
        duration("mail-backoff", "wait before retrying a message after its first temporary failure (doubles)",
                 &config::mail_backoff),
        duration("mail-backoff-max", "longest wait between retries of a message", &config::mail_backoff_max),
    };
}

// Access log and the client address behind a reverse proxy.
std::vector<option> log_options() {
    return {
        {"access-log", "one line per request on standard error (true/false)",
         [](config& c, const std::string& v) { return parse_bool(v, c.access_log); },
         [](const config& c) { return std::string(c.access_log ? "true" : "false"); }},
        {"trust-forwarded-for",
         "behind a reverse proxy: take the client address (logs, auth throttling) from the last X-Forwarded-For entry",
         [](config& c, const std::string& v) { return parse_bool(v, c.trust_forwarded_for); },
         [](const config& c) { return std::string(c.trust_forwarded_for ? "true" : "false"); }},
    };
}

// In the order `copsched --help` lists them.
const std::vector<option>& options() {
    static const std::vector<option> table = [] {
        std::vector<option> all;
        for (auto group : {service_options(), connection_options(), api_options(), mail_options(), log_options()})
            all.insert(all.end(), std::make_move_iterator(group.begin()), std::make_move_iterator(group.end()));
        return all;
    }();
    return table;
}

std::string env_name(const std::string& flag) {
    std::string e = "COPSCHED_";
    for (char ch : flag) e += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return e;
}

} // namespace

std::string apply_environment(config& c) {
    for (const auto& o : options()) {
        const auto env = env_name(o.name);
        if (const char* v = std::getenv(env.c_str()); v && *v)
            if (!o.set(c, v)) return "invalid value '" + std::string(v) + "' for " + env + " (" + o.help + ")";
    }
    return {};
}

std::string apply_flags(config& c, std::vector<std::string>& args) {
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        if (a.rfind("--", 0) != 0) {
            rest.push_back(a);
            continue;
        }
        const auto eq = a.find('=');
        const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
        const option* found = nullptr;
        for (const auto& o : options())
            if (o.name == name) found = &o;
        if (!found) {
            rest.push_back(a); // a command's own flag
            continue;
        }
        std::string value;
        if (eq != std::string::npos) {
            value = a.substr(eq + 1);
        } else if (i + 1 < args.size()) {
            value = args[++i];
        } else {
            return "--" + name + " needs a value";
        }
        if (!found->set(c, value)) return "invalid value '" + value + "' for --" + name + " (" + found->help + ")";
    }
    args = std::move(rest);
    if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
    return {};
}

std::vector<option_doc> describe_options() {
    const config defaults;
    std::vector<option_doc> out;
    for (const auto& o : options()) out.push_back({"--" + o.name, env_name(o.name), o.get(defaults), o.help});
    return out;
}

std::size_t default_max_connections(std::uint64_t open_files) {
    constexpr std::uint64_t reserved = 128, most = 10'000, least = 16;
    return static_cast<std::size_t>(std::max(least, std::min(most, open_files > reserved ? open_files - reserved : 0)));
}

std::size_t connections_per_address(const config& c) {
    if (c.max_connections_per_address > 0) return c.max_connections_per_address;
    if (c.trust_forwarded_for) return c.max_connections;
    return std::max<std::size_t>(1, c.max_connections / 8);
}

std::string base_url(const config& c) {
    if (!c.public_url.empty()) return c.public_url;
    return "http://" + c.host + ":" + std::to_string(c.port);
}

} // namespace copsched::server
