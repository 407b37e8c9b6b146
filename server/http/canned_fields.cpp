#include "server/http/http.hpp"

namespace copsched::server {

void expand_canned_fields(response& res) {
    auto lines = res.body().canned_fields();
    if (lines.empty()) return;
    // Copied first: the lines live in the body's owner, which dropping them releases.
    const std::string copy(lines);
    res.body().drop_canned_fields();
    std::string_view rest = copy;
    while (!rest.empty()) {
        const auto end = rest.find("\r\n");
        const auto line = rest.substr(0, end);
        const auto colon = line.find(':');
        if (colon != std::string_view::npos) {
            auto value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            res.insert(line.substr(0, colon), value);
        }
        if (end == std::string_view::npos) break;
        rest.remove_prefix(end + 2);
    }
}

} // namespace copsched::server
