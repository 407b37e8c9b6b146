// Clients that try to smuggle requests or take the service off the air (tracker issue
// 17): every request with doubtful framing gets 400 and a closed connection, and nothing
// behind it on the connection is answered; one address cannot hold every connection; a
// client trickling its request is disconnected; idle connections make room for new ones.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace copsched::testing;
using namespace std::chrono_literals;

namespace {

// A TCP connection to 127.0.0.1:port from a chosen loopback address (127.0.0.0/8 are
// all local on Linux), reading raw bytes.
class raw_client {
public:
    raw_client(unsigned short port, const char* from = "127.0.0.1") {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) throw std::runtime_error("socket failed");
        sockaddr_in local{};
        local.sin_family = AF_INET;
        ::inet_pton(AF_INET, from, &local.sin_addr);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
            throw std::runtime_error(std::string("bind failed: ") + std::strerror(errno));
        sockaddr_in server{};
        server.sin_family = AF_INET;
        server.sin_port = htons(port);
        ::inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0)
            throw std::runtime_error(std::string("connect failed: ") + std::strerror(errno));
    }
    raw_client(const raw_client&) = delete;
    raw_client& operator=(const raw_client&) = delete;
    ~raw_client() { ::close(fd_); }

    // False when the peer has closed (or reset) the connection.
    bool send(const std::string& bytes) {
        std::size_t off = 0;
        while (off < bytes.size()) {
            const auto n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
            if (n <= 0) return false;
            off += static_cast<std::size_t>(n);
        }
        return true;
    }

    // Everything the server sends until it closes the connection (eof true) or `timeout`
    // passes (eof false).
    struct received {
        std::string data;
        bool eof = false;
    };
    received read_until_closed(std::chrono::milliseconds timeout) {
        received r;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return r;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return r;
            char buf[4096];
            const auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) {
                r.eof = true; // closed, or reset after the answer
                return r;
            }
            r.data.append(buf, static_cast<std::size_t>(n));
        }
    }

    // Reads until `text` has arrived; false when the connection closes or the time passes.
    bool wait_for(const std::string& text, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (auto at = seen_.find(text); at == std::string::npos; at = seen_.find(text)) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
            char buf[4096];
            const auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return false;
            seen_.append(buf, static_cast<std::size_t>(n));
        }
        seen_.erase(0, seen_.find(text) + text.size()); // what came after it stays for the next wait
        return true;
    }

private:
    int fd_ = -1;
    std::string seen_;
};

// The bytes after the first response in `data` (by its Content-Length).
std::string after_first_response(const std::string& data) {
    const auto end = data.find("\r\n\r\n");
    const auto length = data.find("\r\nContent-Length: ");
    if (end == std::string::npos || length == std::string::npos || length > end) return data;
    return data.substr(std::min(data.size(), end + 4 + std::stoul(data.substr(length + 18))));
}

// What would be answered if the server took a body for the next request.
const std::string smuggled = "GET /healthz?smuggled=1 HTTP/1.1\r\nHost: x\r\n\r\n";

// Sends `request` (with `smuggled` somewhere in or after it) and requires one 400
// problem+json with Connection: close, then the end of the connection, and nothing else.
void require_refused(unsigned short port, const std::string& request) {
    raw_client c(port);
    c.send(request);
    const auto r = c.read_until_closed(5s);
    INFO("answer: " << r.data);
    REQUIRE(r.eof);
    REQUIRE(r.data.starts_with("HTTP/1.1 400 Bad Request\r\n"));
    CHECK(after_first_response(r.data).empty()); // nothing smuggled was answered
    CHECK(r.data.find("\r\nConnection: close\r\n") != std::string::npos);
    CHECK(r.data.find("\r\nContent-Type: application/problem+json\r\n") != std::string::npos);
    const auto body = boost::json::parse(r.data.substr(r.data.find("\r\n\r\n") + 4)).as_object();
    CHECK(body.at("status").as_int64() == 400);
    CHECK(body.at("detail").as_string().starts_with("The request is not valid HTTP/1.1"));
}

std::string post(const std::string& fields) { return "POST /healthz HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n"; }
std::string hex(std::size_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%zx", n);
    return buf;
}
const std::string chunked_smuggle = hex(smuggled.size()) + "\r\n" + smuggled + "\r\n0\r\n\r\n";

} // namespace

TEST_CASE("the raw-socket check sees a smuggled request when the framing lets one through", "[http][framing]") {
    // The control: a well-framed request followed by a second one gets both answers.
    server_process s;
    raw_client c(s.port);
    c.send(post("Content-Length: 2\r\n") + "ab" + smuggled);
    REQUIRE(c.wait_for("HTTP/1.1 405 ", 5s));
    REQUIRE(c.wait_for("HTTP/1.1 200 OK", 5s));
}

TEST_CASE("Transfer-Encoding other than exactly chunked is refused with 400 and close", "[http][framing]") {
    server_process s;
    SECTION("a coding that is not chunked") {
        require_refused(s.port, post("Transfer-Encoding: gzip\r\n") + smuggled);
        require_refused(s.port, post("Transfer-Encoding: identity\r\n") + smuggled);
        require_refused(s.port, post("Transfer-Encoding: xchunked\r\n") + smuggled);
    }
    SECTION("chunked not last") {
        require_refused(s.port, post("Transfer-Encoding: chunked, identity\r\n") + smuggled);
    }
    SECTION("an unknown coding before chunked") {
        require_refused(s.port, post("Transfer-Encoding: gzip, chunked\r\n") + chunked_smuggle);
    }
    SECTION("chunked twice, in one field or two") {
        require_refused(s.port, post("Transfer-Encoding: chunked, chunked\r\n") + chunked_smuggle);
        require_refused(s.port, post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n") + chunked_smuggle);
    }
    SECTION("an empty Transfer-Encoding") { require_refused(s.port, post("Transfer-Encoding: \r\n") + smuggled); }
    SECTION("Transfer-Encoding in HTTP/1.0") {
        require_refused(s.port,
                        "POST /healthz HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_smuggle);
    }
    REQUIRE(s.request("GET", "/healthz").status == 200);
}

TEST_CASE("Transfer-Encoding beside Content-Length is refused with 400 and close", "[http][framing]") {
    server_process s;
    const auto cl = "Content-Length: " + std::to_string(smuggled.size()) + "\r\n";
    require_refused(s.port, post("Transfer-Encoding: chunked\r\n" + cl) + chunked_smuggle);
    require_refused(s.port, post(cl + "Transfer-Encoding: chunked\r\n") + chunked_smuggle);
    require_refused(s.port, post("Transfer-Encoding: xchunked\r\nContent-Length: 2\r\n") + "ab" + smuggled);
    require_refused(s.port, post("Content-Length: 2\r\nTransfer-Encoding: xchunked\r\n") + "ab" + smuggled);
}

TEST_CASE("a Content-Length that is repeated or not a plain number is refused with 400 and close", "[http][framing]") {
    server_process s;
    for (const std::string fields :
         {"Content-Length: 2\r\nContent-Length: 50\r\n", "Content-Length: 2\r\nContent-Length: 2\r\n",
          "Content-Length: 2, 2\r\n", "Content-Length: +2\r\n", "Content-Length: -2\r\n", "Content-Length: 2 2\r\n",
          "Content-Length: 0x2\r\n", "Content-Length: two\r\n", "Content-Length: \r\n",
          "Content-Length: 99999999999999999999999\r\n"}) {
        INFO(fields);
        require_refused(s.port, post(fields) + "ab" + smuggled);
    }
    REQUIRE(s.request("GET", "/healthz").status == 200);
}

TEST_CASE("obs-fold, whitespace before a colon and bare LF line endings are refused with 400 and close",
          "[http][framing]") {
    server_process s;
    SECTION("a folded field line") {
        require_refused(s.port, post("X-Note: a\r\n folded\r\nContent-Length: 2\r\n") + "ab" + smuggled);
        require_refused(s.port, post("Content-Length:\r\n\t2\r\n") + "ab" + smuggled);
    }
    SECTION("whitespace before the first field line") {
        require_refused(s.port, "POST /healthz HTTP/1.1\r\n Host: x\r\nContent-Length: 2\r\n\r\nab" + smuggled);
    }
    SECTION("whitespace between a field name and its colon") {
        require_refused(s.port, post("Content-Length : 2\r\n") + "ab" + smuggled);
    }
    SECTION("bare LF line endings") {
        require_refused(s.port, "POST /healthz HTTP/1.1\nHost: x\nContent-Length: 2\n\nab" + smuggled);
        require_refused(s.port, "POST /healthz HTTP/1.1\r\nHost: x\nContent-Length: 2\r\n\r\nab" + smuggled);
    }
}

TEST_CASE("invalid chunk sizes and chunk extensions are refused with 400 and close", "[http][framing]") {
    server_process s;
    const std::string te = "Transfer-Encoding: chunked\r\n";
    for (const std::string chunks : {"zz\r\nab\r\n0\r\n\r\n", "-2\r\nab\r\n0\r\n\r\n", "+2\r\nab\r\n0\r\n\r\n",
                                     "10000000000000002\r\nab\r\n0\r\n\r\n", "2 \r\nab\r\n0\r\n\r\n",
                                     "2;\"x\r\nab\r\n0\r\n\r\n", "2;=\r\nab\r\n0\r\n\r\n", "2\r\nabXX0\r\n\r\n"}) {
        INFO(chunks);
        require_refused(s.port, post(te) + chunks + smuggled);
    }
    // A valid extension is ignored.
    raw_client ok(s.port);
    ok.send(post(te) + "2;name=value\r\nab\r\n0\r\n\r\n");
    REQUIRE(ok.wait_for("HTTP/1.1 405 ", 5s));
}

TEST_CASE("Host must appear exactly once, and an absolute-form target is refused as not a path", "[http][framing]") {
    server_process s;
    require_refused(s.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n" + smuggled);
    require_refused(s.port, "GET /healthz HTTP/1.1\r\n\r\n" + smuggled);
    // The framing of an absolute-form request is sound: 400 for the target, and the
    // connection stays usable.
    raw_client c(s.port);
    c.send("GET http://elsewhere.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n" + smuggled);
    REQUIRE(c.wait_for("HTTP/1.1 400 ", 5s));
    REQUIRE(c.wait_for("HTTP/1.1 200 OK", 5s));
}

TEST_CASE("an address over its connection limit gets 503 while another address is served", "[http][limits]") {
    server_process s({"--max-connections-per-address", "2", "--max-connections", "100"});
    std::vector<std::unique_ptr<raw_client>> held;
    for (int i = 0; i < 2; ++i) {
        held.push_back(std::make_unique<raw_client>(s.port));
        held.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        REQUIRE(held.back()->wait_for("HTTP/1.1 200 OK", 5s));
    }
    raw_client third(s.port);
    const auto refused = third.read_until_closed(5s);
    INFO(refused.data);
    REQUIRE(refused.eof);
    REQUIRE(refused.data.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
    CHECK(refused.data.find("from your address") != std::string::npos);

    raw_client other(s.port, "127.0.0.2");
    other.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(other.wait_for("HTTP/1.1 200 OK", 5s));

    held.pop_back(); // a freed slot is the address's again
    bool served = false;
    for (int attempt = 0; attempt < 50 && !served; ++attempt) {
        raw_client again(s.port);
        again.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        served = again.wait_for("HTTP/1.1 200 OK", 5s);
        if (!served) std::this_thread::sleep_for(20ms);
    }
    REQUIRE(served);
}

TEST_CASE("a client trickling its request header or body is disconnected after the grace period", "[http][timeouts]") {
    server_process s(
        {"--min-receive-rate", "100", "--min-receive-grace", "1s", "--header-timeout", "60s", "--body-timeout", "60s"});
    // Sends one byte every 100 ms (10 bytes/s) after `start`; returns how long until the
    // server closed the connection, or nullopt when it did not within 10 s.
    const auto trickle = [&](const std::string& start) -> std::optional<std::chrono::milliseconds> {
        raw_client c(s.port);
        const auto began = std::chrono::steady_clock::now();
        c.send(start);
        for (int i = 0; i < 100; ++i) {
            if (!c.send("X")) break;
            if (c.read_until_closed(100ms).eof) break;
        }
        const auto took = std::chrono::steady_clock::now() - began;
        if (took > 10s) return std::nullopt;
        return std::chrono::duration_cast<std::chrono::milliseconds>(took);
    };
    SECTION("the header") {
        const auto took = trickle("GET /healthz HTTP/1.1\r\nX-Slow: ");
        REQUIRE(took);
        CHECK(*took >= 900ms);
        CHECK(*took < 4s);
    }
    SECTION("the body") {
        const auto took = trickle("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
        REQUIRE(took);
        CHECK(*took < 4s);
    }
    SECTION("a client sending fast enough is served") {
        // About 300 bytes at 200 bytes/s: longer than the grace period, faster than the minimum.
        raw_client c(s.port);
        const std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(250, 'p') + "\r\n\r\n";
        for (std::size_t i = 0; i < req.size(); i += 20) {
            c.send(req.substr(i, 20));
            std::this_thread::sleep_for(100ms);
        }
        REQUIRE(c.wait_for("HTTP/1.1 200 OK", 5s));
    }
    REQUIRE(s.request("GET", "/healthz").status == 200);
}

TEST_CASE("idle keep-alive connections are closed, oldest first, to make room for new ones", "[http][limits]") {
    // Cap 4, evicting from 3 (75%): four idle connections and a newcomer.
    server_process s({"--max-connections", "4", "--max-connections-per-address", "4", "--idle-evict-percent", "75",
                      "--idle-timeout", "60s", "--header-timeout", "60s"});
    std::vector<std::unique_ptr<raw_client>> idle;
    for (int i = 0; i < 3; ++i) {
        idle.push_back(std::make_unique<raw_client>(s.port));
        idle.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        REQUIRE(idle.back()->wait_for("HTTP/1.1 200 OK", 5s));
        std::this_thread::sleep_for(50ms); // so that their idle times differ
    }
    // At 3 of 4, the fourth connection closes the oldest idle one and is served.
    raw_client fourth(s.port);
    fourth.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(fourth.wait_for("HTTP/1.1 200 OK", 5s));
    REQUIRE(idle[0]->read_until_closed(5s).eof);
    // So is every newcomer after it, each closing the longest-idle one.
    raw_client newcomer(s.port);
    newcomer.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(newcomer.wait_for("HTTP/1.1 200 OK", 5s));
    REQUIRE(idle[1]->read_until_closed(5s).eof);
    // The newest idle ones are still open.
    idle[2]->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(idle[2]->wait_for("HTTP/1.1 200 OK", 5s));
}

TEST_CASE("the service raises its open-file limit and says how many connections it takes", "[http][limits]") {
    server_process s;
    const auto log = s.log();
    INFO(log);
    CHECK(log.find("open-file limit") != std::string::npos);
    CHECK(log.find("max-connections ") != std::string::npos);
    CHECK(log.find("min(10000, open-file limit - 128)") != std::string::npos);
}

TEST_CASE("a JSON body naming a field twice is refused with 400 naming the field", "[http][json]") {
    server_process s;
    auto r = s.call("POST", "/api/v1/tokens", s.admin_token, R"({"name":"a","role":"viewer","role":"admin"})");
    REQUIRE(r.status == 400);
    REQUIRE(r.header("content-type") == "application/problem+json");
    const auto errors = r.json().at("errors").as_array();
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].at("field") == "role");
    CHECK(r.json().at("detail").as_string().find("role") != std::string::npos);
}

TEST_CASE("a header over the limit is refused with 431 also when it arrives in many small field lines",
          "[http][limits]") {
    // Beast compares its limit with the bytes of one read; 1,000 field lines of 16 bytes
    // (16 KB, twice the default 8 KB) were answered 200 when they came in two reads.
    server_process s;
    std::string fields;
    for (int i = 0; i < 1000; ++i) fields += "X-H-" + std::to_string(i) + ": value\r\n";
    raw_client c(s.port);
    c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n" + smuggled);
    const auto r = c.read_until_closed(5s);
    INFO("answer: " << r.data.substr(0, 300));
    REQUIRE(r.eof);
    REQUIRE(r.data.starts_with("HTTP/1.1 431 "));
    CHECK(after_first_response(r.data).empty());
    REQUIRE(s.request("GET", "/healthz").status == 200);
}

TEST_CASE("a chunk-size line or a trailer section longer than the header limit is refused with 400 and close",
          "[http][framing]") {
    server_process s;
    const std::string te = "Transfer-Encoding: chunked\r\n";
    for (const auto& chunks : {"2;" + std::string(100000, 'a') + "\r\nab\r\n0\r\n\r\n",
                               "2;a=\"" + std::string(100000, 'b') + "\"\r\nab\r\n0\r\n\r\n",
                               "2\r\nab\r\n0\r\nX-T: " + std::string(100000, 'a') + "\r\n\r\n"}) {
        raw_client c(s.port);
        c.send(post(te) + chunks + smuggled);
        const auto r = c.read_until_closed(5s);
        INFO("answer: " << r.data.substr(0, 300));
        REQUIRE(r.eof);
        REQUIRE(r.data.starts_with("HTTP/1.1 400 "));
        CHECK(r.data.find("longer than 8192 bytes") != std::string::npos);
        CHECK(after_first_response(r.data).empty());
    }
    REQUIRE(s.request("GET", "/healthz").status == 200);
}

TEST_CASE("a path or query that decodes to bytes that are not UTF-8 text is refused, and answers stay valid JSON",
          "[http][paths]") {
    server_process s;
    const auto& admin = s.admin_token;
    SECTION("a query value with NUL names its parameter") {
        const auto r = s.call("GET", "/api/v1/programmes?limit=5%00", admin);
        REQUIRE(r.status == 422);
        const auto body = boost::json::parse(r.body).as_object();
        REQUIRE(body.at("errors").as_array().at(0).as_object().at("field").as_string() == "limit");
    }
    SECTION("a query value that is not UTF-8") {
        const auto r = s.call("GET", "/api/v1/programmes?cursor=%ff%fe", admin);
        REQUIRE(r.status == 422);
        const auto body = boost::json::parse(r.body).as_object();
        REQUIRE(body.at("errors").as_array().at(0).as_object().at("field").as_string() == "cursor");
    }
    SECTION("a path segment that is not UTF-8 matches no resource, and the answer is valid UTF-8 JSON") {
        for (const char* path : {"/api/v1/programmes/%ff%fe", "/api/v1/programmes/%c0%ae%c0%ae/people",
                                 "/api/v1/programmes/%c3", "/api/v1/programmes/x%00"}) {
            INFO(path);
            const auto r = s.call("GET", path, admin);
            REQUIRE(r.status == 404);
            boost::json::error_code ec;
            boost::json::parse(r.body, ec); // Boost.JSON refuses strings that are not UTF-8
            CHECK_FALSE(ec);
        }
    }
}
