#include "server/http/router.hpp"

#include "server/http/text.hpp"

#include <boost/url/parse_path.hpp>

#include <algorithm>

namespace copsched::server {
namespace {

bool match_segment(std::string_view pattern, std::string_view segment, path_params& out) {
    if (pattern.size() >= 2 && pattern.front() == '{') {
        const auto close = pattern.find('}');
        const auto name = pattern.substr(1, close - 1);
        const auto suffix = pattern.substr(close + 1); // e.g. ".ics"
        if (segment.size() <= suffix.size() || !segment.ends_with(suffix)) return false;
        out.emplace_back(std::string(name), std::string(segment.substr(0, segment.size() - suffix.size())));
        return true;
    }
    return pattern == segment;
}

std::vector<std::string> split_template(std::string_view path) {
    std::vector<std::string> out;
    path.remove_prefix(1); // leading '/'
    while (true) {
        const auto slash = path.find('/');
        out.emplace_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

} // namespace

std::optional<std::vector<std::string>> decode_segments(std::string_view path) {
    auto parsed = boost::urls::parse_path(path);
    if (!parsed || path.empty() || path.front() != '/') return std::nullopt;
    std::vector<std::string> out;
    for (auto seg : *parsed) {
        // A segment that decodes to bytes no resource is named with (not UTF-8, or a
        // control character such as %00) matches nothing.
        out.push_back(seg.decode());
        if (!text_problem(out.back(), out.back().size(), false).empty()) return std::nullopt;
    }
    if (out.empty()) out.emplace_back(); // "/" is one empty segment
    return out;
}

void router::add(http::verb method, std::string path, access who, handler fn) {
    auto segments = split_template(path);
    routes_.push_back({method, std::move(path), who, std::move(fn), std::move(segments)});
}

route_match router::match(http::verb method, std::string_view path) const {
    route_match m;
    // Most paths have no percent-escapes: split them in place; decode only when needed.
    std::vector<std::string_view> segments;
    std::optional<std::vector<std::string>> decoded;
    if (path.find('%') != std::string_view::npos) {
        decoded = decode_segments(path);
        if (!decoded) return m;
        segments.assign(decoded->begin(), decoded->end());
    } else {
        if (path.empty() || path.front() != '/') return m;
        auto rest = path.substr(1);
        while (true) {
            const auto slash = rest.find('/');
            segments.push_back(rest.substr(0, slash));
            if (slash == std::string_view::npos) break;
            rest.remove_prefix(slash + 1);
        }
    }
    for (const auto& r : routes_) {
        if (r.segments.size() != segments.size()) continue;
        path_params params;
        bool ok = true;
        for (std::size_t i = 0; ok && i < segments.size(); ++i) ok = match_segment(r.segments[i], segments[i], params);
        if (!ok) continue;
        const bool same = r.method == method || (method == http::verb::head && r.method == http::verb::get);
        if (same && !m.found) {
            m.found = &r;
            m.params = std::move(params);
        }
        if (std::find(m.allowed.begin(), m.allowed.end(), r.method) == m.allowed.end()) m.allowed.push_back(r.method);
    }
    return m;
}

} // namespace copsched::server
