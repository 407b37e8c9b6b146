#pragma once
// Charts drawn on the server as inline SVG (no script, no other site): attendance rates
// per quarter, one group of four bars per row. Pure functions; every label is escaped.

#include "server/pages/html.hpp"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace copsched::server::pages {

struct chart_row {
    std::string label;
    std::array<std::optional<double>, 4> quarters; // rates 0..1; nullopt: no event held
};

// A horizontal bar chart: per row its label and four bars (Q1..Q4) with the rate in
// percent beside each, a legend, and `title` as the accessible name (role="img").
std::string quarter_rate_chart(const std::string& title, const std::vector<chart_row>& rows, lang l);

} // namespace copsched::server::pages
