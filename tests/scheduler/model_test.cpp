#include "scheduler/model.hpp"

#include "scheduler/clock.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <chrono>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace copsched::scheduler;

namespace {

// The names the API and the database use; written out here so a renamed enumerator
// or a typo in model.cpp fails the test instead of silently changing the wire format.
template <class E>
void check_names(const std::vector<std::pair<E, std::string_view>>& expected) {
    std::set<std::string_view> seen;
    for (const auto& [value, name] : expected) {
        INFO("name " << name);
        CHECK(to_string(value) == name);
        const auto parsed = parse<E>(name);
        REQUIRE(parsed.has_value());
        CHECK(*parsed == value);
        CHECK(seen.insert(name).second); // names are distinct
    }
}

template <class E>
void check_rejects(const std::string& known) {
    std::string upper = known;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::vector<std::string> bad{"",          " ",         "unknown",   upper,
                                       known + " ", " " + known, known + "x", known.substr(0, known.size() - 1)};
    for (const auto& b : bad) {
        INFO("name '" << b << "'");
        CHECK_FALSE(parse<E>(b).has_value());
    }
}

} // namespace

TEST_CASE("every enum value has its API name and parses back from it", "[scheduler][model]") {
    check_names<organisation_kind>({{organisation_kind::government, "government"},
                                    {organisation_kind::company, "company"},
                                    {organisation_kind::knowledge_partner, "knowledge_partner"}});
    check_names<organisation_level>(
        {{organisation_level::starter, "starter"}, {organisation_level::advanced, "advanced"}});
    check_names<person_role>({{person_role::buyer, "buyer"},
                              {person_role::sustainability_coordinator, "sustainability_coordinator"},
                              {person_role::budget_holder, "budget_holder"},
                              {person_role::project_leader, "project_leader"},
                              {person_role::consultant, "consultant"},
                              {person_role::other, "other"}});
    check_names<language>({{language::nl, "nl"}, {language::en, "en"}});
    check_names<membership_role>({{membership_role::member, "member"},
                                  {membership_role::chair, "chair"},
                                  {membership_role::facilitator, "facilitator"}});
    check_names<event_kind>({{event_kind::cop_meeting, "cop_meeting"},
                             {event_kind::working_group_session, "working_group_session"},
                             {event_kind::other, "other"}});
    check_names<event_status>({{event_status::tentative, "tentative"},
                               {event_status::confirmed, "confirmed"},
                               {event_status::cancelled, "cancelled"}});
    check_names<token_role>(
        {{token_role::admin, "admin"}, {token_role::organiser, "organiser"}, {token_role::participant, "participant"}});
}

TEST_CASE("parse rejects unknown, differently cased and padded names", "[scheduler][model]") {
    check_rejects<organisation_kind>("government");
    check_rejects<organisation_level>("starter");
    check_rejects<person_role>("buyer");
    check_rejects<language>("nl");
    check_rejects<membership_role>("chair");
    check_rejects<event_kind>("cop_meeting");
    check_rejects<event_status>("confirmed");
    check_rejects<token_role>("admin");

    // A name of another enum is not accepted either.
    CHECK_FALSE(parse<token_role>("chair").has_value());
    CHECK_FALSE(parse<language>("de").has_value());
    CHECK_FALSE(parse<event_status>("canceled").has_value()); // American spelling
    CHECK_FALSE(parse<token_role>("organizer").has_value());
}

TEST_CASE("format_utc writes ISO-8601 UTC with seconds and a Z", "[scheduler][clock]") {
    using namespace std::chrono;
    CHECK(format_utc(system_clock::time_point{}) == "1970-01-01T00:00:00Z");

    const auto signing = sys_days{year{2018} / June / 7} + hours{10};
    CHECK(format_utc(signing) == "2018-06-07T10:00:00Z");
    CHECK(format_utc(signing + minutes{59} + seconds{59}) == "2018-06-07T10:59:59Z");
    // Sub-second parts are dropped, never rounded up into the next second.
    CHECK(format_utc(signing + milliseconds{999}) == "2018-06-07T10:00:00Z");

    CHECK(format_utc(sys_days{year{2024} / February / 29} + hours{23} + minutes{5}) == "2024-02-29T23:05:00Z");
    CHECK(format_utc(sys_days{year{2026} / December / 31} + hours{23} + minutes{59} + seconds{59}) ==
          "2026-12-31T23:59:59Z");
}

TEST_CASE("now_utc has the stored instant shape", "[scheduler][clock]") {
    const auto a = now_utc();
    REQUIRE(a.size() == 20);
    CHECK(a[4] == '-');
    CHECK(a[7] == '-');
    CHECK(a[10] == 'T');
    CHECK(a[13] == ':');
    CHECK(a[16] == ':');
    CHECK(a.back() == 'Z');
    CHECK(a.substr(0, 2) == "20"); // this century, i.e. the real clock and not the epoch
}
