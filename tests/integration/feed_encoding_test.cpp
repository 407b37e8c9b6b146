// Compressed feeds over HTTP: a client that accepts gzip gets the cached compressed bytes
// (Content-Encoding: gzip), any other the plain ones; both are the same calendar (gzip -d
// gives the plain answer byte for byte, and the independent parsers of tests/feeds read
// both), each encoding has its own ETag, Vary: Accept-Encoding is on every answer, and the
// feed cache's metrics move.
#include "tests/support/harness.hpp"
#include "tests/support/shell.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sys/socket.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary);
    f << bytes;
    REQUIRE(f.good());
}

// A programme with one person in one working group and a few events in 2019.
struct world {
    server_process s;
    std::string organiser, person, group;
    std::string personal_path;

    std::string make(const std::string& token, const std::string& path, const std::string& body,
                     const char* field = "id") {
        auto r = s.call("POST", path, token, body);
        INFO(path << " " << r.body);
        REQUIRE(r.status == 201);
        return str(r.json(), field);
    }

    explicit world(std::vector<std::string> args = {}, int sessions = 19) : s(std::move(args)) {
        organiser =
            make(s.admin_token, "/api/v1/tokens", R"({"name":"o","role":"organiser","programme":"gdci-2"})", "token");
        const std::string p = "/api/v1/programmes/gdci-2";
        REQUIRE(s.call("PATCH", p, organiser, R"({"meeting_rules":{"school_holiday_regions":[]}})").status == 200);
        const auto org =
            make(organiser, p + "/organisations", R"({"name":"Gemeente Gzip","kind":"government","level":"starter"})");
        person = make(organiser, p + "/people",
                      R"({"name":"Gert","email":"gert@example.org","organisation_id":")" + org +
                          R"(","role":"buyer","language":"nl"})");
        group = make(organiser, p + "/working-groups", R"({"slug":"gzip-a","name":"Groep Gzip"})");
        make(organiser, "/api/v1/working-groups/" + group + "/members",
             R"({"person_id":")" + person + R"(","from":"2018-06-07"})", "person_id");
        const std::string accept =
            R"(,"accept_conflicts":["public_holiday","school_holiday","members_busy","venue_capacity"])";
        make(organiser, p + "/events",
             R"({"kind":"cop_meeting","title":"CoP gzip","start":"2019-03-28T10:00","end":"2019-03-28T15:00")" +
                 accept + "}");
        for (int i = 0; i < sessions; ++i) { // from 2 April 2019, 28 a month
            const auto two = [](int n) { return (n < 10 ? "0" : "") + std::to_string(n); };
            const auto date = "2019-" + two(4 + i / 28) + "-" + two(2 + i % 28);
            make(organiser, p + "/events",
                 R"({"kind":"working_group_session","title":"Sessie )" + std::to_string(i + 1) +
                     R"(","working_group_id":")" + group + R"(","start":")" + date + R"(T10:00","end":")" + date +
                     R"(T12:00")" + accept + "}");
        }
        const auto me = s.call("GET", "/api/v1/people/" + person, organiser);
        INFO(me.body);
        REQUIRE(me.status == 200);
        const auto url = str(me.json(), "feed_url");
        personal_path = url.substr(url.find("/feeds/"));
    }
    std::vector<std::string> paths() const {
        return {personal_path, "/feeds/working-groups/" + group + ".ics", "/feeds/programmes/gdci-2.ics"};
    }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(s.port) + path; }
};

// The value of one metric line ("name{labels}"), or -1 when absent.
double metric(const server_process& s, const std::string& series) {
    const auto text = s.request("GET", "/metrics").body;
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
}

} // namespace

TEST_CASE("feed encodings: the gzip answer is the plain answer compressed, and both parse alike", "[feeds]") {
    world w;
    for (const auto& path : w.paths()) {
        INFO(path);
        const auto plain = w.s.request("GET", path);
        const auto gz = w.s.request("GET", path, "", {{"Accept-Encoding", "gzip, deflate"}});
        REQUIRE(plain.status == 200);
        REQUIRE(gz.status == 200);
        CHECK(plain.header("content-encoding").empty());
        CHECK(gz.header("content-encoding") == "gzip");
        CHECK(plain.header("vary") == "Accept-Encoding");
        CHECK(gz.header("vary") == "Accept-Encoding");
        CHECK(gz.header("content-type") == "text/calendar; charset=utf-8");
        CHECK(gz.header("content-length") == std::to_string(gz.body.size()));
        CHECK(gz.body.size() < plain.body.size() / 3);
        REQUIRE(plain.body.starts_with("BEGIN:VCALENDAR\r\n"));

        // gzip(1), an independent decompressor, gives exactly the plain answer.
        const auto gz_file = w.s.dir + "/feed.ics.gz";
        const auto ics_file = w.s.dir + "/feed-from-gzip.ics";
        const auto plain_file = w.s.dir + "/feed-plain.ics";
        write_file(gz_file, gz.body);
        write_file(plain_file, plain.body);
        run_shell("gzip -dc '" + gz_file + "' > '" + ics_file + "'");
        CHECK(read_file(ics_file) == plain.body);

        // ical.js, node-ical and python-icalendar read the decompressed gzip answer as they
        // read the plain one (tests/feeds/compare.sh fails unless all three agree).
        const auto window = " --from 2018-01-01T00:00:00Z --to 2027-01-01T00:00:00Z";
        const auto from_gzip =
            run_shell("bash " COPSCHED_SOURCE_DIR "/tests/feeds/compare.sh '" + ics_file + "'" + window);
        const auto from_plain =
            run_shell("bash " COPSCHED_SOURCE_DIR "/tests/feeds/compare.sh '" + plain_file + "'" + window);
        CHECK(from_gzip == from_plain);
        CHECK(json::parse(from_gzip).as_array().size() >= 19); // the 19 sessions at least
        // By URL: Node's fetch asks for gzip and inflates it, Python's urllib asks for
        // neither; they still agree.
        CHECK(run_shell("bash " COPSCHED_SOURCE_DIR "/tests/feeds/compare.sh '" + w.url(path) + "'" + window) ==
              from_plain);
    }
}

TEST_CASE("feed encodings: one ETag per encoding, 304 for each, HEAD, q-values", "[feeds]") {
    world w;
    for (const auto& path : w.paths()) {
        INFO(path);
        const auto plain = w.s.request("GET", path);
        const auto gz = w.s.request("GET", path, "", {{"Accept-Encoding", "gzip"}});
        const auto plain_tag = plain.header("etag");
        const auto gz_tag = gz.header("etag");
        REQUIRE(plain_tag.size() > 2);
        CHECK(gz_tag == plain_tag.substr(0, plain_tag.size() - 1) + "-gz\"");

        auto nm_gz = w.s.request("GET", path, "", {{"Accept-Encoding", "gzip"}, {"If-None-Match", gz_tag}});
        CHECK(nm_gz.status == 304);
        CHECK(nm_gz.body.empty());
        CHECK(nm_gz.header("etag") == gz_tag);
        CHECK(nm_gz.header("vary") == "Accept-Encoding");
        auto nm_plain = w.s.request("GET", path, "", {{"If-None-Match", plain_tag}});
        CHECK(nm_plain.status == 304);
        CHECK(nm_plain.header("etag") == plain_tag);
        CHECK(nm_plain.header("vary") == "Accept-Encoding");
        // The other encoding's tag does not match: the client gets the bytes it asked for.
        auto crossed = w.s.request("GET", path, "", {{"Accept-Encoding", "gzip"}, {"If-None-Match", plain_tag}});
        CHECK(crossed.status == 200);
        CHECK(crossed.body == gz.body);
        CHECK(w.s.request("GET", path, "", {{"If-None-Match", gz_tag}}).body == plain.body);
        CHECK(w.s.request("GET", path, "", {{"If-None-Match", plain_tag + ", " + gz_tag}}).status == 304);

        auto head_gz = w.s.request("HEAD", path, "", {{"Accept-Encoding", "gzip"}});
        CHECK(head_gz.status == 200);
        CHECK(head_gz.header("content-length") == std::to_string(gz.body.size()));
        CHECK(head_gz.header("content-encoding") == "gzip");
        CHECK(head_gz.header("etag") == gz_tag);
        auto head = w.s.request("HEAD", path);
        CHECK(head.header("content-length") == std::to_string(plain.body.size()));
        CHECK(head.header("etag") == plain_tag);
        CHECK(head.header("vary") == "Accept-Encoding");

        // gzip;q=0 is a refusal; "*" accepts it.
        auto refused = w.s.request("GET", path, "", {{"Accept-Encoding", "gzip;q=0, identity"}});
        CHECK(refused.header("content-encoding").empty());
        CHECK(refused.body == plain.body);
        auto any = w.s.request("GET", path, "", {{"Accept-Encoding", "*"}});
        CHECK(any.header("content-encoding") == "gzip");
        CHECK(any.body == gz.body);
    }
}

TEST_CASE("feed encodings: the metrics count a miss, a render and a hit by kind", "[feeds]") {
    world w;
    const auto path = "/feeds/working-groups/" + w.group + ".ics";
    const std::string kind = "{kind=\"working_group\"}";
    const auto misses = metric(w.s, "copsched_feed_cache_misses_total" + kind);
    const auto hits = metric(w.s, "copsched_feed_cache_hits_total" + kind);
    const auto renders = metric(w.s, "copsched_feed_renders_total" + kind);
    REQUIRE(misses >= 0);
    REQUIRE(hits >= 0);
    REQUIRE(w.s.request("GET", path, "", {{"Accept-Encoding", "gzip"}}).status == 200);
    CHECK(metric(w.s, "copsched_feed_cache_misses_total" + kind) == misses + 1);
    CHECK(metric(w.s, "copsched_feed_renders_total" + kind) == renders + 1);
    CHECK(metric(w.s, "copsched_feed_render_seconds_count" + kind) == renders + 1);
    CHECK(metric(w.s, "copsched_feed_cache_entries" + kind) >= 1);
    CHECK(metric(w.s, "copsched_feed_cache_bytes" + kind) > 0);
    REQUIRE(w.s.request("GET", path, "", {{"Accept-Encoding", "gzip"}}).status == 200);
    CHECK(metric(w.s, "copsched_feed_cache_hits_total" + kind) == hits + 1);
    CHECK(metric(w.s, "copsched_feed_cache_misses_total" + kind) == misses + 1);
    CHECK(metric(w.s, "copsched_feed_cache_evictions_total" + kind) == 0);
    CHECK(metric(w.s, "copsched_feed_cache_hits_total{kind=\"person\"}") >= 0);
    CHECK(metric(w.s, "copsched_feed_cache_limit_bytes") == 256.0 * 1024 * 1024);
}

TEST_CASE("feed encodings: a large plain feed goes out with sendfile, byte for byte, also pipelined", "[feeds]") {
    // 80 sessions make the personal feed larger than 16 KiB, so its plain bytes are also
    // held in a sealed memory file and sent with sendfile(2); with --feed-sendfile-files 0
    // they are copied to the socket. Either way the answer is the gzip answer inflated.
    for (const std::string files : {"1024", "0"}) {
        INFO("--feed-sendfile-files " << files);
        world w({"--feed-sendfile-files", files}, 80);
        const auto gz = w.s.request("GET", w.personal_path, "", {{"Accept-Encoding", "gzip"}});
        REQUIRE(gz.status == 200);
        const auto gz_file = w.s.dir + "/big.ics.gz";
        write_file(gz_file, gz.body);
        const auto inflated = run_shell("gzip -dc '" + gz_file + "'");
        REQUIRE(inflated.size() > 16 * 1024);

        // Three requests in one write on one connection: headers and bodies in order.
        connection c(w.s.port);
        const std::string get = "GET " + w.personal_path + " HTTP/1.1\r\nHost: x\r\n\r\n";
        c.send(get + get + get);
        for (int i = 0; i < 3; ++i) {
            const auto r = c.read_reply();
            REQUIRE(r);
            CHECK(r->status == 200);
            CHECK(r->header("content-encoding").empty());
            CHECK(r->header("content-length") == std::to_string(inflated.size()));
            CHECK(r->body == inflated);
        }
        CHECK(metric(w.s, "copsched_feed_sendfile_files") == (files == "0" ? 0 : 1));
    }
}

TEST_CASE("the service ignores SIGPIPE, so a client that resets during a sendfile cannot end it", "[feeds][http]") {
    // sendfile(2) cannot be told MSG_NOSIGNAL: with SIGPIPE at its default action, a client
    // resetting its connection while a feed went out that way ended the process (it did,
    // in tests/bench/feeds.sh). The process's ignored-signal mask must hold SIGPIPE.
    server_process s;
    const auto status = read_file("/proc/" + std::to_string(s.pid()) + "/status");
    const auto at = status.find("\nSigIgn:");
    REQUIRE(at != std::string::npos);
    const auto mask = std::stoull(status.substr(at + 8, status.find('\n', at + 1) - at - 8), nullptr, 16);
    CHECK((mask >> (SIGPIPE - 1)) & 1u);

    // And it stays up when clients reset connections with large plain feeds in flight.
    world w({}, 80);
    const std::string get = "GET " + w.personal_path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    for (int i = 0; i < 200; ++i) {
        connection c(w.s.port);
        std::string many;
        for (int k = 0; k < 20; ++k) many += get;
        c.send(many);
        linger reset{1, 0}; // close() sends RST
        ::setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    }
    REQUIRE(w.s.request("GET", "/healthz").status == 200);
}

TEST_CASE("feeds: an If-Modified-Since before 1970 or in the future is ignored", "[feeds]") {
    // Years 9999 and 0 overflowed the clock's nanoseconds (undefined behaviour, caught by
    // UBSan through tests/chaos/hostile_inputs.py); RFC 7232 3.3: a later date is invalid.
    world w;
    const auto first = w.s.request("GET", w.personal_path);
    REQUIRE(first.status == 200);
    for (const char* date : {"Fri, 31 Dec 9999 23:59:59 GMT", "Sat, 01 Jan 0000 00:00:00 GMT",
                             "Thu, 01 Jan 1970 00:00:00 GMT", "Wed, 31 Dec 1969 23:59:59 GMT"}) {
        INFO(date);
        const auto r = w.s.request("GET", w.personal_path, "", {{"If-Modified-Since", date}});
        CHECK(r.status == 200);
        CHECK(r.body == first.body);
    }
    // A real date after the last change still gives 304.
    const auto again = w.s.request("GET", w.personal_path, "", {{"If-Modified-Since", first.header("last-modified")}});
    CHECK(again.status == 304);
}
