#include "server/http/router.hpp"

#include "server/api/errors.hpp"
#include "server/pages/site.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <utility>

using namespace copsched;
using namespace copsched::server;
using v = http::verb;

namespace {

task<response> nothing(request_context&) { co_return response{}; }

router sample_routes() {
    router r;
    r.add(v::get, "/healthz", access::public_route, nothing);
    r.add(v::get, "/api/v1/tokens", access::admin, nothing);
    r.add(v::post, "/api/v1/tokens", access::admin, nothing);
    r.add(v::delete_, "/api/v1/tokens/{id}", access::admin, nothing);
    r.add(v::get, "/api/v1/programmes/{slug}", access::any_token, nothing);
    r.add(v::get, "/api/v1/programmes/{slug}/events/{id}", access::any_token, nothing);
    r.add(v::get, "/feeds/{token}.ics", access::public_route, nothing);
    return r;
}

std::string matched(const route_match& m) {
    return m.found ? std::string(http::to_string(m.found->method)) + " " + m.found->path : "none";
}

std::set<v> allowed(const route_match& m) { return {m.allowed.begin(), m.allowed.end()}; }

path_params params(std::initializer_list<std::pair<std::string, std::string>> p) { return path_params(p); }

} // namespace

TEST_CASE("router matches templates and captures path parameters", "[server][router]") {
    const auto r = sample_routes();
    auto m = r.match(v::get, "/healthz");
    CHECK(matched(m) == "GET /healthz");
    CHECK(m.params.empty());

    m = r.match(v::get, "/api/v1/programmes/gdci-2");
    CHECK(matched(m) == "GET /api/v1/programmes/{slug}");
    CHECK(m.params == params({{"slug", "gdci-2"}}));

    m = r.match(v::get, "/api/v1/programmes/gdci-2/events/evt_123");
    CHECK(matched(m) == "GET /api/v1/programmes/{slug}/events/{id}");
    CHECK(m.params == params({{"slug", "gdci-2"}, {"id", "evt_123"}}));

    m = r.match(v::delete_, "/api/v1/tokens/tok_abc");
    CHECK(matched(m) == "DELETE /api/v1/tokens/{id}");
    CHECK(m.params == params({{"id", "tok_abc"}}));
}

TEST_CASE("router captures a '{name}.ics' segment without its suffix", "[server][router]") {
    const auto r = sample_routes();
    auto m = r.match(v::get, "/feeds/abc123.ics");
    CHECK(matched(m) == "GET /feeds/{token}.ics");
    CHECK(m.params == params({{"token", "abc123"}}));

    m = r.match(v::get, "/feeds/a.b.ics");
    CHECK(m.params == params({{"token", "a.b"}}));

    for (const char* path : {"/feeds/abc123", "/feeds/.ics", "/feeds/abc123.ics.txt", "/feeds/abc123.ic"}) {
        INFO(path);
        m = r.match(v::get, path);
        CHECK(m.found == nullptr);
        CHECK(m.allowed.empty());
    }
}

TEST_CASE("router percent-decodes each segment after splitting", "[server][router]") {
    const auto r = sample_routes();
    auto m = r.match(v::get, "/api/v1/programmes/caf%C3%A9");
    CHECK(matched(m) == "GET /api/v1/programmes/{slug}");
    CHECK(m.params == params({{"slug", "caf\xC3\xA9"}}));

    // An encoded slash stays inside its segment.
    m = r.match(v::delete_, "/api/v1/tokens/a%2Fb");
    CHECK(matched(m) == "DELETE /api/v1/tokens/{id}");
    CHECK(m.params == params({{"id", "a/b"}}));

    m = r.match(v::get, "/api/v1/programmes/two%20words");
    CHECK(m.params == params({{"slug", "two words"}}));

    m = r.match(v::get, "/%68ealthz"); // %68 = 'h'
    CHECK(matched(m) == "GET /healthz");
}

TEST_CASE("router: no route for the path means 404 with nothing allowed", "[server][router]") {
    const auto r = sample_routes();
    for (const char* path :
         {"/", "/nope", "/api/v1/tokens/a/b", "/api/v1", "/healthz/extra", "/HEALTHZ", "", "healthz", "/a%zz"}) {
        INFO("path '" << path << "'");
        const auto m = r.match(v::get, path);
        CHECK(m.found == nullptr);
        CHECK(m.allowed.empty());
    }
}

TEST_CASE("router: a path with other methods means 405 with those methods", "[server][router]") {
    const auto r = sample_routes();
    auto m = r.match(v::delete_, "/api/v1/tokens");
    CHECK(m.found == nullptr);
    CHECK(allowed(m) == std::set<v>{v::get, v::post});

    m = r.match(v::put, "/healthz");
    CHECK(m.found == nullptr);
    CHECK(allowed(m) == std::set<v>{v::get});

    m = r.match(v::get, "/api/v1/tokens/tok_1");
    CHECK(m.found == nullptr);
    CHECK(allowed(m) == std::set<v>{v::delete_});

    // A matching route answers: the methods are only for a 405, and are not gathered.
    m = r.match(v::post, "/api/v1/tokens");
    CHECK(matched(m) == "POST /api/v1/tokens");
    CHECK(m.allowed.empty());
}

TEST_CASE("router: HEAD is served by GET routes", "[server][router]") {
    const auto r = sample_routes();
    auto m = r.match(v::head, "/healthz");
    CHECK(matched(m) == "GET /healthz");
    m = r.match(v::head, "/api/v1/programmes/gdci-2");
    CHECK(matched(m) == "GET /api/v1/programmes/{slug}");
    CHECK(m.params == params({{"slug", "gdci-2"}}));

    m = r.match(v::head, "/api/v1/tokens/tok_1"); // DELETE only
    CHECK(m.found == nullptr);
    CHECK(allowed(m) == std::set<v>{v::delete_});
}

TEST_CASE("decode_segments splits and decodes a path", "[server][router]") {
    CHECK(decode_segments("/") == std::optional<std::vector<std::string>>({""}));
    CHECK(decode_segments("/a/b%20c") == std::optional<std::vector<std::string>>({"a", "b c"}));
    CHECK(decode_segments("/a/") == std::optional<std::vector<std::string>>({"a", ""}));
    CHECK_FALSE(decode_segments("").has_value());
    CHECK_FALSE(decode_segments("a/b").has_value());
    CHECK_FALSE(decode_segments("/a%2").has_value());
    CHECK_FALSE(decode_segments("/a%G0").has_value());
}

TEST_CASE("the service's route table is unambiguous and guards token routes", "[server][router]") {
    const auto table = pages::make_site_routes();
    std::set<std::pair<v, std::string>> seen;
    for (const auto& r : table.routes()) {
        INFO(http::to_string(r.method) << " " << r.path);
        CHECK(r.path.starts_with("/"));
        CHECK(seen.insert({r.method, r.path}).second);
        CHECK(r.fn != nullptr);
        if (r.path.starts_with("/api/v1/tokens")) CHECK(r.who == access::admin);
        if (r.path.starts_with("/api/")) CHECK(r.who != access::public_route);
    }
    CHECK(matched(table.match(v::get, "/healthz")) == "GET /healthz");
    CHECK(matched(table.match(v::head, "/healthz")) == "GET /healthz");
    CHECK(matched(table.match(v::delete_, "/api/v1/tokens/tok_x")) == "DELETE /api/v1/tokens/{id}");
    CHECK(table.match(v::get, "/healthz").found->who == access::public_route);
    CHECK(table.match(v::get, "/api/v1/me").found->who == access::any_token);
}

// --- problem.hpp: the one place errors become HTTP --------------------------------------

namespace {

boost::json::object body_of(const response& res) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(res.body(), ec);
    REQUIRE_FALSE(ec);
    REQUIRE(parsed.is_object());
    return parsed.get_object();
}

void check_problem_shape(const response& res, unsigned status) {
    CHECK(res.result_int() == status);
    CHECK(res[http::field::content_type] == "application/problem+json");
    CHECK(res[http::field::content_length] == std::to_string(res.body().size()));
    const auto body = body_of(res);
    REQUIRE(body.contains("type"));
    REQUIRE(body.contains("title"));
    REQUIRE(body.contains("status"));
    REQUIRE(body.contains("detail"));
    CHECK(body.at("type").is_string());
    CHECK_FALSE(body.at("title").as_string().empty());
    CHECK(body.at("status").to_number<unsigned>() == status);
    CHECK(body.at("detail").is_string());
}

} // namespace

TEST_CASE("every domain error maps to its HTTP status", "[server][problem]") {
    using scheduler::errc;
    const std::vector<std::pair<errc, unsigned>> expected{
        {errc::malformed, 400}, {errc::invalid_input, 422},       {errc::not_found, 404},
        {errc::conflict, 409},  {errc::precondition_failed, 412}, {errc::unauthenticated, 401},
        {errc::forbidden, 403}, {errc::unavailable, 503},         {errc::internal, 500},
    };
    for (const auto& [code, status] : expected) {
        INFO("status " << status);
        CHECK(static_cast<unsigned>(status_for(code)) == status);
        const auto res = problem(scheduler::error{code, "something happened", {}}, 11, true);
        check_problem_shape(res, status);
    }
}

TEST_CASE("problem bodies carry the detail, and field errors for invalid input", "[server][problem]") {
    auto e = scheduler::error::invalid("name", "is required");
    e.fields.push_back({"role", "must be one of admin, organiser, participant"});
    const auto res = problem(e, 11, true);
    check_problem_shape(res, 422);
    const auto body = body_of(res);
    CHECK(body.at("detail").as_string() == "The request has invalid fields.");
    const auto& errors = body.at("errors").as_array();
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].at("field").as_string() == "name");
    CHECK(errors[0].at("problem").as_string() == "is required");
    CHECK(errors[1].at("field").as_string() == "role");

    const auto nf = problem(scheduler::error{scheduler::errc::not_found, "No programme with slug 'x'.", {}}, 11, true);
    CHECK(body_of(nf).at("detail").as_string() == "No programme with slug 'x'.");
    CHECK_FALSE(body_of(nf).contains("errors"));
}

TEST_CASE("internal errors do not leak their detail to the client", "[server][problem]") {
    const auto res =
        problem(scheduler::error{scheduler::errc::internal, "no such table: api_tokens (SELECT ...)", {}}, 11, true);
    check_problem_shape(res, 500);
    CHECK(res.body().find("api_tokens") == std::string::npos);
    CHECK(res.body().find("SELECT") == std::string::npos);
}

TEST_CASE("HTTP-level problems merge extra members and keep the connection setting", "[server][problem]") {
    const auto res = problem(http::status::method_not_allowed, "This resource does not support PUT.", 11, false,
                             boost::json::object{{"allowed", boost::json::array{"GET", "HEAD"}}});
    check_problem_shape(res, 405);
    CHECK_FALSE(res.keep_alive());
    const auto body = body_of(res);
    CHECK(body.at("detail").as_string() == "This resource does not support PUT.");
    CHECK(body.at("allowed").as_array().size() == 2);

    const auto http10 = problem(http::status::not_found, "x", 10, true);
    CHECK(http10.version() == 10);
    CHECK(http10.keep_alive());

    const auto ok = json_response(http::status::ok, boost::json::object{{"status", "ok"}}, 11, true);
    CHECK(ok.result_int() == 200);
    CHECK(ok[http::field::content_type] == "application/json");
    CHECK(ok.body() == R"({"status":"ok"})");
    CHECK(ok[http::field::content_length] == "15");
}

TEST_CASE("split_origin_form accepts what Boost.URL's parse_origin_form accepts", "[server][router]") {
    const auto same = [](std::string_view target) {
        const auto ours = split_origin_form(target);
        const auto theirs = boost::urls::parse_origin_form(target);
        INFO("target: " << target);
        REQUIRE(ours.has_value() == theirs.has_value());
        if (ours) {
            CHECK(ours->path == std::string_view(theirs->encoded_path()));
            CHECK(ours->query == std::string_view(theirs->encoded_query()));
        }
    };
    for (const char* t : {"/",
                          "/a",
                          "//",
                          "/a//b/",
                          "/feeds/people/abc_DEF-12.ics",
                          "/a?",
                          "/a?b=c&d",
                          "/a?b?c/d",
                          "/a%20b",
                          "/a%2",
                          "/a%",
                          "/a%G0",
                          "/a%zz?x",
                          "/a?x=%41",
                          "/a?x=%4",
                          "/a#f",
                          "/a?b#f",
                          "",
                          "a",
                          "*",
                          "http://x/a",
                          "/a b",
                          "/a\\b",
                          "/\x7f",
                          "/\xc3\xa9",
                          "/a[b]",
                          "/a{b}",
                          "/a|b",
                          "/~user/!$&'()*+,;=:@",
                          "/a?/?:@!$&'()*+,;="})
        same(t);
    // Random targets over an alphabet of the characters that matter.
    const std::string alphabet = "/?%#aZ09-._~!$&'()*+,;=:@ \"[]{}|^`\x7f"
                                 "\x80"
                                 "AFf";
    std::mt19937 rng(20261207);
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1), length(0, 12);
    for (int i = 0; i < 100'000; ++i) {
        std::string t = rng() % 4 ? "/" : "";
        for (auto n = length(rng); n > 0; --n) t += alphabet[pick(rng)];
        same(t);
    }
}

TEST_CASE("router::match refuses a path of more segments than any route has", "[server][router]") {
    const auto r = sample_routes();
    std::string deep;
    for (std::size_t i = 0; i <= router::max_segments + 1; ++i) deep += "/a";
    CHECK_FALSE(r.match(v::get, deep).found);
    CHECK(r.match(v::get, deep).allowed.empty());
    CHECK_THROWS_AS(router{}.add(v::get, deep, access::public_route, nothing), std::invalid_argument);
}
