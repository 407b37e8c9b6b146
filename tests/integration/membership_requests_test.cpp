// Approval of membership changes against the real binary over HTTP: the programme setting
// memberships.approval, the 202 requests that POST and DELETE /api/v1/me/memberships make
// when it is `organiser`, the participant's own list and withdrawal, the organisers' list,
// approval (the change made, the feed changed) and decline, and what scoped organisers may.
// The dashboard's page of requests and the personal page's note are here too; the browser
// walks them in tests/pages.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

std::string path_of(const std::string& url) { return url.substr(url.find('/', url.find("://") + 3)); }

// The value of the first <input ... name="NAME" value="..."> on a page.
std::string input_value(const std::string& html, const std::string& name) {
    const auto at = html.find("name=\"" + name + "\" value=\"");
    if (at == std::string::npos) return "";
    const auto start = at + name.size() + 15;
    return html.substr(start, html.find('"', start) - start);
}

std::string cookie_of(const http_reply& r, const std::string& name) {
    const auto all = r.header("set-cookie");
    const auto at = all.find(name + "=");
    if (at == std::string::npos) return "";
    const auto start = at + name.size() + 1;
    return all.substr(start, all.find(';', start) - start);
}

// YYYY-MM-DD of the first Wednesday at least `days` from today (UTC): a working day.
std::string wednesday_in(int days) {
    auto d = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) + std::chrono::days(days);
    while (std::chrono::weekday{d} != std::chrono::Wednesday) d += std::chrono::days(1);
    const std::chrono::year_month_day ymd{d};
    char out[16];
    std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return out;
}

const std::map<std::string, std::string> form_type{{"Content-Type", "application/x-www-form-urlencoded"}};

// The demo programme with one new person in group A, a participant token for them, an
// organiser of the whole programme and one scoped to group B.
struct world {
    server_process s;
    std::string organiser, participant, person, group_a, group_b, group_c, scoped_to_c;
    const std::string p = "/api/v1/programmes/gdci-2";

    std::string make(const std::string& token, const std::string& path, const std::string& body,
                     const char* field = "id") {
        auto r = s.call("POST", path, token, body);
        INFO(path << " " << r.body);
        REQUIRE(r.status == 201);
        return str(r.json(), field);
    }

    world() {
        organiser =
            make(s.admin_token, "/api/v1/tokens", R"({"name":"o","role":"organiser","programme":"gdci-2"})", "token");
        const auto org = make(organiser, p + "/organisations",
                              R"({"name":"Gemeente Aanvraag","kind":"government","level":"starter"})");
        person = make(organiser, p + "/people",
                      R"({"name":"Rosa Verzoek","email":"rosa@example.org","organisation_id":")" + org +
                          R"(","role":"buyer","language":"en"})");
        participant =
            make(s.admin_token, "/api/v1/tokens",
                 R"({"name":"p","role":"participant","programme":"gdci-2","person_id":")" + person + "\"}", "token");
        group_a = make(organiser, p + "/working-groups", R"({"slug":"req-a","name":"Groep A"})");
        group_b = make(organiser, p + "/working-groups", R"({"slug":"req-b","name":"Groep B"})");
        group_c = make(organiser, p + "/working-groups", R"({"slug":"req-c","name":"Groep C"})");
        make(organiser, "/api/v1/working-groups/" + group_a + "/members",
             R"({"person_id":")" + person + R"(","from":"2020-01-01"})", "person_id");
        scoped_to_c = make(
            s.admin_token, "/api/v1/tokens",
            R"({"name":"c","role":"organiser","programme":"gdci-2","working_groups":[")" + group_c + "\"]}", "token");
    }

    void approval(const char* value) {
        auto r = s.call("PATCH", p, organiser, std::string(R"({"memberships":{"approval":")") + value + "\"}}");
        INFO(r.body);
        REQUIRE(r.status == 200);
        REQUIRE(str(r.json().at("memberships"), "approval") == value);
    }

    std::size_t memberships() {
        return s.call("GET", "/api/v1/me/memberships", participant).json().at("items").as_array().size();
    }

    http_reply join(const std::string& group) {
        return s.call("POST", "/api/v1/me/memberships", participant, R"({"working_group_id":")" + group + "\"}");
    }
};

} // namespace

TEST_CASE("memberships.approval is none by default, takes only none or organiser, and none joins at once",
          "[membership-requests]") {
    world w;
    auto programme = w.s.call("GET", w.p, w.organiser);
    REQUIRE(programme.status == 200);
    CHECK(str(programme.json().at("memberships"), "approval") == "none");
    auto bad = w.s.call("PATCH", w.p, w.organiser, R"({"memberships":{"approval":"chair"}})");
    CHECK(bad.status == 422);
    CHECK(bad.header("content-type") == "application/problem+json");
    CHECK(bad.body.find("\"field\":\"memberships.approval\"") != std::string::npos);
    CHECK(str(w.s.call("GET", w.p, w.organiser).json().at("memberships"), "approval") == "none");
    // Scoped organisers cannot change the programme's settings.
    CHECK(w.s.call("PATCH", w.p, w.scoped_to_c, R"({"memberships":{"approval":"organiser"}})").status == 403);

    auto joined = w.join(w.group_b);
    CHECK(joined.status == 201);
    CHECK(w.memberships() == 2);
    CHECK(w.s.call("GET", "/api/v1/me/membership-requests", w.participant).json().at("items").as_array().empty());
}

TEST_CASE("with approval by an organiser a join waits as a request until it is approved, and the feed changes",
          "[membership-requests]") {
    world w;
    // Extend the programme so that a session two weeks ahead fits, and book one for group B.
    REQUIRE(w.s.call("PATCH", w.p, w.organiser, R"({"ends_on":"2099-12-31"})").status == 200);
    const auto day = wednesday_in(14);
    auto booked = w.s.call("POST", w.p + "/events", w.organiser,
                           R"({"kind":"working_group_session","title":"Sessie Groep B","working_group_id":")" +
                               w.group_b + R"(","start":")" + day + R"(T10:00","end":")" + day +
                               R"(T12:00","accept_conflicts":["public_holiday","school_holiday","members_busy"]})");
    INFO(booked.body);
    REQUIRE(booked.status == 201);
    const auto feed = path_of(str(w.s.call("GET", "/api/v1/people/" + w.person, w.organiser).json(), "feed_url"));
    REQUIRE(w.s.request("GET", feed).status == 200);
    CHECK(w.s.request("GET", feed).body.find("Sessie Groep B") == std::string::npos);

    w.approval("organiser");
    auto requested = w.s.call("POST", "/api/v1/me/memberships", w.participant,
                              R"({"working_group_id":")" + w.group_b + R"(","comment":"Graag!"})");
    INFO(requested.body);
    REQUIRE(requested.status == 202);
    const auto request = requested.json();
    const auto id = str(request, "id");
    CHECK(requested.header("location") == "/api/v1/membership-requests/" + id);
    CHECK(str(request, "state") == "pending");
    CHECK(str(request, "kind") == "join");
    CHECK(str(request, "comment") == "Graag!");
    CHECK(w.memberships() == 1); // unchanged
    // The same checks as without approval, and one pending request per group.
    CHECK(w.join(w.group_b).status == 409);
    CHECK(w.join(w.group_a).status == 409); // already a member
    CHECK(w.join("wg_nope").status == 422);

    // The participant sees their own; the personal page says it is waiting.
    auto mine = w.s.call("GET", "/api/v1/me/membership-requests?state=pending", w.participant).json();
    REQUIRE(mine.at("items").as_array().size() == 1);
    CHECK(str(mine.at("items").at(0).at("working_group"), "name") == "Groep B");
    const auto page = path_of(str(w.s.call("GET", "/api/v1/people/" + w.person, w.organiser).json(), "page_url"));
    CHECK(w.s.request("GET", page + "?lang=en").body.find("Waiting for an organiser's approval") != std::string::npos);
    CHECK(w.s.request("GET", page + "?lang=nl").body.find("Wacht op goedkeuring van een organisator") !=
          std::string::npos);

    // Organisers list the pending ones with names; a participant may not.
    auto pending = w.s.call("GET", w.p + "/membership-requests?state=pending", w.organiser);
    REQUIRE(pending.status == 200);
    const auto pending_list = pending.json();
    REQUIRE(pending_list.at("items").as_array().size() == 1);
    const auto& item = pending_list.at("items").at(0);
    CHECK(str(item.at("person"), "name") == "Rosa Verzoek");
    CHECK(str(item.at("organisation"), "name") == "Gemeente Aanvraag");
    CHECK(w.s.call("GET", w.p + "/membership-requests", w.participant).status == 403);
    CHECK(w.s.call("GET", w.p + "/membership-requests?state=maybe", w.organiser).status == 422);
    // An organiser scoped to another group neither sees nor decides it.
    CHECK(w.s.call("GET", w.p + "/membership-requests", w.scoped_to_c).json().at("items").as_array().empty());
    CHECK(w.s.call("GET", "/api/v1/membership-requests/" + id, w.scoped_to_c).status == 404);
    CHECK(w.s.call("POST", "/api/v1/membership-requests/" + id + "/approve", w.scoped_to_c).status == 404);
    // The participant cannot approve their own.
    CHECK(w.s.call("POST", "/api/v1/membership-requests/" + id + "/approve", w.participant).status == 403);

    auto approved = w.s.call("POST", "/api/v1/membership-requests/" + id + "/approve", w.organiser);
    INFO(approved.body);
    REQUIRE(approved.status == 200);
    CHECK(str(approved.json(), "state") == "approved");
    CHECK(approved.json().at("decided_at").is_string());
    CHECK(w.memberships() == 2);
    CHECK(w.s.request("GET", feed).body.find("Sessie Groep B") != std::string::npos);
    // Decided once only.
    CHECK(w.s.call("POST", "/api/v1/membership-requests/" + id + "/approve", w.organiser).status == 409);
    CHECK(w.s.call("POST", "/api/v1/membership-requests/" + id + "/decline", w.organiser).status == 409);
    // The audit trail has the request, the approval and the join.
    const auto audit = w.s.call("GET", "/api/v1/audit?object_id=" + id, w.s.admin_token).body;
    CHECK(audit.find("membership_request.create") != std::string::npos);
    CHECK(audit.find("membership_request.approve") != std::string::npos);
    CHECK(w.s.call("GET", "/api/v1/audit?object_id=" + w.group_b, w.s.admin_token).body.find("approval") !=
          std::string::npos);
}

TEST_CASE("a declined or withdrawn request changes nothing, and the last group cannot be left by request",
          "[membership-requests]") {
    world w;
    w.approval("organiser");
    // The only group: leaving is refused up front, no request is made.
    auto mine = w.s.call("GET", "/api/v1/me/memberships", w.participant).json();
    const auto first = str(mine.at("items").at(0), "id");
    auto last = w.s.call("DELETE", "/api/v1/me/memberships/" + first, w.participant);
    CHECK(last.status == 422);
    CHECK(last.body.find("at least one working group") != std::string::npos);
    CHECK(w.s.call("GET", "/api/v1/me/membership-requests", w.participant).json().at("items").as_array().empty());

    // Decline, with a reason.
    auto to_c = w.join(w.group_c);
    REQUIRE(to_c.status == 202);
    const auto declined_id = str(to_c.json(), "id");
    auto declined = w.s.call("POST", "/api/v1/membership-requests/" + declined_id + "/decline", w.scoped_to_c,
                             R"({"reason":"Groep is vol"})");
    INFO(declined.body);
    REQUIRE(declined.status == 200);
    CHECK(str(declined.json(), "state") == "declined");
    CHECK(str(declined.json(), "reason") == "Groep is vol");
    CHECK(w.memberships() == 1);

    // Withdraw: only one's own, only while pending.
    auto to_b = w.join(w.group_b);
    REQUIRE(to_b.status == 202);
    const auto withdrawn_id = str(to_b.json(), "id");
    CHECK(w.s.call("DELETE", "/api/v1/me/membership-requests/" + withdrawn_id, w.organiser).status == 404);
    auto withdrawn = w.s.call("DELETE", "/api/v1/me/membership-requests/" + withdrawn_id, w.participant);
    REQUIRE(withdrawn.status == 200);
    CHECK(str(withdrawn.json(), "state") == "withdrawn");
    CHECK(w.s.call("DELETE", "/api/v1/me/membership-requests/" + withdrawn_id, w.participant).status == 409);
    CHECK(w.s.call("POST", "/api/v1/membership-requests/" + withdrawn_id + "/approve", w.organiser).status == 409);
    CHECK(w.memberships() == 1);
    CHECK(
        w.s.call("GET", w.p + "/membership-requests?state=pending", w.organiser).json().at("items").as_array().empty());
    auto all = w.s.call("GET", "/api/v1/me/membership-requests?limit=1", w.participant).json();
    CHECK(all.at("items").as_array().size() == 1);
    CHECK(all.at("next_cursor").is_string());

    // A leave request, approved while the rule still holds; a second one found the rule
    // broken at approval time: 409 and the request stays pending.
    w.approval("none");
    REQUIRE(w.join(w.group_b).status == 201);
    w.approval("organiser");
    mine = w.s.call("GET", "/api/v1/me/memberships", w.participant).json();
    std::string in_a, in_b;
    for (const auto& m : mine.at("items").as_array())
        (str(m.at("working_group"), "id") == w.group_a ? in_a : in_b) = str(m, "id");
    auto leave_a = w.s.call("DELETE", "/api/v1/me/memberships/" + in_a, w.participant);
    REQUIRE(leave_a.status == 202);
    CHECK(str(leave_a.json(), "kind") == "leave");
    CHECK(str(leave_a.json(), "membership_id") == in_a);
    auto leave_b = w.s.call("DELETE", "/api/v1/me/memberships/" + in_b, w.participant);
    REQUIRE(leave_b.status == 202);
    auto first_ok =
        w.s.call("POST", "/api/v1/membership-requests/" + str(leave_a.json(), "id") + "/approve", w.organiser);
    INFO(first_ok.body);
    REQUIRE(first_ok.status == 200);
    auto second =
        w.s.call("POST", "/api/v1/membership-requests/" + str(leave_b.json(), "id") + "/approve", w.organiser);
    CHECK(second.status == 409);
    CHECK(second.body.find("at least one working group") != std::string::npos);
    CHECK(str(w.s.call("GET", "/api/v1/membership-requests/" + str(leave_b.json(), "id"), w.participant).json(),
              "state") == "pending");
}

TEST_CASE("the dashboard lists pending membership requests and approves one with the session's form token",
          "[membership-requests][pages]") {
    world w;
    w.approval("organiser");
    auto requested = w.join(w.group_b);
    REQUIRE(requested.status == 202);
    const auto id = str(requested.json(), "id");

    const auto form = w.s.request("GET", "/dashboard/sign-in");
    std::map<std::string, std::string> with_nonce = form_type;
    with_nonce["Cookie"] = "copsched_signin=" + cookie_of(form, "copsched_signin");
    auto in = w.s.request("POST", "/dashboard/sign-in",
                          "token=" + w.organiser + "&form_token=" + input_value(form.body, "form_token"), with_nonce);
    REQUIRE(in.status == 303);
    const auto session = cookie_of(in, "copsched_session");
    const std::map<std::string, std::string> signed_in{{"Cookie", "copsched_session=" + session}};
    std::map<std::string, std::string> post = form_type;
    post["Cookie"] = "copsched_session=" + session;

    // The year says requests wait, with a link to them.
    auto year = w.s.request("GET", "/dashboard/programmes/gdci-2?lang=en", {}, signed_in);
    REQUIRE(year.status == 200);
    CHECK(year.body.find("Membership requests waiting for your decision: 1") != std::string::npos);
    auto list = w.s.request("GET", "/dashboard/programmes/gdci-2/membership-requests?lang=en", {}, signed_in);
    REQUIRE(list.status == 200);
    CHECK(list.body.find("Rosa Verzoek") != std::string::npos);
    CHECK(list.body.find("Gemeente Aanvraag") != std::string::npos);
    CHECK(list.body.find("/membership-requests/" + id + "/approve") != std::string::npos);
    CHECK(list.body.find("href=\"/dashboard/programmes/gdci-2/membership-requests\"") != std::string::npos);
    const auto form_token = input_value(list.body, "form_token");
    REQUIRE(!form_token.empty());

    const auto action = "/dashboard/programmes/gdci-2/membership-requests/" + id + "/approve";
    CHECK(w.s.request("POST", action, "", post).status == 403);
    CHECK(w.memberships() == 1);
    auto approved = w.s.request("POST", action, "form_token=" + form_token, post);
    CHECK(approved.status == 303);
    CHECK(approved.header("location") == "/dashboard/programmes/gdci-2/membership-requests?note=approved");
    CHECK(w.memberships() == 2);
    auto after =
        w.s.request("GET", "/dashboard/programmes/gdci-2/membership-requests?lang=en&note=approved", {}, signed_in);
    CHECK(after.body.find("The request is approved.") != std::string::npos);
    CHECK(after.body.find("No requests are waiting.") != std::string::npos);
    CHECK(w.s.request("GET", "/dashboard/programmes/gdci-2?lang=en", {}, signed_in).body.find("requests-waiting") ==
          std::string::npos);

    // The personal page's join form makes a request and says so.
    const auto page = path_of(str(w.s.call("GET", "/api/v1/people/" + w.person, w.organiser).json(), "page_url"));
    const auto html = w.s.request("GET", page).body;
    auto joined =
        w.s.request("POST", page + "/groups",
                    "working_group_id=" + w.group_c + "&form_token=" + input_value(html, "form_token"), form_type);
    CHECK(joined.status == 303);
    CHECK(joined.header("location") == page + "?note=requested#groups");
    CHECK(w.memberships() == 2);
    CHECK(w.s.request("GET", page + "?note=requested&lang=en").body.find("waiting for an organiser") !=
          std::string::npos);
}
