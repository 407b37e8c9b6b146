#include "server/remind/job.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

using namespace copsched::server;

namespace {

std::string parse(std::vector<std::string> args, remind_options& o) { return parse_remind_args(args, o); }

} // namespace

TEST_CASE("parse_remind_args reads the remind flags", "[remind]") {
    ::unsetenv("COPSCHED_TOKEN");
    remind_options o;
    REQUIRE(
        parse({"--server", "http://127.0.0.1:8080/", "--token=T", "--smtp", "smtp://127.0.0.1:2525", "--once",
               "--limit", "50", "--lease", "10m", "--starttls", "required", "--envelope-from", "bounce@example.org"},
              o) == "");
    CHECK(o.server == "http://127.0.0.1:8080/");
    CHECK(o.token == "T");
    CHECK(o.once);
    CHECK(o.limit == 50);
    CHECK(o.lease == std::chrono::seconds(600));
    CHECK(o.smtp.starttls == starttls_mode::required);
    CHECK(o.smtp.envelope_from == "bounce@example.org");

    remind_options d;
    REQUIRE(parse({"--server", "https://cop.example.org", "--token", "T", "--smtp", "smtps://mail:465", "--interval",
                   "30s"},
                  d) == "");
    CHECK_FALSE(d.once);
    CHECK(d.interval == std::chrono::seconds(30));
    CHECK(d.limit == 20);
    CHECK(d.lease == std::chrono::seconds(300));
    CHECK(d.smtp.starttls == starttls_mode::opportunistic);
}

TEST_CASE("parse_remind_args takes the token from a file or COPSCHED_TOKEN, and refuses bad flags", "[remind]") {
    const std::string file = "/tmp/copsched-remind-test-token-" + std::to_string(::getpid());
    std::ofstream(file) << "s3cret \n";
    const std::vector<std::string> base{"--server", "http://h:1", "--smtp", "smtp://m:25"};
    auto with = [&](std::vector<std::string> extra) {
        auto a = base;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    remind_options o;
    CHECK(parse(with({"--token-file", file}), o) == "");
    CHECK(o.token == "s3cret");
    ::setenv("COPSCHED_TOKEN", "from-env", 1);
    remind_options e;
    CHECK(parse(base, e) == "");
    CHECK(e.token == "from-env");
    ::unsetenv("COPSCHED_TOKEN");
    remind_options n;
    CHECK(parse(base, n).find("token") != std::string::npos);

    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"--token", "T", "--token-file", file},
             {"--token", "T", "--once", "--interval", "5s"},
             {"--token", "T", "--limit", "0"},
             {"--token", "T", "--limit", "many"},
             {"--token", "T", "--lease", "5s"},
             {"--token", "T", "--interval", "soon"},
             {"--token", "T", "--starttls", "maybe"},
             {"--token", "T", "--envelope-from", "a b@example.org"},
             {"--token", "T", "--smtp-password-file", file},
             {"--token", "T", "--token-file", "/nonexistent/token"},
             {"--token", "T", "stray"},
             {"--token"},
         }) {
        remind_options b;
        INFO(bad.front() << " " << (bad.size() > 2 ? bad[2] : ""));
        CHECK_FALSE(parse(with(bad), b).empty());
    }
    remind_options b;
    CHECK_FALSE(parse({"--server", "ftp://h", "--smtp", "smtp://m", "--token", "T"}, b).empty());
    CHECK_FALSE(parse({"--server", "http://h", "--smtp", "http://m", "--token", "T"}, b).empty());
    std::remove(file.c_str());
}

TEST_CASE("parse_remind_args never takes a flag as another flag's value and refuses a repeated flag", "[remind]") {
    ::unsetenv("COPSCHED_TOKEN");
    remind_options o;
    CHECK(parse({"--server=", "--once", "--smtp", "smtp://m:25", "--token", "T"}, o).find("--server") !=
          std::string::npos);
    CHECK(o.once);
    remind_options r;
    CHECK(parse({"--server", "http://h:1", "--server", "http://h:2", "--smtp", "smtp://m:25", "--token", "T"}, r) ==
          "unexpected argument '--server'");
}
