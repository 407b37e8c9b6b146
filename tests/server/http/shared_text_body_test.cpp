#include "server/http/http.hpp"

#include "server/http/content_coding.hpp"

#include <catch2/catch.hpp>

#include <boost/beast/http/serializer.hpp>

#include <iterator>
#include <memory>
#include <string>
#include <utility>

using namespace copsched::server;

TEST_CASE("shared_text_body: owned text reads as a string", "[server][http]") {
    response res{http::status::ok, 11};
    res.body() = "hello";
    CHECK(res.body() == "hello");
    CHECK(res.body().size() == 5);
    CHECK_FALSE(res.body().shared());
    const std::string& text = res.body();
    CHECK(text == "hello");
    res.prepare_payload();
    CHECK(res[http::field::content_length] == "5");
    res.body().clear();
    CHECK(res.body().empty());
}

TEST_CASE("shared_text_body: shared bytes go out without a copy", "[server][http]") {
    auto bytes = std::make_shared<const std::string>(100000, 'x');
    {
        response res{http::status::ok, 11};
        res.body().share(bytes);
        CHECK(bytes.use_count() == 2); // one more reference, no other owner
        CHECK(res.body().data() == bytes->data());
        CHECK(res.body().size() == bytes->size());
        CHECK(res.body().buffer().data() == bytes->data()); // what http_server writes
        res.prepare_payload();
        CHECK(res[http::field::content_length] == "100000");

        // Moved into the write queue: still the same bytes.
        response queued = std::move(res);
        CHECK(queued.body().data() == bytes->data());
        CHECK(bytes.use_count() == 2);

        // Beast's serializer sends the bytes themselves as well.
        http::response_serializer<shared_text_body, fields> sr(queued);
        boost::beast::error_code ec;
        bool body_seen = false;
        sr.split(true);
        while (!sr.is_done() && !ec) {
            sr.next(ec, [&](boost::beast::error_code&, const auto& buffers) {
                std::size_t n = 0;
                for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
                    const asio::const_buffer b = *it;
                    if (sr.is_header_done() && b.data() == bytes->data()) body_seen = true;
                    n += b.size();
                }
                sr.consume(n);
            });
        }
        CHECK_FALSE(ec);
        CHECK(body_seen);

        queued.body() = "owned again"; // assigning text drops the shared reference
        CHECK(bytes.use_count() == 1);
        CHECK_FALSE(queued.body().shared());
    }
    CHECK(bytes.use_count() == 1);
}

TEST_CASE("shared_text_body: canned fields go with the bytes until expanded or replaced", "[server][http]") {
    auto bytes = std::make_shared<const std::string>("payload");
    auto lines = std::make_shared<const std::string>("Content-Type: text/calendar\r\nContent-Length: 7\r\n"
                                                     "ETag: \"a\"\r\nVary: Accept-Encoding\r\n");
    response res{http::status::ok, 11};
    res.body().share(bytes);
    res.body().set_canned_fields(lines, *lines);
    CHECK(res.body().canned_fields() == *lines);
    CHECK(res.begin() == res.end()); // none among the message's own fields
    CHECK(lines.use_count() == 2);   // held, not copied

    response moved = std::move(res);
    CHECK(moved.body().canned_fields().data() == lines->data());
    expand_canned_fields(moved);
    CHECK(moved.body().canned_fields().empty());
    CHECK(lines.use_count() == 1);
    CHECK(moved[http::field::content_type] == "text/calendar");
    CHECK(moved[http::field::content_length] == "7");
    CHECK(moved[http::field::etag] == "\"a\"");
    CHECK(moved[http::field::vary] == "Accept-Encoding");
    CHECK(std::distance(moved.begin(), moved.end()) == 4);
    CHECK(moved.body().data() == bytes->data());

    // New text is not what the fields describe: assigning it drops them.
    response other{http::status::ok, 11};
    other.body().share(bytes);
    other.body().set_canned_fields(lines, *lines);
    other.body() = "other text";
    CHECK(other.body().canned_fields().empty());
    CHECK(lines.use_count() == 1);
}

TEST_CASE("Accept-Encoding: gzip only when the client accepts it, by q-value", "[server][http]") {
    using enum content_coding;
    CHECK(preferred_coding("") == identity);
    CHECK(preferred_coding("gzip") == gzip);
    CHECK(preferred_coding("gzip, deflate, br") == gzip);
    CHECK(preferred_coding("deflate, gzip;q=1.0, *;q=0.5") == gzip);
    CHECK(preferred_coding("GZIP") == gzip);
    CHECK(preferred_coding("x-gzip") == gzip);
    CHECK(preferred_coding(" gzip ; q=0.8 ") == gzip);
    CHECK(preferred_coding("gzip;q=0") == identity);
    CHECK(preferred_coding("gzip;q=0.000") == identity);
    CHECK(preferred_coding("gzip; Q=0") == identity);
    CHECK(preferred_coding("*") == gzip);
    CHECK(preferred_coding("*;q=0.1") == gzip);    // every coding alike: the smaller one
    CHECK(preferred_coding("gzip;q=0.1") == gzip); // identity outranks it only when stated
    CHECK(preferred_coding("*;q=0") == identity);  // identity is never refused for us
    CHECK(preferred_coding("*;q=0.5, identity;q=0.1") == gzip);
    CHECK(preferred_coding("*, gzip;q=0") == identity);
    CHECK(preferred_coding("gzip;q=0.5, identity") == identity);
    CHECK(preferred_coding("gzip;q=0.5, identity;q=0.5") == gzip); // a tie: the smaller one
    CHECK(preferred_coding("identity;q=0, gzip;q=0.001") == gzip);
    CHECK(preferred_coding("deflate, br") == identity);
    CHECK(preferred_coding("gzip;q=2") == identity);      // not a qvalue
    CHECK(preferred_coding("gzip;q=0.5000") == identity); // at most three decimals
    CHECK(preferred_coding("gzip;level=1") == identity);  // only q is defined
    CHECK(preferred_coding("gzipx, xgzip") == identity);
}
