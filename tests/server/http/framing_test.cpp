#include "server/http/framing.hpp"

#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <utility>

using namespace copsched::server;

namespace {

// A request header with these fields, in this order.
http::request_header<copsched::server::fields> header(std::initializer_list<std::pair<http::field, std::string>> fields,
                                                      unsigned version = 11) {
    http::request_header<copsched::server::fields> h;
    h.method(http::verb::post);
    h.target("/x");
    h.version(version);
    for (const auto& [name, value] : fields) h.insert(name, value);
    return h;
}

const std::pair<http::field, std::string> host{http::field::host, "x"};

} // namespace

TEST_CASE("framing_problem accepts one Content-Length, chunked alone, or neither", "[server][framing]") {
    CHECK(framing_problem(header({host})).empty());
    CHECK(framing_problem(header({host, {http::field::content_length, "0"}})).empty());
    CHECK(framing_problem(header({host, {http::field::content_length, "1048576"}})).empty());
    CHECK(framing_problem(header({host, {http::field::transfer_encoding, "chunked"}})).empty());
    CHECK(framing_problem(header({host, {http::field::transfer_encoding, "Chunked"}})).empty());
    CHECK(framing_problem(header({host, {http::field::transfer_encoding, " , chunked ,"}})).empty());
    CHECK(framing_problem(header({}, 10)).empty()); // HTTP/1.0 needs no Host
}

TEST_CASE("framing_problem refuses every Transfer-Encoding but chunked alone", "[server][framing]") {
    const auto te = [](const std::string& v) {
        return framing_problem(header({host, {http::field::transfer_encoding, v}}));
    };
    CHECK(te("gzip").find("must end with chunked") != std::string::npos);
    CHECK(te("identity").find("must end with chunked") != std::string::npos);
    CHECK(te("chunked, identity").find("must end with chunked") != std::string::npos);
    CHECK(te("xchunked").find("must end with chunked") != std::string::npos);
    CHECK(te("").find("must end with chunked") != std::string::npos);
    CHECK(te("gzip, chunked").find("'gzip' is not supported") != std::string::npos);
    CHECK(te("chunked, chunked").find("only once") != std::string::npos);
    CHECK_FALSE(te("chunked;x=1").empty());
    CHECK_FALSE(
        framing_problem(
            header({host, {http::field::transfer_encoding, "chunked"}, {http::field::transfer_encoding, "chunked"}}))
            .empty());
    CHECK(framing_problem(header({host, {http::field::transfer_encoding, "chunked"}}, 10)).find("HTTP/1.0") !=
          std::string::npos);
    for (const char* v : {"chunked", "xchunked"}) {
        INFO(v);
        CHECK(framing_problem(header({host, {http::field::transfer_encoding, v}, {http::field::content_length, "2"}}))
                  .find("both Transfer-Encoding and Content-Length") != std::string::npos);
    }
}

TEST_CASE("framing_problem refuses repeated or non-decimal Content-Length, and Host other than once",
          "[server][framing]") {
    const auto cl = [](const std::string& v) {
        return framing_problem(header({host, {http::field::content_length, v}}));
    };
    for (const char* v : {"2, 2", "+2", "-2", "2 2", "0x2", "", "two", "1234567890123456789"}) {
        INFO(v);
        CHECK_FALSE(cl(v).empty());
    }
    CHECK(framing_problem(header({host, {http::field::content_length, "2"}, {http::field::content_length, "2"}}))
              .find("more than one Content-Length") != std::string::npos);
    CHECK(framing_problem(header({})).find("must have a Host") != std::string::npos);
    CHECK(framing_problem(header({host, host})).find("more than one Host") != std::string::npos);
}

TEST_CASE("raw_header_problem refuses obs-fold and nothing else", "[server][framing]") {
    CHECK(raw_header_problem("GET / HTTP/1.1\r\nHost: x\r\nX-A: a b\t c\r\n\r\n").empty());
    CHECK(raw_header_problem("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n").find("obs-fold") !=
          std::string::npos);
    CHECK_FALSE(raw_header_problem("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n").empty());
    CHECK_FALSE(raw_header_problem("GET / HTTP/1.1\r\n Host: x\r\n\r\n").empty());
}
