// The HTTP request path in process, without sockets: the bytes are what a client sends on
// one connection. They go through the parser configured as server/http/http_server.cpp
// configures it (a fresh request_parser per request, the default connection_limits'
// header and body limits, fed the way the session feeds it), the framing checks
// (raw_header_problem, framing_problem), then, for each request that would reach the
// dispatcher, the real route table's match (make_routes), the bearer token parsing of
// authentication, parse_json_object on the body, and object_reader over the body with
// the field shapes of the programme and event bodies (meeting_rules nested). Up to
// pipeline_limit requests per input, as one connection may pipeline.

#include "fuzz_input.hpp"

#include "scheduler/model.hpp"
#include "server/api/auth.hpp"
#include "server/api/json_input.hpp"
#include "server/api/routes.hpp"
#include "server/http/framing.hpp"
#include "server/http/http.hpp"
#include "server/http/limits.hpp"
#include "server/http/router.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/url/parse.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace copsched;
using namespace copsched::server;

const router& routes() {
    static const router r = make_routes();
    return r;
}

// The body readers: every reader kind of object_reader, on the fields the programme and
// event bodies use.
void read_body(const boost::json::object& o) {
    object_reader in(o);
    (void)in.nonempty_string("name", name_max_chars, false);
    (void)in.nonempty_string("title", name_max_chars, false);
    (void)in.optional_string("description", text_max_chars, true);
    (void)in.optional_string("start", 40);
    (void)in.optional_string("end", 40);
    (void)in.optional_date("start_date");
    (void)in.nullable_date("end_date");
    (void)in.optional_bool("all_day");
    (void)in.nullable_string("venue_id", 100);
    (void)in.optional_string_array("categories", 20, name_max_chars);
    (void)in.optional_integer("expected_version", 0, 1'000'000'000);
    (void)in.optional_integer_set("days", 7, 1, 7);
    (void)in.optional_enum<scheduler::event_status>("status", "tentative, confirmed");
    if (const auto* nested = in.optional_object("meeting_rules")) {
        object_reader rules(*nested, "meeting_rules.");
        (void)rules.optional_integer("per_year", 1, 12);
        (void)rules.optional_string_array("weekdays", 7, 3);
        (void)rules.optional_string("start_time", 5);
        (void)rules.nullable_string_array("school_holiday_regions", 20, 40);
        (void)rules.required_integer("duration_minutes", 15, 24 * 60);
        (void)rules.required_bool("public");
        (void)rules.optional_enum<scheduler::school_holiday_mode>("school_holidays", "avoid, prefer_not");
        in.merge(std::move(rules));
    }
    in.refuse("id", "cannot be set");
    const auto st = in.finish();
    if (!st) FUZZ_CHECK(st.err().code == scheduler::errc::invalid_input && !st.err().fields.empty());
}

// What the dispatcher does with a request that passed the framing checks.
void dispatch(const request& req) {
    // The dispatcher's own splitter accepts exactly what Boost.URL accepts, with the same path.
    const auto target = split_origin_form(req.target());
    const auto reference = boost::urls::parse_origin_form(req.target());
    FUZZ_CHECK(target.has_value() == reference.has_value());
    if (target) {
        FUZZ_CHECK(target->path == std::string_view(reference->encoded_path()));
        FUZZ_CHECK(target->query == std::string_view(reference->encoded_query()));
        const auto m = routes().match(req.method(), target->path);
        if (m.found) FUZZ_CHECK(m.found->method == req.method());
    }
    if (const auto token = bearer_token(req[http::field::authorization])) {
        if (token_prefix(*token)) (void)sha256_hex(*token);
    }
    if (req.body().empty()) return;
    auto body = parse_json_object(req);
    if (body) {
        read_body(*body);
    } else {
        FUZZ_CHECK(body.err().code == scheduler::errc::malformed);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const connection_limits cfg; // the service's defaults
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    for (std::size_t n = 0; n < cfg.pipeline_limit && !bytes.empty(); ++n) {
        http::request_parser<http::string_body, recycling_allocator<char>> parser;
        parser.header_limit(static_cast<std::uint32_t>(cfg.header_limit));
        parser.body_limit(cfg.body_limit);
        std::string header_problem;
        boost::beast::error_code ec;
        // As the session's receive(): put what is buffered until the message is done; at
        // the end of the bytes the client closed (put_eof).
        for (int steps = 0; !parser.is_done() && steps < 100'000; ++steps) {
            if (bytes.empty()) {
                if (parser.got_some())
                    parser.put_eof(ec);
                else
                    ec = http::error::end_of_stream;
                break;
            }
            const bool had_header = parser.is_header_done();
            const auto used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
            if (!ec && !had_header && parser.is_header_done())
                header_problem = raw_header_problem(bytes.substr(0, used));
            bytes.remove_prefix(used);
            if (ec == http::error::need_more) {
                ec = {};
                if (used == 0) {
                    parser.put_eof(ec);
                    break;
                }
                continue;
            }
            if (ec) break;
            // The session checks the framing as soon as the header is in.
            if (parser.is_header_done() && !had_header && header_problem.empty())
                header_problem = framing_problem(parser.get());
            if (!header_problem.empty()) break;
        }
        if (ec || !header_problem.empty() || !parser.is_done()) return 0; // 400/413/431: the connection closes
        const request req = parser.release();
        dispatch(req);
        if (!req.keep_alive()) return 0;
    }
    return 0;
}
