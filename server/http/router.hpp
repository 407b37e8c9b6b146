#pragma once
// Route table: method + path template ("/api/v1/tokens/{id}") -> handler. Matching is
// by decoded path segments (Boost.URL); a segment "{name}" captures one segment, and
// "{name}.ics" captures a segment that ends in ".ics". Constant after start-up.

#include "server/http/http.hpp"

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

using path_params = std::vector<std::pair<std::string, std::string>>;

struct route_match {
    const route* found = nullptr; // the matching route, or nullptr
    path_params params;
    std::vector<http::verb> allowed; // methods of routes whose path matched (for 405)
};

class router {
public:
    void add(http::verb method, std::string path, access who, handler fn);
    // `path` is the request target's path, percent-encoded as received.
    route_match match(http::verb method, std::string_view path) const;
    const std::vector<route>& routes() const noexcept { return routes_; }

private:
    std::vector<route> routes_;
};

// Splits a percent-encoded path into decoded segments; nullopt for a malformed path.
std::optional<std::vector<std::string>> decode_segments(std::string_view path);

} // namespace copsched::server
