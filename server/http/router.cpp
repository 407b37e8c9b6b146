#include "server/http/router.hpp"

#include "server/http/text.hpp"

#include <boost/url/parse_path.hpp>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace copsched::server {
namespace {

// Whether `segment` fits the template segment `pattern`; for "{name}" and "{name}.suffix"
// sets `captured` to the part the parameter takes. Allocates nothing.
bool fits(std::string_view pattern, std::string_view segment, std::string_view& captured) noexcept {
    if (pattern.size() >= 2 && pattern.front() == '{') {
        const auto close = pattern.find('}');
        const auto suffix = pattern.substr(close + 1); // e.g. ".ics"
        if (segment.size() <= suffix.size() || !segment.ends_with(suffix)) return false;
        captured = segment.substr(0, segment.size() - suffix.size());
        return true;
    }
    return pattern == segment;
}

// The parameter name of a template segment "{name}..." (empty for a literal one).
std::string_view parameter_name(std::string_view pattern) noexcept {
    if (pattern.size() < 2 || pattern.front() != '{') return {};
    return pattern.substr(1, pattern.find('}') - 1);
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

// RFC 3986: pchar = unreserved / pct-encoded / sub-delims / ":" / "@"; a path adds "/",
// a query "/" and "?". Bit 1: allowed in the path, bit 2: allowed in the query.
constexpr std::array<unsigned char, 256> char_classes = [] {
    std::array<unsigned char, 256> t{};
    const auto set = [&t](unsigned char c, unsigned char bits) { t[c] = bits; };
    for (unsigned char c = 'a'; c <= 'z'; ++c) set(c, 3);
    for (unsigned char c = 'A'; c <= 'Z'; ++c) set(c, 3);
    for (unsigned char c = '0'; c <= '9'; ++c) set(c, 3);
    for (unsigned char c : std::string_view("-._~!$&'()*+,;=:@/")) set(c, 3);
    set('?', 2);
    return t;
}();

constexpr bool is_hex(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Whether every character of `s` has `bit` or is a well-formed percent-escape.
bool well_formed(std::string_view s, unsigned char bit) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (char_classes[c] & bit) continue;
        if (c != '%' || i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
        i += 2;
    }
    return true;
}

} // namespace

std::optional<origin_form> split_origin_form(std::string_view target) noexcept {
    if (target.empty() || target.front() != '/') return std::nullopt;
    const auto question = target.find('?');
    origin_form out{target.substr(0, question), {}};
    if (question != std::string_view::npos) out.query = target.substr(question + 1);
    if (!well_formed(out.path, 1) || !well_formed(out.query, 2)) return std::nullopt;
    return out;
}

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
    if (segments.size() > max_segments) throw std::invalid_argument("route template with too many segments: " + path);
    auto& index = by_length_[segments.size()];
    const auto i = routes_.size();
    if (!parameter_name(segments.front()).empty()) { // starts with a parameter: fits any first segment
        index.any.push_back(i);
        for (auto& g : index.groups) g.routes.push_back(i);
    } else {
        auto g = std::find_if(index.groups.begin(), index.groups.end(),
                              [&](const first_segment_group& x) { return x.literal == segments.front(); });
        if (g == index.groups.end()) g = index.groups.insert(index.groups.end(), {segments.front(), index.any});
        g->routes.push_back(i);
    }
    routes_.push_back({method, std::move(path), who, std::move(fn), std::move(segments)});
}

route_match router::match(http::verb method, std::string_view path) const {
    route_match m;
    // Most paths have no percent-escapes: split them in place; decode only when needed. A
    // request path of more segments than any route matches nothing, so the split stops
    // there and needs no allocation (this runs for every request).
    std::array<std::string_view, max_segments + 1> segments;
    std::size_t count = 0;
    std::optional<std::vector<std::string>> decoded;
    if (path.find('%') != std::string_view::npos) {
        decoded = decode_segments(path);
        if (!decoded || decoded->size() > max_segments) return m;
        for (const auto& d : *decoded) segments[count++] = d;
    } else {
        if (path.empty() || path.front() != '/') return m;
        auto rest = path.substr(1);
        while (true) {
            if (count > max_segments) return m;
            const auto slash = rest.find('/');
            segments[count++] = rest.substr(0, slash);
            if (slash == std::string_view::npos) break;
            rest.remove_prefix(slash + 1);
        }
        if (count > max_segments) return m;
    }
    const auto& same_length = by_length_[count];
    const std::vector<std::size_t>* candidates = &same_length.any;
    for (const auto& g : same_length.groups)
        if (g.literal == segments[0]) {
            candidates = &g.routes;
            break;
        }
    std::array<std::string_view, max_segments> captured;
    for (const auto index : *candidates) {
        const auto& r = routes_[index];
        bool ok = true;
        for (std::size_t i = 0; ok && i < count; ++i) ok = fits(r.segments[i], segments[i], captured[i]);
        if (!ok) continue;
        const bool same = r.method == method || (method == http::verb::head && r.method == http::verb::get);
        if (same) {
            m.found = &r;
            // Only the route that answers gets its parameters as strings; the methods of
            // the others are only needed for a 405, when none answers.
            for (std::size_t i = 0; i < count; ++i)
                if (const auto name = parameter_name(r.segments[i]); !name.empty())
                    m.params.emplace_back(std::string(name), std::string(captured[i]));
            m.allowed.clear();
            return m;
        }
        if (std::find(m.allowed.begin(), m.allowed.end(), r.method) == m.allowed.end()) m.allowed.push_back(r.method);
    }
    return m;
}

} // namespace copsched::server
