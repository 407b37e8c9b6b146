#include "server/pages/charts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace copsched::server::pages {

namespace {
// Quarter colours: dark enough against white for bars (WCAG 1.4.11, 3:1).
constexpr std::array<const char*, 4> quarter_colours{"#0b5cad", "#17663a", "#8a4b00", "#5c2d91"};

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}
// At most `max` code points of UTF-8 text, with an ellipsis when it was longer.
std::string shortened(const std::string& text, std::size_t max) {
    std::size_t points = 0, cut = text.size();
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
        if (points == max - 1) cut = i;
        if (++points > max) return text.substr(0, cut) + "\xe2\x80\xa6";
    }
    return text;
}
} // namespace

std::string quarter_rate_chart(const std::string& title, const std::vector<chart_row>& rows, lang l) {
    constexpr double width = 640, label_width = 210, bar_height = 11, gap = 3, row_gap = 14, top = 34;
    constexpr double plot_width = width - label_width - 60;
    const double row_height = 4 * (bar_height + gap) + row_gap;
    const double height = top + static_cast<double>(rows.size()) * row_height + 10;
    std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"" + escape(title) +
                    "\" viewBox=\"0 0 " + number(width) + " " + number(height) + "\" width=\"" + number(width) +
                    "\" height=\"" + number(height) + "\"><title>" + escape(title) + "</title>";
    // Legend.
    for (std::size_t q = 0; q < 4; ++q) {
        const double x = label_width + static_cast<double>(q) * 70;
        s += "<rect x=\"" + number(x) + "\" y=\"6\" width=\"12\" height=\"12\" fill=\"" + quarter_colours[q] +
             "\"/><text x=\"" + number(x + 16) + "\" y=\"16\" font-size=\"12\" fill=\"#1b1f24\">" +
             (l == lang::en ? "Q" : "K") + std::to_string(q + 1) + "</text>";
    }
    // Axis lines at 0, 50 and 100 %.
    for (int pct : {0, 50, 100}) {
        const double x = label_width + plot_width * pct / 100.0;
        s += "<line x1=\"" + number(x) + "\" y1=\"" + number(top - 6) + "\" x2=\"" + number(x) + "\" y2=\"" +
             number(height - 8) + "\" stroke=\"#c9d1d9\"/>";
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const double y0 = top + static_cast<double>(i) * row_height;
        const auto label = shortened(rows[i].label, 30);
        s += "<text x=\"0\" y=\"" + number(y0 + 2 * (bar_height + gap)) + "\" font-size=\"13\" fill=\"#1b1f24\">" +
             escape(label) + "</text>";
        for (std::size_t q = 0; q < 4; ++q) {
            const double y = y0 + static_cast<double>(q) * (bar_height + gap);
            const auto& v = rows[i].quarters[q];
            if (!v) {
                s += "<text x=\"" + number(label_width + 2) + "\" y=\"" + number(y + bar_height - 1) +
                     "\" font-size=\"11\" fill=\"#4a5560\">\xe2\x80\x94</text>";
                continue;
            }
            const double rate = std::clamp(*v, 0.0, 1.0);
            const double w = std::max(1.0, plot_width * rate);
            s += "<rect x=\"" + number(label_width) + "\" y=\"" + number(y) + "\" width=\"" + number(w) +
                 "\" height=\"" + number(bar_height) + "\" fill=\"" + quarter_colours[q] + "\"/><text x=\"" +
                 number(label_width + w + 4) + "\" y=\"" + number(y + bar_height - 1) +
                 "\" font-size=\"11\" fill=\"#1b1f24\">" + std::to_string(static_cast<int>(std::lround(rate * 100))) +
                 "%</text>";
        }
    }
    s += "</svg>";
    return s;
}

} // namespace copsched::server::pages
