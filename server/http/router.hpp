#pragma once
// Route table: method + path template ("/api/v1/tokens/{id}") -> handler. Matching is
// by decoded path segments (Boost.URL); a segment "{name}" captures one segment, and
// "{name}.ics" captures a segment that ends in ".ics". Constant after start-up.

#include "server/http/http.hpp"

#include <boost/container/small_vector.hpp>

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace copsched::server {

struct request_context;

// Who may call a route. The dispatcher authenticates before the handler runs.
enum class access { public_route, any_token, admin };

using handler = std::function<task<response>(request_context&)>;

struct route {
    http::verb method;
    std::string path; // template
    access who;
    handler fn;
    std::vector<std::string> segments; // the template split at '/', made by router::add
};

// A route's parameters by name. Inline: most routes have one or two, and every request
// that matches a route with parameters makes them.
using path_params = boost::container::small_vector<std::pair<std::string, std::string>, 3>;

struct route_match {
    const route* found = nullptr; // the matching route, or nullptr
    path_params params;
    // When no route answers: the methods of routes whose path matched (for 405), inline, as
    // a path has few. Empty when one answers.
    boost::container::small_vector<http::verb, 8> allowed;
};

class router {
public:
    // The most segments a route template may have ("/api/v1/a/{b}/c" has five).
    static constexpr std::size_t max_segments = 12;
    void add(http::verb method, std::string path, access who, handler fn);
    // `path` is the request target's path, percent-encoded as received.
    route_match match(http::verb method, std::string_view path) const;
    const std::vector<route>& routes() const noexcept { return routes_; }

private:
    std::vector<route> routes_;
    // Indexes into routes_ by their number of segments and then their first segment: a
    // request is compared only with the routes of its length that can match its first
    // segment ("api", "feeds", ...). A group holds, in the order they were added, the
    // routes starting with its literal and those starting with a parameter; `any` holds
    // the latter alone, for a first segment no group has.
    struct first_segment_group {
        std::string literal;
        std::vector<std::size_t> routes;
    };
    struct length_index {
        std::vector<first_segment_group> groups;
        std::vector<std::size_t> any;
    };
    std::array<length_index, max_segments + 1> by_length_;
};

// A request target in origin-form (RFC 9112, 3.2.1: absolute-path [ "?" query ]),
// still percent-encoded; `query` is empty when there is none (and after a bare "?").
struct origin_form {
    std::string_view path;
    std::string_view query;
};
// Splits `target`, or nullopt when it is not origin-form: every character is checked
// against RFC 3986's pchar, query and pct-encoded rules. Accepts exactly what Boost.URL's
// parse_origin_form accepts (tests/server/http/router_test.cpp compares them), at a
// tenth of its cost: it runs for every request and allocates nothing.
std::optional<origin_form> split_origin_form(std::string_view target) noexcept;

// Splits a percent-encoded path into decoded segments; nullopt for a malformed path.
std::optional<std::vector<std::string>> decode_segments(std::string_view path);

} // namespace copsched::server
