// The web pages against the real binary over HTTP: the personal page from the signed link
// (escaping, forms with their token, refusals, the link's end at rotation), the API's own
// memberships (/api/v1/me/memberships), and the dashboard's sign-in, session cookie, form
// tokens and sign-out. The browser walks the same pages in tests/pages.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

// The value of the first <input ... name="NAME" value="..."> on a page.
std::string input_value(const std::string& html, const std::string& name) {
    const auto at = html.find("name=\"" + name + "\" value=\"");
    if (at == std::string::npos) return "";
    const auto start = at + name.size() + 15;
    return html.substr(start, html.find('"', start) - start);
}

// The value a Set-Cookie header (lines joined by the harness) gives `name`; "" when none.
std::string cookie_of(const http_reply& r, const std::string& name) {
    const auto all = r.header("set-cookie");
    const auto at = all.find(name + "=");
    if (at == std::string::npos) return "";
    const auto start = at + name.size() + 1;
    return all.substr(start, all.find(';', start) - start);
}

std::string path_of(const std::string& url) { return url.substr(url.find('/', url.find("://") + 3)); }

const std::map<std::string, std::string> form_type{{"Content-Type", "application/x-www-form-urlencoded"}};

struct world {
    server_process s;
    std::string person, page, organiser;
    world() {
        const auto org = s.call("GET", "/api/v1/programmes/gdci-2/organisations", s.admin_token).json();
        const auto created = s.call("POST", "/api/v1/programmes/gdci-2/people", s.admin_token,
                                    R"({"name":"<script>alert(1)</script> Eve \"><img src=x onerror=alert(2)>",)"
                                    R"("email":"eve@example.org","role":"buyer","language":"nl","organisation_id":")" +
                                        str(org.at("items").at(0), "id") + "\"}");
        REQUIRE(created.status == 201);
        person = str(created.json(), "id");
        const auto groups = s.call("GET", "/api/v1/programmes/gdci-2/working-groups", s.admin_token).json();
        REQUIRE(s.call("POST", "/api/v1/working-groups/" + str(groups.at("items").at(0), "id") + "/members",
                       s.admin_token, R"({"person_id":")" + person + R"(","from":"2020-01-01"})")
                    .status == 201);
        page = path_of(str(s.call("GET", "/api/v1/people/" + person, s.admin_token).json(), "page_url"));
        organiser = str(
            s.call("POST", "/api/v1/tokens", s.admin_token, R"({"name":"o","role":"organiser","programme":"gdci-2"})")
                .json(),
            "token");
    }
};

} // namespace

TEST_CASE("the personal page escapes every text, carries its security headers and works only for its person",
          "[pages]") {
    world w;
    REQUIRE(w.page.starts_with("/my/" + w.person + ".0."));
    const auto r = w.s.request("GET", w.page);
    REQUIRE(r.status == 200);
    CHECK(r.header("content-type") == "text/html; charset=utf-8");
    CHECK(r.header("cache-control") == "no-store");
    CHECK(r.header("content-security-policy").find("frame-ancestors 'none'") != std::string::npos);
    CHECK(r.header("content-security-policy").find("unsafe-inline") == std::string::npos);
    CHECK(r.header("referrer-policy") == "no-referrer");
    CHECK(r.body.find("<script>alert(1)") == std::string::npos);
    CHECK(r.body.find("<img src=x") == std::string::npos);
    CHECK(r.body.find("&lt;script&gt;alert(1)&lt;/script&gt; Eve &quot;&gt;&lt;img src=x onerror=alert(2)&gt;") !=
          std::string::npos);
    CHECK(r.body.find("<script src=\"/assets/copsched.js\" defer></script>") != std::string::npos);
    CHECK(r.body.find("webcal://") != std::string::npos);
    CHECK(w.s.request("GET", "/assets/copsched.css").header("content-type") == "text/css; charset=utf-8");

    // Altered, another person's, unknown: 404 pages.
    auto altered = w.page;
    altered.back() = altered.back() == 'A' ? 'B' : 'A';
    CHECK(w.s.request("GET", altered).status == 404);
    CHECK(w.s.request("GET", "/my/nonsense").status == 404);
    // Rotating the feed URL ends the old page link and gives a new one.
    const auto participant =
        str(w.s.call("POST", "/api/v1/tokens", w.s.admin_token,
                     R"({"name":"p","role":"participant","programme":"gdci-2","person_id":")" + w.person + "\"}")
                .json(),
            "token");
    const auto rotated = w.s.call("POST", "/api/v1/people/" + w.person + "/feed-token", participant);
    REQUIRE(rotated.status == 200);
    const auto new_page = path_of(str(rotated.json(), "page_url"));
    CHECK(new_page != w.page);
    CHECK(w.s.request("GET", w.page).status == 404);
    CHECK(w.s.request("GET", new_page).status == 200);
    // The personal feed's description leads to the page; no log line holds the link.
    const auto feed = w.s.request("GET", path_of(str(rotated.json(), "feed_url"))).body;
    CHECK(feed.find("/my/" + w.person + ".1.") != std::string::npos);
    CHECK(w.s.log().find(new_page) == std::string::npos);
}

TEST_CASE("the personal page's forms need the page's form token and show the API's refusals", "[pages]") {
    world w;
    const auto html = w.s.request("GET", w.page).body;
    const auto token = input_value(html, "form_token");
    REQUIRE(!token.empty());
    // Without the form token: 403 naming the field, and nothing changes.
    auto forged = w.s.request("POST", w.page + "/reminders", "opt_out=true", form_type);
    CHECK(forged.status == 403);
    CHECK(forged.body.find("\"field\":\"form_token\"") != std::string::npos);
    CHECK(w.s.call("GET", "/api/v1/people/" + w.person, w.s.admin_token).json().at("reminders_opt_out") == false);
    // With it: 303 back to the page, and the API shows the opt-out.
    auto done = w.s.request("POST", w.page + "/reminders", "opt_out=true&form_token=" + token, form_type);
    CHECK(done.status == 303);
    CHECK(done.header("location") == w.page + "?note=reminders#reminders");
    CHECK(w.s.call("GET", "/api/v1/people/" + w.person, w.s.admin_token).json().at("reminders_opt_out") == true);
    // A bad value names the field on the page.
    auto bad = w.s.request("POST", w.page + "/reminders", "opt_out=maybe&form_token=" + token, form_type);
    CHECK(bad.status == 422);
    CHECK(bad.body.find("opt_out: must be true or false") != std::string::npos);
    // The only working group cannot be left: the page says why.
    const auto mine = w.s.request("GET", w.page).body;
    CHECK(mine.find("/leave\"") == std::string::npos);
    const auto participant =
        str(w.s.call("POST", "/api/v1/tokens", w.s.admin_token,
                     R"({"name":"p","role":"participant","programme":"gdci-2","person_id":")" + w.person + "\"}")
                .json(),
            "token");
    const auto memberships = w.s.call("GET", "/api/v1/me/memberships", participant).json();
    REQUIRE(memberships.at("items").as_array().size() == 1);
    const auto only = str(memberships.at("items").at(0), "id");
    auto last = w.s.request("POST", w.page + "/groups/" + only + "/leave", "form_token=" + token, form_type);
    CHECK(last.status == 422);
    CHECK(last.body.find("working_group_id: you must stay in at least one working group") != std::string::npos);
}

TEST_CASE("a participant joins and leaves working groups through /api/v1/me/memberships, never the last one",
          "[pages][attendance]") {
    world w;
    const auto participant =
        str(w.s.call("POST", "/api/v1/tokens", w.s.admin_token,
                     R"({"name":"p","role":"participant","programme":"gdci-2","person_id":")" + w.person + "\"}")
                .json(),
            "token");
    const auto groups = w.s.call("GET", "/api/v1/programmes/gdci-2/working-groups", w.s.admin_token).json();
    const auto second = str(groups.at("items").at(1), "id");
    auto joined = w.s.call("POST", "/api/v1/me/memberships", participant, R"({"working_group_id":")" + second + "\"}");
    REQUIRE(joined.status == 201);
    CHECK(str(joined.json().at("working_group"), "id") == second);
    CHECK(joined.json().at("current") == true);
    const auto membership = str(joined.json(), "id");
    // Twice: 409; unknown group or field: 422 naming it; admins have no person: 403.
    CHECK(w.s.call("POST", "/api/v1/me/memberships", participant, R"({"working_group_id":")" + second + "\"}").status ==
          409);
    auto unknown = w.s.call("POST", "/api/v1/me/memberships", participant, R"({"working_group_id":"wg_nope"})");
    CHECK(unknown.status == 422);
    CHECK(unknown.body.find("\"field\":\"working_group_id\"") != std::string::npos);
    auto extra = w.s.call("POST", "/api/v1/me/memberships", participant, R"({"working_group_id":"x","role":"chair"})");
    CHECK(extra.status == 422);
    CHECK(extra.body.find("\"field\":\"role\"") != std::string::npos);
    CHECK(w.s.call("GET", "/api/v1/me/memberships", w.s.admin_token).status == 403);
    auto list = w.s.call("GET", "/api/v1/me/memberships", participant).json();
    CHECK(list.at("items").as_array().size() == 2);
    // Leave the new one; then the first cannot be left.
    auto left = w.s.call("DELETE", "/api/v1/me/memberships/" + membership, participant);
    REQUIRE(left.status == 200);
    CHECK(left.json().at("until").is_string());
    list = w.s.call("GET", "/api/v1/me/memberships", participant).json();
    std::string first;
    for (const auto& m : list.at("items").as_array())
        if (str(m, "id") != membership) first = str(m, "id");
    auto last = w.s.call("DELETE", "/api/v1/me/memberships/" + first, participant);
    CHECK(last.status == 422);
    CHECK(last.body.find("at least one working group") != std::string::npos);
    CHECK(w.s.call("DELETE", "/api/v1/me/memberships/mem_nope", participant).status == 404);
    // The audit trail says the person did it.
    CHECK(w.s.call("GET", "/api/v1/audit?object_id=" + membership, w.s.admin_token).body.find("membership.leave") !=
          std::string::npos);
}

TEST_CASE("the dashboard exchanges a token for an HttpOnly SameSite=Strict session, checks form tokens and signs out",
          "[pages]") {
    world w;
    auto home = w.s.request("GET", "/dashboard");
    CHECK(home.status == 303);
    CHECK(home.header("location") == "/dashboard/sign-in");
    CHECK(w.s.request("GET", "/dashboard/programmes/gdci-2").status == 303);

    const auto form = w.s.request("GET", "/dashboard/sign-in");
    REQUIRE(form.status == 200);
    const auto nonce = cookie_of(form, "copsched_signin");
    const auto form_token = input_value(form.body, "form_token");
    REQUIRE(!nonce.empty());
    CHECK(form.header("set-cookie").find("HttpOnly; SameSite=Strict") != std::string::npos);
    CHECK(form.header("set-cookie").find("Secure") == std::string::npos); // plain http here

    // A form from elsewhere (no sign-in cookie): refused.
    CHECK(w.s.request("POST", "/dashboard/sign-in", "token=" + w.organiser + "&form_token=" + form_token, form_type)
              .status == 403);
    std::map<std::string, std::string> with_nonce = form_type;
    with_nonce["Cookie"] = "copsched_signin=" + nonce;
    // A wrong token: 401 and the form again.
    auto wrong = w.s.request("POST", "/dashboard/sign-in", "token=cps_nope&form_token=" + form_token, with_nonce);
    CHECK(wrong.status == 401);
    CHECK(wrong.body.find("name=\"token\"") != std::string::npos);
    // The right one: a session cookie, never the token itself.
    auto in =
        w.s.request("POST", "/dashboard/sign-in", "token=" + w.organiser + "&form_token=" + form_token, with_nonce);
    REQUIRE(in.status == 303);
    CHECK(in.header("location") == "/dashboard");
    const auto session = cookie_of(in, "copsched_session");
    REQUIRE(session.size() >= 40);
    CHECK(in.header("set-cookie")
              .find("copsched_session=" + session + "; Path=/dashboard; Max-Age=28800; HttpOnly; SameSite=Strict") !=
          std::string::npos);
    CHECK(in.header("set-cookie").find(w.organiser) == std::string::npos);

    const std::map<std::string, std::string> signed_in{{"Cookie", "copsched_session=" + session}};
    home = w.s.request("GET", "/dashboard", {}, signed_in);
    CHECK(home.status == 303);
    CHECK(home.header("location") == "/dashboard/programmes/gdci-2");
    auto year = w.s.request("GET", "/dashboard/programmes/gdci-2?year=2026&lang=en", {}, signed_in);
    REQUIRE(year.status == 200);
    CHECK(year.body.find("King&#39;s Day") != std::string::npos);
    CHECK(year.header("content-security-policy").find("frame-ancestors 'none'") != std::string::npos);
    const auto session_form = input_value(year.body, "form_token");
    REQUIRE(!session_form.empty());
    // Every form needs the session's form token.
    std::map<std::string, std::string> post = form_type;
    post["Cookie"] = "copsched_session=" + session;
    auto no_token = w.s.request("POST", "/dashboard/programmes/gdci-2/plan", "year=2026", post);
    CHECK(no_token.status == 403);
    CHECK(no_token.body.find("form_token") != std::string::npos);
    auto plan = w.s.request("GET", "/dashboard/programmes/gdci-2/plan?year=2026", {}, signed_in);
    CHECK(plan.status == 200);
    CHECK(plan.body.find("id=\"book-plan\"") != std::string::npos);
    auto reports = w.s.request("GET", "/dashboard/programmes/gdci-2/reports?year=2026", {}, signed_in);
    CHECK(reports.status == 200);
    CHECK(reports.body.find("attendance.csv?by=working_group") != std::string::npos);
    auto csv = w.s.request("GET", "/dashboard/programmes/gdci-2/reports/commitments.csv?year=2026", {}, signed_in);
    CHECK(csv.status == 200);
    CHECK(csv.header("content-type").starts_with("text/csv"));
    auto bad_by =
        w.s.request("GET", "/dashboard/programmes/gdci-2/reports/attendance.csv?by=person&year=2026", {}, signed_in);
    CHECK(bad_by.status == 422);
    CHECK(bad_by.body.find("\"field\":\"by\"") != std::string::npos);
    CHECK(w.s.request("GET", "/dashboard/programmes/gdci-2/outbox", {}, signed_in).status == 200);

    // Sign out: the session ends in the database, not just in the browser.
    auto out = w.s.request("POST", "/dashboard/sign-out", "form_token=" + session_form, post);
    CHECK(out.status == 303);
    CHECK(out.header("set-cookie").find("copsched_session=; Path=/dashboard; Max-Age=0") != std::string::npos);
    CHECK(w.s.request("GET", "/dashboard/programmes/gdci-2", {}, signed_in).status == 303);
    // Revoking the token ends its sessions too; nothing in the log names token or session.
    CHECK(w.s.log().find(session) == std::string::npos);
    CHECK(w.s.log().find(w.organiser) == std::string::npos);
}

TEST_CASE("a revoked token's dashboard session ends, and cookies are Secure behind https", "[pages]") {
    server_process s({"--public-url", "https://cop.example.org"});
    const auto created =
        s.call("POST", "/api/v1/tokens", s.admin_token, R"({"name":"o","role":"organiser","programme":"gdci-2"})")
            .json();
    const auto token = str(created, "token");
    const auto form = s.request("GET", "/dashboard/sign-in");
    CHECK(form.header("set-cookie").find("; Secure") != std::string::npos);
    std::map<std::string, std::string> with_nonce = form_type;
    with_nonce["Cookie"] = "copsched_signin=" + cookie_of(form, "copsched_signin");
    auto in = s.request("POST", "/dashboard/sign-in",
                        "token=" + token + "&form_token=" + input_value(form.body, "form_token"), with_nonce);
    REQUIRE(in.status == 303);
    CHECK(in.header("set-cookie").find("HttpOnly; SameSite=Strict; Secure") != std::string::npos);
    const std::map<std::string, std::string> signed_in{
        {"Cookie", "copsched_session=" + cookie_of(in, "copsched_session")}};
    CHECK(s.request("GET", "/dashboard/programmes/gdci-2", {}, signed_in).status == 200);
    REQUIRE(s.call("DELETE", "/api/v1/tokens/" + str(created, "id"), s.admin_token).status == 204);
    CHECK(s.request("GET", "/dashboard/programmes/gdci-2", {}, signed_in).status == 303);
}

TEST_CASE("an organiser scoped to working groups sees their sessions and their groups' report only", "[pages]") {
    server_process s;
    const auto groups = s.call("GET", "/api/v1/programmes/gdci-2/working-groups", s.admin_token).json();
    const auto mine = str(groups.at("items").at(0), "id"), other = str(groups.at("items").at(1), "id");
    for (const auto& [group, title] : {std::pair{mine, "Eigen sessie"}, std::pair{other, "Andere sessie"}}) {
        auto r = s.call(
            "POST", "/api/v1/programmes/gdci-2/events", s.admin_token,
            R"({"kind":"working_group_session","title":")" + std::string(title) + R"(","working_group_id":")" + group +
                R"(","start":"2026-03-10T14:00","end":"2026-03-10T16:00","accept_conflicts":["members_busy","public_holiday","school_holiday"]})");
        REQUIRE(r.status == 201);
    }
    const auto token =
        str(s.call("POST", "/api/v1/tokens", s.admin_token,
                   R"({"name":"scoped","role":"organiser","programme":"gdci-2","working_groups":[")" + mine + "\"]}")
                .json(),
            "token");
    const auto form = s.request("GET", "/dashboard/sign-in");
    std::map<std::string, std::string> with_nonce = form_type;
    with_nonce["Cookie"] = "copsched_signin=" + cookie_of(form, "copsched_signin");
    auto in = s.request("POST", "/dashboard/sign-in",
                        "token=" + token + "&form_token=" + input_value(form.body, "form_token"), with_nonce);
    REQUIRE(in.status == 303);
    const std::map<std::string, std::string> signed_in{
        {"Cookie", "copsched_session=" + cookie_of(in, "copsched_session")}};
    const auto year = s.request("GET", "/dashboard/programmes/gdci-2?year=2026", {}, signed_in);
    REQUIRE(year.status == 200);
    CHECK(year.body.find("Eigen sessie") != std::string::npos);
    CHECK(year.body.find("Andere sessie") == std::string::npos);
    const auto reports = s.request("GET", "/dashboard/programmes/gdci-2/reports?year=2026", {}, signed_in);
    REQUIRE(reports.status == 200);
    CHECK(reports.body.find("attendance.csv?by=working_group") != std::string::npos);
    CHECK(reports.body.find("attendance.csv?by=organisation") == std::string::npos);
    CHECK(reports.body.find("commitments.csv") == std::string::npos);
    // The plan is the programme's organisers' business: the API's refusal, on the page.
    const auto plan = s.request("GET", "/dashboard/programmes/gdci-2/plan?year=2026", {}, signed_in);
    CHECK(plan.status == 403);
    CHECK(plan.body.find("Only the programme&#39;s organisers plan its meetings.") != std::string::npos);
}

TEST_CASE("the event page warns when more people accepted than the venue holds", "[pages]") {
    server_process s;
    const auto& admin = s.admin_token;
    const auto make = [&](const std::string& token, const std::string& path, const std::string& body,
                          const char* field = "id") {
        auto r = s.call("POST", path, token, body);
        INFO(path << " " << body << " -> " << r.body);
        REQUIRE(r.status == 201);
        return str(r.json(), field);
    };
    make(admin, "/api/v1/programmes",
         R"({"slug":"klein","name":"Klein","starts_on":"2020-01-01","ends_on":"2035-12-31"})", "slug");
    const std::string base = "/api/v1/programmes/klein";
    const auto organiser =
        make(admin, "/api/v1/tokens", R"({"name":"o","role":"organiser","programme":"klein"})", "token");
    const auto org =
        make(organiser, base + "/organisations", R"({"name":"Gemeente","kind":"government","level":"starter"})");
    const auto group = make(organiser, base + "/working-groups", R"({"slug":"ict","name":"ICT"})");
    const auto venue = make(organiser, base + "/venues", R"({"name":"Kleine zaal","capacity":1})");
    std::vector<std::string> participants;
    for (const auto* name : {"Anna", "Bram"}) {
        const auto person = make(organiser, base + "/people",
                                 R"({"name":")" + std::string(name) + R"(","email":")" + name +
                                     R"(@example.org","organisation_id":")" + org + R"(","role":"buyer"})");
        make(organiser, "/api/v1/working-groups/" + group + "/members",
             R"({"person_id":")" + person + R"(","from":"2020-01-01"})");
        participants.push_back(
            make(admin, "/api/v1/tokens",
                 R"({"name":"p","role":"participant","programme":"klein","person_id":")" + person + "\"}", "token"));
    }
    // Two invited, a room for one: booked only when the organiser accepts the conflict.
    const std::string session = R"({"kind":"working_group_session","title":"ICT","working_group_id":")" + group +
                                R"(","venue_id":")" + venue +
                                R"(","start":"2030-03-12T14:00","end":"2030-03-12T16:00")";
    const auto refused = s.call("POST", base + "/events", organiser, session + "}");
    CHECK(refused.status == 409);
    CHECK(refused.body.find("venue_capacity") != std::string::npos);
    const auto event = make(organiser, base + "/events",
                            session + R"(,"accept_conflicts":["venue_capacity","members_busy","public_holiday",)"
                                      R"("school_holiday","blackout"]})");

    const auto form = s.request("GET", "/dashboard/sign-in");
    std::map<std::string, std::string> with_nonce = form_type;
    with_nonce["Cookie"] = "copsched_signin=" + cookie_of(form, "copsched_signin");
    auto in = s.request("POST", "/dashboard/sign-in",
                        "token=" + organiser + "&form_token=" + input_value(form.body, "form_token"), with_nonce);
    REQUIRE(in.status == 303);
    const std::map<std::string, std::string> signed_in{
        {"Cookie", "copsched_session=" + cookie_of(in, "copsched_session")}, {"Accept-Language", "en"}};
    const auto page = [&] {
        auto r = s.request("GET", "/dashboard/events/" + event, {}, signed_in);
        REQUIRE(r.status == 200);
        return r.body;
    };
    const auto before = page();
    CHECK(before.find("Venue capacity: 1") != std::string::npos);
    CHECK(before.find("More acceptances than places") == std::string::npos);

    for (const auto& token : participants)
        REQUIRE(s.call("PUT", "/api/v1/me/events/" + event + "/rsvp", token, R"({"rsvp":"accepted"})").status == 200);
    const auto after = page();
    CHECK(after.find("<p class=\"note warn\" role=\"alert\">More acceptances than places: 2 people accepted; the "
                     "venue &#39;Kleine zaal&#39; holds 1.</p>") != std::string::npos);
}
