#include "server/pages/html.hpp"

#include "server/api/auth.hpp"
#include "server/pages/charts.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>

using namespace copsched::server;
using namespace copsched::server::pages;

TEST_CASE("escape makes hostile text inert in element text and quoted attributes", "[pages]") {
    CHECK(escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;");
    CHECK(escape("\"><img src=x onerror=alert(1)>") == "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    CHECK(escape("' onmouseover='x") == "&#39; onmouseover=&#39;x");
    CHECK(escape("Tom & Jerry &amp;") == "Tom &amp; Jerry &amp;amp;");
    CHECK(escape("Caf\xc3\xa9 \xf0\x9f\x99\x82") == "Caf\xc3\xa9 \xf0\x9f\x99\x82"); // UTF-8 untouched
    CHECK(escape("") == "");
    // Nothing that could open a tag or leave an attribute survives.
    const auto out = escape("<<>>\"\"''&&");
    CHECK(out.find_first_of("<>\"'") == std::string::npos);
}

TEST_CASE("only absolute http and https links become links", "[pages]") {
    CHECK(safe_link("https://meet.example.org/abc?x=1&y=2") == "https://meet.example.org/abc?x=1&y=2");
    CHECK(safe_link("HTTP://Example.org/") == "HTTP://Example.org/");
    CHECK(safe_link("javascript:alert(1)") == "");
    CHECK(safe_link("JavaScript:alert(1)") == "");
    CHECK(safe_link(" javascript:alert(1)") == "");
    CHECK(safe_link("java\tscript:alert(1)") == "");
    CHECK(safe_link("data:text/html,<script>alert(1)</script>") == "");
    CHECK(safe_link("vbscript:msgbox") == "");
    CHECK(safe_link("//evil.example/") == "");
    CHECK(safe_link("/relative") == "");
    CHECK(safe_link("https://") == "");
    CHECK(safe_link("https://x.example/\"onmouseover=alert(1)") == "");
    CHECK(safe_link("https://x.example/a b") == "");
    CHECK(safe_link("https://x.example/\n") == "");
}

TEST_CASE("a page carries a CSP without inline script, no framing, and no inline script or style", "[pages]") {
    page p;
    p.title = "<script>alert(1)</script>";
    p.body = "<p>" + escape("<b>x</b>") + "</p>";
    p.language = lang::en;
    const auto res = html_response(p, 11, true);
    const std::string csp(res["Content-Security-Policy"]);
    CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
    CHECK(csp.find("script-src 'self'") != std::string::npos);
    CHECK(csp.find("unsafe-inline") == std::string::npos);
    CHECK(csp.find("unsafe-eval") == std::string::npos);
    CHECK(res["X-Frame-Options"] == "DENY");
    CHECK(res[http::field::cache_control] == "no-store");
    CHECK(res["Referrer-Policy"] == "no-referrer");
    const auto& html = res.body().str();
    CHECK(html.find("<html lang=\"en\">") != std::string::npos);
    CHECK(html.find("<title>&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(html.find("<script>") == std::string::npos); // only <script src=...>
    CHECK(html.find("<style") == std::string::npos);
    CHECK(html.find("style=") == std::string::npos);
    CHECK(html.find("<script src=\"/assets/copsched.js\" defer></script>") != std::string::npos);
}

TEST_CASE("forms decode plus, percent and repeated fields", "[pages]") {
    auto f = parse_form("a=1&b=x+y%21&person_id=p1&person_id=p2&empty=");
    REQUIRE(f);
    CHECK(f->get("a") == "1");
    CHECK(f->get("b") == "x y!");
    CHECK(f->get("missing").empty());
    CHECK(f->has("empty"));
    CHECK_FALSE(f->has("missing"));
    CHECK(f->all("person_id") == std::vector<std::string>{"p1", "p2"});
    CHECK_FALSE(parse_form("a=%zz"));
}

TEST_CASE("charts escape their labels and draw each quarter's rate", "[pages]") {
    std::vector<chart_row> rows{{"<script>x</script> & Co", {0.5, std::nullopt, 1.0, 0.0}},
                                {std::string(40, 'a'), {0.25, 0.25, 0.25, 0.25}}};
    const auto svg = quarter_rate_chart("Rate \"per\" <org>", rows, lang::nl);
    CHECK(svg.starts_with("<svg "));
    CHECK(svg.find("role=\"img\"") != std::string::npos);
    CHECK(svg.find("aria-label=\"Rate &quot;per&quot; &lt;org&gt;\"") != std::string::npos);
    CHECK(svg.find("<script>") == std::string::npos);
    CHECK(svg.find("&lt;script&gt;x&lt;/script&gt; &amp; Co") != std::string::npos);
    CHECK(svg.find(">50%</text>") != std::string::npos);
    CHECK(svg.find(">100%</text>") != std::string::npos);
    CHECK(svg.find(">0%</text>") != std::string::npos);
    CHECK(svg.find(std::string(29, 'a') + "\xe2\x80\xa6") != std::string::npos); // long label shortened
    CHECK(svg.find(">K1</text>") != std::string::npos);
}

TEST_CASE("personal page tokens name their person and generation and cannot be altered", "[pages][auth]") {
    std::array<unsigned char, 32> k{};
    k.fill(7);
    const feed_key key(k);
    const auto token = key.page_token("per_abc123", 3);
    CHECK(token.starts_with("per_abc123.3."));
    const auto owner = key.check_page_token(token);
    REQUIRE(owner);
    CHECK(owner->person_id == "per_abc123");
    CHECK(owner->generation == 3);
    auto altered = token;
    altered.back() = altered.back() == 'A' ? 'B' : 'A';
    CHECK_FALSE(key.check_page_token(altered));
    auto other_generation = token;
    other_generation.replace(11, 1, "4");
    CHECK_FALSE(key.check_page_token(other_generation));
    CHECK_FALSE(key.check_page_token("per_abc123.x." + token.substr(13)));
    CHECK_FALSE(key.check_page_token(""));
    CHECK_FALSE(key.check_page_token(key.rsvp_token("per_abc123", "3"))); // an RSVP mac is not a page mac
    std::array<unsigned char, 32> k2{};
    k2.fill(8);
    CHECK_FALSE(feed_key(k2).check_page_token(token));
    CHECK(key.sign("x") != key.sign("y"));
    CHECK(key.sign("x") == key.sign("x"));
}
