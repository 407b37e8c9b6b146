#include "server/options/config.hpp"

#include "server/http/metrics.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <cstdlib>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace copsched::server;
using namespace std::chrono_literals;

namespace {

using args_t = std::vector<std::string>;

// Sets an environment variable for the lifetime of the object, then restores it.
class scoped_env {
public:
    scoped_env(std::string name, const std::string& value) : name_(std::move(name)) {
        if (const char* old = std::getenv(name_.c_str())) old_ = old;
        ::setenv(name_.c_str(), value.c_str(), 1);
    }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;
    ~scoped_env() {
        if (old_)
            ::setenv(name_.c_str(), old_->c_str(), 1);
        else
            ::unsetenv(name_.c_str());
    }

private:
    std::string name_;
    std::optional<std::string> old_;
};

std::string apply(config& c, args_t& args) { return apply_flags(c, args); }

} // namespace

TEST_CASE("apply_flags reads '--name value' and '--name=value'", "[server][config]") {
    config c;
    args_t args{"--port", "9000", "--body-limit=2048", "serve"};
    CHECK(apply(c, args).empty());
    CHECK(c.port == 9000);
    CHECK(c.body_limit == 2048);
    CHECK(args == args_t{"serve"}); // consumed flags are removed

    args = {"--database",
            "/srv/copsched/x.db",
            "--host=0.0.0.0",
            "--public-url=https://cal.example.org",
            "--access-log=false",
            "--threads",
            "3"};
    CHECK(apply(c, args).empty());
    CHECK(c.database == "/srv/copsched/x.db");
    CHECK(c.host == "0.0.0.0");
    CHECK(c.public_url == "https://cal.example.org");
    CHECK_FALSE(c.access_log);
    CHECK(c.threads == 3);
    CHECK(args.empty());
}

TEST_CASE("apply_flags reads durations in ms, s, m and h", "[server][config]") {
    config c;
    args_t args{"--header-timeout", "250ms", "--body-timeout=10s",   "--idle-timeout=2m",
                "--write-timeout",  "7",     "--shutdown-timeout=1h"};
    REQUIRE(apply(c, args).empty());
    CHECK(c.header_timeout == 250ms);
    CHECK(c.body_timeout == 10s);
    CHECK(c.idle_timeout == 2min);
    CHECK(c.write_timeout == 7s); // a bare number is seconds
    CHECK(c.shutdown_timeout == 1h);
}

TEST_CASE("parse_duration takes ms, s, m, h, d and a bare number of seconds only", "[server][config]") {
    std::chrono::milliseconds d{};
    CHECK((parse_duration("250ms", d) && d == 250ms));
    CHECK((parse_duration("10s", d) && d == 10s));
    CHECK((parse_duration("5m", d) && d == 5min));
    CHECK((parse_duration("1h", d) && d == 1h));
    CHECK((parse_duration("30d", d) && d == 720h));
    CHECK((parse_duration("7", d) && d == 7s));
    for (const char* bad : {"", "s", "1.5s", "-1s", " 1s", "1 s", "1S", "0x10s", "1w"}) {
        INFO(bad);
        CHECK_FALSE(parse_duration(bad, d));
    }
}

TEST_CASE("apply_flags: the last of a repeated flag wins and '--name=' never takes the next argument",
          "[server][config]") {
    config c;
    args_t args{"--port", "9000", "--port=9001", "serve"};
    CHECK(apply(c, args).empty());
    CHECK(c.port == 9001);
    CHECK(args == args_t{"serve"});

    args = {"--host=", "serve"};
    CHECK(apply(c, args).find("--host") != std::string::npos);

    config d;
    args = {"--port=010", "--public-url", "-x", "serve"}; // decimal only; a value may start with '-'
    CHECK(apply(d, args).empty());
    CHECK(d.port == 10);
    CHECK(d.public_url == "-x");
    CHECK(args == args_t{"serve"});
}

TEST_CASE("apply_flags leaves a command's own flags in place", "[server][config]") {
    config c;
    args_t args{"token", "create", "--role", "admin", "--port=9001", "--name", "ci"};
    CHECK(apply(c, args).empty());
    CHECK(c.port == 9001);
    CHECK(args == args_t{"token", "create", "--role", "admin", "--name", "ci"});
}

TEST_CASE("apply_flags names the flag of an invalid value", "[server][config]") {
    struct bad_case {
        args_t args;
        std::string flag;
    };
    const std::vector<bad_case> cases{
        {{"--port", "http"}, "--port"},
        {{"--port=70000"}, "--port"},
        {{"--port=-1"}, "--port"},
        {{"--port=80x"}, "--port"},
        {{"--body-limit=0"}, "--body-limit"},
        {{"--header-limit=100"}, "--header-limit"},
        {{"--db-readers=0"}, "--db-readers"},
        {{"--header-timeout=10x"}, "--header-timeout"},
        {{"--header-timeout=0s"}, "--header-timeout"},
        {{"--idle-timeout=ms"}, "--idle-timeout"},
        {{"--idle-timeout=1.5s"}, "--idle-timeout"},
        {{"--access-log=maybe"}, "--access-log"},
        {{"--host="}, "--host"},
        {{"--port"}, "--port"}, // no value at all
    };
    for (auto bad : cases) {
        INFO(bad.args.front());
        config c;
        const auto error = apply(c, bad.args);
        CHECK_FALSE(error.empty());
        CHECK(error.find(bad.flag) != std::string::npos);
    }
}

TEST_CASE("apply_flags turns threads 0 into the number of cores", "[server][config]") {
    config c;
    args_t args;
    REQUIRE(apply(c, args).empty());
    CHECK(c.threads >= 1);
}

TEST_CASE("apply_environment reads COPSCHED_* variables", "[server][config]") {
    const char* outer = std::getenv("COPSCHED_HEADER_LIMIT");
    const std::optional<std::string> before = outer ? std::optional<std::string>(outer) : std::nullopt;
    {
        scoped_env env("COPSCHED_HEADER_LIMIT", "16384");
        scoped_env timeout("COPSCHED_AUTH_FAILURE_WINDOW", "90s");
        config c;
        CHECK(apply_environment(c).empty());
        CHECK(c.header_limit == 16384);
        CHECK(c.auth_failure_window == 90s);

        // Flags are applied after the environment and win.
        args_t args{"--header-limit=4096"};
        CHECK(apply(c, args).empty());
        CHECK(c.header_limit == 4096);
    }
    {
        scoped_env env("COPSCHED_HEADER_LIMIT", "lots");
        config c;
        const auto error = apply_environment(c);
        CHECK(error.find("COPSCHED_HEADER_LIMIT") != std::string::npos);
        CHECK(error.find("lots") != std::string::npos);
    }
    {
        scoped_env env("COPSCHED_HEADER_LIMIT", ""); // empty means unset
        config c;
        CHECK(apply_environment(c).empty());
        CHECK(c.header_limit == config{}.header_limit);
    }
    const char* after = std::getenv("COPSCHED_HEADER_LIMIT"); // restored
    CHECK((after ? std::optional<std::string>(after) : std::nullopt) == before);
}

TEST_CASE("describe_options documents every option with its environment name", "[server][config]") {
    const auto docs = describe_options();
    std::set<std::string> flags, envs;
    for (const auto& o : docs) {
        INFO(o.flag);
        REQUIRE(o.flag.starts_with("--"));
        std::string expected_env = "COPSCHED_";
        for (char ch : o.flag.substr(2))
            expected_env += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        CHECK(o.env == expected_env);
        CHECK_FALSE(o.help.empty());
        CHECK_FALSE(o.value.empty());
        CHECK(flags.insert(o.flag).second);
        CHECK(envs.insert(o.env).second);
    }
    for (const char* f : {"--host",
                          "--port",
                          "--database",
                          "--public-url",
                          "--threads",
                          "--db-readers",
                          "--db-busy-timeout-ms",
                          "--db-write-batch",
                          "--body-limit",
                          "--header-limit",
                          "--header-timeout",
                          "--body-timeout",
                          "--idle-timeout",
                          "--write-timeout",
                          "--shutdown-timeout",
                          "--max-connections",
                          "--max-connections-per-address",
                          "--idle-evict-percent",
                          "--min-receive-rate",
                          "--min-receive-grace",
                          "--pipeline-limit",
                          "--auth-failure-limit",
                          "--auth-failure-window",
                          "--token-touch-interval",
                          "--access-log"}) {
        INFO(f);
        CHECK(flags.count(f) == 1);
    }
}

TEST_CASE("documented defaults are the defaults and valid values", "[server][config]") {
    args_t args;
    for (const auto& o : describe_options()) {
        if (o.flag == "--public-url") continue; // shown as a placeholder
        args.push_back(o.flag + "=" + o.value);
    }
    config c;
    REQUIRE(apply(c, args).empty());
    CHECK(args.empty());
    const config d;
    CHECK(c.host == d.host);
    CHECK(c.port == d.port);
    CHECK(c.body_limit == d.body_limit);
    CHECK(c.header_limit == d.header_limit);
    CHECK(c.header_timeout == d.header_timeout);
    CHECK(c.idle_timeout == d.idle_timeout);
    CHECK(c.auth_failure_window == d.auth_failure_window);
    CHECK(c.max_connections == d.max_connections);
    CHECK(c.access_log == d.access_log);
}

TEST_CASE("base_url prefers the public URL", "[server][config]") {
    config c;
    CHECK(base_url(c) == "http://127.0.0.1:8080");
    c.port = 9000;
    c.host = "0.0.0.0";
    CHECK(base_url(c) == "http://0.0.0.0:9000");
    c.public_url = "https://cal.example.org";
    CHECK(base_url(c) == "https://cal.example.org");
}

TEST_CASE("metrics render counters, histogram and gauges in Prometheus text format", "[server][metrics]") {
    metrics m;
    m.record_request("GET", "/healthz", 200, 3ms);
    m.record_request("GET", "/healthz", 200, 4ms);
    m.record_request("DELETE", "/api/v1/tokens/{id}", 204, 20ms);
    m.record_request("GET", "(unmatched)", 404, 2s);
    m.record_request("GET", "/api/v1/me", 200, 10s); // beyond the last bucket
    m.connection_opened();
    m.connection_opened();
    m.connection_closed();
    m.connection_rejected();
    CHECK(m.open_connections() == 1);

    const auto text = m.render(7);
    auto has = [&](const std::string& line) {
        INFO(line);
        CHECK(text.find(line + "\n") != std::string::npos);
    };
    has("# TYPE copsched_http_requests_total counter");
    has("copsched_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2");
    has("copsched_http_requests_total{method=\"DELETE\",route=\"/api/v1/tokens/{id}\",status=\"204\"} 1");
    has("copsched_http_requests_total{method=\"GET\",route=\"(unmatched)\",status=\"404\"} 1");
    has("# TYPE copsched_http_request_duration_seconds histogram");
    has("copsched_http_request_duration_seconds_bucket{le=\"0.001\"} 0");
    has("copsched_http_request_duration_seconds_bucket{le=\"0.0025\"} 0");
    has("copsched_http_request_duration_seconds_bucket{le=\"0.005\"} 2");
    has("copsched_http_request_duration_seconds_bucket{le=\"0.025\"} 3");
    has("copsched_http_request_duration_seconds_bucket{le=\"2.5\"} 4");
    has("copsched_http_request_duration_seconds_bucket{le=\"+Inf\"} 5");
    has("copsched_http_request_duration_seconds_count 5");
    has("# TYPE copsched_open_connections gauge");
    has("copsched_open_connections 1");
    has("# TYPE copsched_rejected_connections_total counter");
    has("copsched_rejected_connections_total 1");
    has("# TYPE copsched_db_queue_depth gauge");
    has("copsched_db_queue_depth 7");

    // Every line is a comment or a well-formed sample; buckets never decrease.
    const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-z_]+="[^"\n]*"(,[a-z_]+="[^"\n]*")*\})? [0-9.eE+-]+$)");
    const std::regex bucket(R"(^copsched_http_request_duration_seconds_bucket\{le="[^"]+"\} ([0-9]+)$)");
    const std::regex sum(R"(^copsched_http_request_duration_seconds_sum ([0-9.]+)$)");
    std::istringstream lines(text);
    std::string line;
    long long previous = -1;
    int buckets = 0;
    double seconds = -1;
    while (std::getline(lines, line)) {
        INFO(line);
        if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
        CHECK(std::regex_match(line, sample));
        std::smatch m1;
        if (std::regex_match(line, m1, bucket)) {
            const auto n = std::stoll(m1[1]);
            CHECK(n >= previous);
            previous = n;
            ++buckets;
        }
        if (std::regex_match(line, m1, sum)) seconds = std::stod(m1[1]);
    }
    CHECK(buckets == static_cast<int>(metrics::buckets.size()) + 1);
    CHECK(seconds == Approx(12.027).margin(1e-6));
    CHECK(text.back() == '\n');
}

TEST_CASE("connection limits left at 0 follow the open-file limit and the connection cap", "[server][config]") {
    CHECK(default_max_connections(1024) == 896);
    CHECK(default_max_connections(20000) == 10000);
    CHECK(default_max_connections(1'048'576) == 10000);
    CHECK(default_max_connections(10128) == 10000);
    CHECK(default_max_connections(100) == 16);
    CHECK(default_max_connections(0) == 16);

    config c;
    args_t args{"--max-connections", "800"};
    REQUIRE(apply(c, args).empty());
    CHECK(connections_per_address(c) == 100);
    c.trust_forwarded_for = true; // every connection comes from the proxy
    CHECK(connections_per_address(c) == 800);
    c.max_connections_per_address = 5;
    CHECK(connections_per_address(c) == 5);
    c.max_connections = 4;
    c.max_connections_per_address = 0;
    c.trust_forwarded_for = false;
    CHECK(connections_per_address(c) == 1);
}

TEST_CASE("the limits against hostile clients are flags", "[server][config]") {
    config c;
    args_t args{"--max-connections-per-address=7",
                "--idle-evict-percent",
                "75",
                "--min-receive-rate",
                "0",
                "--min-receive-grace",
                "2s"};
    REQUIRE(apply(c, args).empty());
    CHECK(c.max_connections_per_address == 7);
    CHECK(c.idle_evict_percent == 75);
    CHECK(c.min_receive_rate == 0);
    CHECK(c.min_receive_grace == 2s);
    for (const char* bad : {"0", "101"}) {
        args_t a{"--idle-evict-percent", bad};
        CHECK_FALSE(apply(c, a).empty());
    }
    const config d;
    CHECK(d.max_connections == 0);
    CHECK(d.max_connections_per_address == 0);
    CHECK(d.idle_evict_percent == 90);
    CHECK(d.min_receive_rate == 240);
    CHECK(d.min_receive_grace == 5s);
}
