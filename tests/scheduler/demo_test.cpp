#include "scheduler/demo.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>

using namespace copsched::scheduler;

namespace {

bool ends_with(const std::string& s, std::string_view suffix) { return s.ends_with(suffix); }

} // namespace

TEST_CASE("demo programme is Green Deal Circulair Inkopen 2.0 in Amsterdam time", "[scheduler][demo]") {
    const auto& d = demo_programme();
    CHECK(d.prog.slug == "gdci-2");
    CHECK(d.prog.name == "Green Deal Circulair Inkopen 2.0");
    CHECK(d.prog.timezone == "Europe/Amsterdam");
    CHECK(d.prog.lang == language::nl);
    CHECK(d.prog.starts_on == "2018-06-07");
    CHECK(d.prog.starts_on < d.prog.ends_on);
    CHECK(d.prog.id.empty());       // the store assigns ids
    CHECK(&demo_programme() == &d); // built once
}

TEST_CASE("demo has the eight working groups of the Green Deal", "[scheduler][demo]") {
    const auto& groups = demo_programme().working_groups;
    REQUIRE(groups.size() == 8);
    std::set<std::string> names, slugs;
    for (const auto& g : groups) {
        names.insert(g.name);
        slugs.insert(g.slug);
        INFO("group " << g.name);
        CHECK_FALSE(g.description.empty());
        CHECK_FALSE(g.archived_at.has_value());
        CHECK_FALSE(g.slug.empty());
        // Slugs appear in URLs: lower-case letters, digits and dashes only.
        CHECK(std::all_of(g.slug.begin(), g.slug.end(),
                          [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }));
    }
    CHECK(names == std::set<std::string>{"Bouw", "Disposables", "ICT", "Interieur", "Intern draagvlak",
                                         "Ketensamenwerking", "Infra/GWW", "Monitoring"});
    CHECK(slugs.size() == 8);
}

TEST_CASE("demo organisations cover every kind and level with two to four people each", "[scheduler][demo]") {
    const auto& d = demo_programme();
    const auto& orgs = d.organisations;
    CHECK(orgs.size() >= 18);
    CHECK(orgs.size() <= 22);

    std::set<organisation_kind> kinds;
    std::set<organisation_level> levels;
    std::set<std::string> org_names;
    for (const auto& o : orgs) {
        INFO("organisation " << o.name);
        kinds.insert(o.kind);
        levels.insert(o.level);
        CHECK(org_names.insert(o.name).second); // unique per programme in the schema
        CHECK(o.people.size() >= 2);
        CHECK(o.people.size() <= 4);
    }
    CHECK(kinds == std::set<organisation_kind>{organisation_kind::government, organisation_kind::company,
                                               organisation_kind::knowledge_partner});
    CHECK(levels == std::set<organisation_level>{organisation_level::starter, organisation_level::advanced});
}

TEST_CASE("demo people have unique example.org addresses and existing working groups", "[scheduler][demo]") {
    const auto& d = demo_programme();
    std::set<std::string> slugs;
    for (const auto& g : d.working_groups) slugs.insert(g.slug);

    std::set<std::string> emails;
    std::map<std::string, int> members_per_group;
    std::size_t people = 0;
    for (const auto& o : d.organisations)
        for (const auto& p : o.people) {
            ++people;
            INFO(o.name << ": " << p.name << " <" << p.email << ">");
            CHECK_FALSE(p.name.empty());
            // Only the reserved domain: seeding must never produce a deliverable address.
            CHECK(ends_with(p.email, ".example.org"));
            CHECK(std::count(p.email.begin(), p.email.end(), '@') == 1);
            CHECK(p.email.find('@') > 0);
            CHECK(std::none_of(p.email.begin(), p.email.end(),
                               [](char c) { return std::isspace(static_cast<unsigned char>(c)) || (c & 0x80); }));
            CHECK(emails.insert(p.email).second);
            CHECK_FALSE(p.working_groups.empty());
            for (const auto& g : p.working_groups) {
                CHECK(slugs.count(g) == 1);
                ++members_per_group[g];
            }
        }
    CHECK(people >= 40);
    // No group is empty: every group shows up in the demo with someone in it.
    for (const auto& s : slugs) {
        INFO("group " << s);
        CHECK(members_per_group[s] >= 2);
    }
}

TEST_CASE("demo signing ceremony is on 7 June 2018, 12:00-14:00 Amsterdam = 10:00-12:00 UTC", "[scheduler][demo]") {
    const auto& d = demo_programme();
    const auto& e = d.signing_ceremony;
    CHECK(e.start_local == "2018-06-07T12:00");
    CHECK(e.end_local == "2018-06-07T14:00");
    CHECK(e.start_utc == "2018-06-07T10:00:00Z");
    CHECK(e.end_utc == "2018-06-07T12:00:00Z");
    CHECK(e.status == event_status::confirmed);
    CHECK_FALSE(e.working_group_id.has_value()); // a programme-wide event
    CHECK_FALSE(e.title.empty());
    CHECK(e.start_local.substr(0, 10) == d.prog.starts_on);

    std::size_t people = 0;
    for (const auto& o : d.organisations) people += o.people.size();
    CHECK_FALSE(d.signing_venue.name.empty());
    CHECK(d.signing_venue.capacity >= static_cast<int>(people)); // everyone fits
}
