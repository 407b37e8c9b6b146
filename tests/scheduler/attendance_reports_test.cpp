#include "scheduler/attendance.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

using namespace copsched::scheduler;

namespace {

using presence = std::optional<presence_state>;
constexpr auto present = presence_state::present;
constexpr auto absent = presence_state::absent;
constexpr auto excused = presence_state::excused;

report_event make_event(std::string id, event_kind kind, std::optional<std::string> group, std::string start_local,
                        std::string start_utc, event_status status = event_status::confirmed) {
    report_event e;
    e.id = std::move(id);
    e.kind = kind;
    e.working_group_id = std::move(group);
    e.title = e.id;
    e.start_local = std::move(start_local);
    e.start_utc = std::move(start_utc);
    e.end_utc = e.start_utc;
    e.status = status;
    return e;
}

report_invitation invite(std::string event, std::string person, presence p) {
    report_invitation i;
    i.event_id = std::move(event);
    i.person_id = std::move(person);
    i.presence = p;
    return i;
}

void check_cell(const rate_cell& c, std::size_t invited, std::size_t present_, std::size_t absent_,
                std::size_t excused_, std::size_t unrecorded, std::size_t events, std::optional<double> rate) {
    CHECK(c.invited == invited);
    CHECK(c.present == present_);
    CHECK(c.absent == absent_);
    CHECK(c.excused == excused_);
    CHECK(c.unrecorded == unrecorded);
    CHECK(c.events == events);
    if (rate) {
        REQUIRE(c.rate.has_value());
        CHECK(*c.rate == Approx(*rate));
    } else {
        CHECK_FALSE(c.rate.has_value());
    }
}

void check_empty(const rate_cell& c) { check_cell(c, 0, 0, 0, 0, 0, 0, std::nullopt); }

std::vector<std::string> keys(const attendance_report& r) {
    std::vector<std::string> k;
    for (const auto& row : r.rows) k.push_back(row.key);
    return k;
}

const std::string now = "2026-06-15T12:00:00Z";

// A year of a small programme. Times are Europe/Amsterdam (UTC+1 in winter, +2 in summer).
//   e0  g1 session   2025-11-05           held, but of 2025
//   e1  other        2026-01-01 00:30     held, Q1 (UTC still 2025-12-31)
//   e2  CoP meeting  2026-02-10           held, Q1
//   e3  g1 session   2026-03-31 23:30     held, Q1
//   e4  g1 session   2026-04-01 01:30     held, Q2 (UTC still 2026-03-31)
//   e5  CoP meeting  2026-05-12           cancelled
//   e7  CoP meeting  2026-06-15 14:00     starts exactly at `now`: held, Q2
//   e6  CoP meeting  2026-09-15           not started
report_facts year_facts() {
    report_facts f;
    f.organisations = {{"o2", "Bouwbedrijf Zuid", organisation_kind::company, organisation_level::starter},
                       {"o1", "Gemeente Almere", organisation_kind::government, organisation_level::advanced},
                       {"o3", "Kennispartner X", organisation_kind::knowledge_partner, organisation_level::starter}};
    f.people = {{"p3", "Anna Smit", "o2", person_role::buyer, true},
                {"p2", "Bram Jansen", "o1", person_role::consultant, true},
                {"p4", "Dirk Bakker", "o2", person_role::sustainability_coordinator, false},
                {"p5", "Eva Mulder", "o2", person_role::project_leader, true},
                {"p1", "Sanne de Wit", "o1", person_role::buyer, true}};
    f.groups = {{"g1", "Circulair bouwen", false}, {"g2", "Energietransitie", true}};
    f.memberships = {{"p1", "g1", "2025-01-01", std::nullopt}, {"p3", "g1", "2025-01-01", std::nullopt}};
    using k = event_kind;
    f.events = {make_event("e0", k::working_group_session, "g1", "2025-11-05T10:00", "2025-11-05T09:00:00Z"),
                make_event("e1", k::other, std::nullopt, "2026-01-01T00:30", "2025-12-31T23:30:00Z"),
                make_event("e2", k::cop_meeting, std::nullopt, "2026-02-10T10:00", "2026-02-10T09:00:00Z"),
                make_event("e3", k::working_group_session, "g1", "2026-03-31T23:30", "2026-03-31T21:30:00Z"),
                make_event("e4", k::working_group_session, "g1", "2026-04-01T01:30", "2026-03-31T23:30:00Z"),
                make_event("e5", k::cop_meeting, std::nullopt, "2026-05-12T10:00", "2026-05-12T08:00:00Z",
                           event_status::cancelled),
                make_event("e7", k::cop_meeting, std::nullopt, "2026-06-15T14:00", "2026-06-15T12:00:00Z",
                           event_status::tentative),
                make_event("e6", k::cop_meeting, std::nullopt, "2026-09-15T10:00", "2026-09-15T08:00:00Z")};
    // p1 first, so rows made in invitation order are not already in label order.
    f.invitations = {
        invite("e1", "p1", present),
        invite("e1", "p3", absent),
        invite("e2", "p1", present),
        invite("e2", "p2", excused),
        invite("e2", "p3", std::nullopt),
        invite("e2", "p4", present),
        invite("e3", "p1", present),
        invite("e3", "p3", present),
        invite("e4", "p1", absent),
        invite("e4", "p3", present),
        invite("e7", "p1", present),
        invite("e7", "p2", present),
        invite("e7", "p3", excused),
        invite("e7", "p4", absent),
        // Not counted in 2026: of 2025, cancelled, not started.
        invite("e0", "p1", present),
        invite("e0", "p3", present),
        invite("e5", "p1", present),
        invite("e5", "p5", present),
        invite("e6", "p1", std::nullopt),
        invite("e6", "p5", std::nullopt),
    };
    return f;
}

} // namespace

TEST_CASE("report_grouping and commitment_status have their API names", "[scheduler][reports]") {
    CHECK(to_string(report_grouping::person) == "person");
    CHECK(to_string(report_grouping::organisation) == "organisation");
    CHECK(to_string(report_grouping::working_group) == "working_group");
    CHECK(to_string(report_grouping::role) == "role");
    CHECK(parse<report_grouping>("person") == report_grouping::person);
    CHECK(parse<report_grouping>("organisation") == report_grouping::organisation);
    CHECK(parse<report_grouping>("working_group") == report_grouping::working_group);
    CHECK(parse<report_grouping>("role") == report_grouping::role);
    CHECK_FALSE(parse<report_grouping>("organization").has_value());
    CHECK_FALSE(parse<report_grouping>("Person").has_value());
    CHECK_FALSE(parse<report_grouping>("").has_value());
    CHECK(to_string(commitment_status::meets) == "meets");
    CHECK(to_string(commitment_status::on_track) == "on_track");
    CHECK(to_string(commitment_status::falls_short) == "falls_short");
}

TEST_CASE("attendance by person counts held events of the year by local quarter", "[scheduler][reports]") {
    const auto r = make_attendance_report(year_facts(), report_grouping::person, 2026, now, language::nl);
    CHECK(r.year == 2026);
    CHECK(r.by == report_grouping::person);
    // Eva (p5) was only invited to a cancelled and a future meeting: no row.
    REQUIRE(keys(r) == std::vector<std::string>{"p3", "p2", "p4", "p1"});

    const auto& anna = r.rows[0]; // p3: e1 absent, e2 unrecorded, e3 present | e4 present, e7 excused
    CHECK(anna.label == "Anna Smit");
    CHECK(anna.organisation_id == "o2");
    check_cell(anna.year, 5, 2, 1, 1, 1, 5, 2.0 / 4.0);
    check_cell(anna.quarters[0], 3, 1, 1, 0, 1, 3, 1.0 / 3.0); // unrecorded counts as not present
    check_cell(anna.quarters[1], 2, 1, 0, 1, 0, 2, 1.0);
    check_empty(anna.quarters[2]);
    check_empty(anna.quarters[3]);

    const auto& bram = r.rows[1]; // p2: e2 excused | e7 present
    CHECK(bram.label == "Bram Jansen");
    CHECK(bram.organisation_id == "o1");
    check_cell(bram.year, 2, 1, 0, 1, 0, 2, 1.0);
    check_cell(bram.quarters[0], 1, 0, 0, 1, 0, 1, std::nullopt); // only excused: nothing expected
    check_cell(bram.quarters[1], 1, 1, 0, 0, 0, 1, 1.0);

    const auto& dirk = r.rows[2]; // p4, inactive now: e2 present | e7 absent
    CHECK(dirk.label == "Dirk Bakker");
    check_cell(dirk.year, 2, 1, 1, 0, 0, 2, 0.5);

    const auto& sanne = r.rows[3]; // p1: e1, e2, e3 present | e4 absent, e7 present
    CHECK(sanne.label == "Sanne de Wit");
    CHECK(sanne.organisation_id == "o1");
    check_cell(sanne.year, 5, 4, 1, 0, 0, 5, 0.8);
    check_cell(sanne.quarters[0], 3, 3, 0, 0, 0, 3, 1.0); // includes 03-31 23:30 and 01-01 00:30 local
    check_cell(sanne.quarters[1], 2, 1, 1, 0, 0, 2, 0.5); // includes 04-01 01:30 local (03-31 in UTC)

    check_cell(r.total, 14, 8, 3, 2, 1, 5, 8.0 / 12.0);
}

TEST_CASE("attendance counts an event from the moment it starts", "[scheduler][reports]") {
    const auto before =
        make_attendance_report(year_facts(), report_grouping::person, 2026, "2026-06-15T11:59:59Z", language::nl);
    check_cell(before.total, 10, 6, 2, 1, 1, 4, 6.0 / 9.0); // without e7
    const auto later =
        make_attendance_report(year_facts(), report_grouping::person, 2026, "2026-12-31T00:00:00Z", language::nl);
    // e6 has started too now: two more invitations, nobody recorded.
    check_cell(later.total, 16, 8, 3, 2, 3, 6, 8.0 / 14.0);
    REQUIRE(keys(later) == std::vector<std::string>{"p3", "p2", "p4", "p5", "p1"});
    check_cell(later.rows[3].year, 1, 0, 0, 0, 1, 1, 0.0);
}

TEST_CASE("attendance of another year counts that year's events only", "[scheduler][reports]") {
    const auto r = make_attendance_report(year_facts(), report_grouping::person, 2025, now, language::nl);
    REQUIRE(keys(r) == std::vector<std::string>{"p3", "p1"});
    check_cell(r.rows[0].year, 1, 1, 0, 0, 0, 1, 1.0);
    check_cell(r.rows[0].quarters[3], 1, 1, 0, 0, 0, 1, 1.0);
    check_empty(r.rows[0].quarters[0]);
    check_cell(r.total, 2, 2, 0, 0, 0, 1, 1.0);
}

TEST_CASE("attendance by organisation has a row for every organisation", "[scheduler][reports]") {
    const auto r = make_attendance_report(year_facts(), report_grouping::organisation, 2026, now, language::en);
    REQUIRE(keys(r) == std::vector<std::string>{"o2", "o1", "o3"});
    const auto& zuid = r.rows[0]; // p3 + p4
    CHECK(zuid.label == "Bouwbedrijf Zuid");
    CHECK(zuid.organisation_id.empty());
    check_cell(zuid.year, 7, 3, 2, 1, 1, 5, 0.5);
    check_cell(zuid.quarters[0], 4, 2, 1, 0, 1, 3, 0.5);
    check_cell(zuid.quarters[1], 3, 1, 1, 1, 0, 2, 0.5);
    const auto& almere = r.rows[1]; // p1 + p2; both at e2 and e7, which count once as events
    CHECK(almere.label == "Gemeente Almere");
    check_cell(almere.year, 7, 5, 1, 1, 0, 5, 5.0 / 6.0);
    check_cell(almere.quarters[0], 4, 3, 0, 1, 0, 3, 1.0);
    check_cell(almere.quarters[1], 3, 2, 1, 0, 0, 2, 2.0 / 3.0);
    const auto& kennis = r.rows[2];
    CHECK(kennis.label == "Kennispartner X");
    check_empty(kennis.year);
    for (const auto& q : kennis.quarters) check_empty(q);
    check_cell(r.total, 14, 8, 3, 2, 1, 5, 8.0 / 12.0);
}

TEST_CASE("attendance by working group counts the invitations to its sessions", "[scheduler][reports]") {
    const auto r = make_attendance_report(year_facts(), report_grouping::working_group, 2026, now, language::nl);
    REQUIRE(keys(r) == std::vector<std::string>{"g1", "g2"});
    const auto& g1 = r.rows[0]; // e3: p1, p3 present | e4: p1 absent, p3 present
    CHECK(g1.label == "Circulair bouwen");
    check_cell(g1.year, 4, 3, 1, 0, 0, 2, 0.75);
    check_cell(g1.quarters[0], 2, 2, 0, 0, 0, 1, 1.0);
    check_cell(g1.quarters[1], 2, 1, 1, 0, 0, 1, 0.5);
    check_empty(g1.quarters[2]);
    CHECK(r.rows[1].label == "Energietransitie"); // archived, no sessions: still a row
    check_empty(r.rows[1].year);
    // Invitations to CoP meetings and other events are in no group's row, so not in the total.
    check_cell(r.total, 4, 3, 1, 0, 0, 2, 0.75);
}

TEST_CASE("attendance by role labels roles in the requested language", "[scheduler][reports]") {
    const auto nl = make_attendance_report(year_facts(), report_grouping::role, 2026, now, language::nl);
    // Project leader (Eva) has no counted invitation: no row.
    REQUIRE(keys(nl) == std::vector<std::string>{"consultant", "sustainability_coordinator", "buyer"});
    CHECK(nl.rows[0].label == "Adviseur");
    CHECK(nl.rows[1].label == "Duurzaamheidsco\xC3\xB6rdinator");
    CHECK(nl.rows[2].label == "Inkoper");
    check_cell(nl.rows[0].year, 2, 1, 0, 1, 0, 2, 1.0);        // p2
    check_cell(nl.rows[1].year, 2, 1, 1, 0, 0, 2, 0.5);        // p4
    check_cell(nl.rows[2].year, 10, 6, 2, 1, 1, 5, 6.0 / 9.0); // p1 + p3
    check_cell(nl.rows[2].quarters[0], 6, 4, 1, 0, 1, 3, 4.0 / 6.0);
    check_cell(nl.rows[2].quarters[1], 4, 2, 1, 1, 0, 2, 2.0 / 3.0);
    CHECK(nl.rows[2].organisation_id.empty());
    check_cell(nl.total, 14, 8, 3, 2, 1, 5, 8.0 / 12.0);

    const auto en = make_attendance_report(year_facts(), report_grouping::role, 2026, now, language::en);
    REQUIRE(keys(en) == std::vector<std::string>{"buyer", "consultant", "sustainability_coordinator"});
    CHECK(en.rows[0].label == "Buyer");
    CHECK(en.rows[1].label == "Consultant");
    CHECK(en.rows[2].label == "Sustainability coordinator");
    check_cell(en.rows[0].year, 10, 6, 2, 1, 1, 5, 6.0 / 9.0);
}

TEST_CASE("every role has its label in both languages", "[scheduler][reports]") {
    const std::vector<std::pair<person_role, std::pair<std::string, std::string>>> roles{
        {person_role::buyer, {"Inkoper", "Buyer"}},
        {person_role::sustainability_coordinator, {"Duurzaamheidsco\xC3\xB6rdinator", "Sustainability coordinator"}},
        {person_role::budget_holder, {"Budgethouder", "Budget holder"}},
        {person_role::project_leader, {"Projectleider", "Project leader"}},
        {person_role::consultant, {"Adviseur", "Consultant"}},
        {person_role::other, {"Overig", "Other"}}};
    for (const auto& [role, labels] : roles) {
        report_facts f;
        f.people = {{"p", "P", "o", role, true}};
        f.events = {make_event("e", event_kind::cop_meeting, std::nullopt, "2026-02-10T10:00", "2026-02-10T09:00:00Z")};
        f.invitations = {invite("e", "p", present)};
        const auto nl = make_attendance_report(f, report_grouping::role, 2026, now, language::nl);
        const auto en = make_attendance_report(f, report_grouping::role, 2026, now, language::en);
        REQUIRE(nl.rows.size() == 1);
        REQUIRE(en.rows.size() == 1);
        CHECK(nl.rows[0].key == to_string(role));
        CHECK(nl.rows[0].label == labels.first);
        CHECK(en.rows[0].label == labels.second);
    }
}

TEST_CASE("attendance rows with the same label are ordered by key", "[scheduler][reports]") {
    report_facts f;
    f.people = {{"p-a", "Jan de Vries", "o", person_role::buyer, true},
                {"p-b", "Jan de Vries", "o", person_role::buyer, true},
                {"p-c", "Ada", "o", person_role::buyer, true}};
    f.events = {make_event("e", event_kind::cop_meeting, std::nullopt, "2026-02-10T10:00", "2026-02-10T09:00:00Z")};
    f.invitations = {invite("e", "p-b", present), invite("e", "p-a", absent), invite("e", "p-c", present)};
    const auto r = make_attendance_report(f, report_grouping::person, 2026, now, language::nl);
    CHECK(keys(r) == std::vector<std::string>{"p-c", "p-a", "p-b"});
}

// --- commitments ---------------------------------------------------------------------------

namespace {

// CoP meetings: c0 of 2025; c1, c2, c4 held in 2026; c3 and c7 cancelled; c5 still to come.
//   Alfa     a1 and a2 in groups; present at c1, c2, c4                 meets
//   Beta     b1's membership ended in 2025, b2 is inactive; present 3x   falls short (groups)
//   Cirkel   k1 in a group from Dec 31; present at c1, c2                on track (c5 planned)
//   Delta    d1 in a group until Jan 1; present only at c0 of 2025      falls short (meetings)
//   Epsilon  nobody                                                      falls short (both)
report_facts commitment_facts() {
    report_facts f;
    f.organisations = {{"oa", "Alfa Gemeente", organisation_kind::government, organisation_level::advanced},
                       {"ob", "Beta Bouw", organisation_kind::company, organisation_level::starter},
                       {"oc", "Cirkel Advies", organisation_kind::company, organisation_level::starter},
                       {"od", "Delta Data", organisation_kind::knowledge_partner, organisation_level::starter},
                       {"oe", "Epsilon", organisation_kind::government, organisation_level::starter}};
    f.people = {{"a1", "Aad", "oa", person_role::buyer, true},  {"a2", "Aline", "oa", person_role::buyer, true},
                {"b1", "Bert", "ob", person_role::buyer, true}, {"b2", "Bea", "ob", person_role::consultant, false},
                {"d1", "Daan", "od", person_role::other, true}, {"k1", "Kees", "oc", person_role::buyer, true}};
    f.groups = {{"wg-circulair", "Circulair", false}, {"wg-energie", "Energie", false}};
    f.memberships = {{"a2", "wg-energie", "2026-03-01", std::string("2026-04-30")},
                     {"a1", "wg-circulair", "2025-01-01", std::nullopt},
                     {"a1", "wg-energie", "2024-01-01", std::nullopt},
                     {"b1", "wg-circulair", "2024-01-01", std::string("2025-12-31")},
                     {"b2", "wg-energie", "2024-01-01", std::nullopt},
                     {"k1", "wg-energie", "2026-12-31", std::nullopt},
                     {"d1", "wg-circulair", "2025-06-01", std::string("2026-01-01")}};
    using k = event_kind;
    const auto cop = k::cop_meeting;
    f.events = {
        make_event("c0", cop, std::nullopt, "2025-11-20T10:00", "2025-11-20T09:00:00Z"),
        make_event("c1", cop, std::nullopt, "2026-02-10T10:00", "2026-02-10T09:00:00Z"),
        make_event("c2", cop, std::nullopt, "2026-03-24T10:00", "2026-03-24T09:00:00Z"),
        make_event("w1", k::working_group_session, "wg-circulair", "2026-04-07T10:00", "2026-04-07T08:00:00Z"),
        make_event("c3", cop, std::nullopt, "2026-05-12T10:00", "2026-05-12T08:00:00Z", event_status::cancelled),
        make_event("c4", cop, std::nullopt, "2026-06-09T10:00", "2026-06-09T08:00:00Z", event_status::tentative),
        make_event("c5", cop, std::nullopt, "2026-09-15T10:00", "2026-09-15T08:00:00Z", event_status::tentative),
        make_event("c7", cop, std::nullopt, "2026-12-08T10:00", "2026-12-08T09:00:00Z", event_status::cancelled)};
    f.invitations = {invite("c0", "d1", present),     invite("c0", "a1", absent),  invite("c1", "a1", present),
                     invite("c1", "a2", present),     invite("c1", "b1", present), invite("c1", "k1", present),
                     invite("c1", "d1", absent),      invite("c2", "a1", present), invite("c2", "b1", present),
                     invite("c2", "k1", present),     invite("c2", "d1", excused), invite("w1", "d1", present),
                     invite("c3", "d1", present), // cancelled: a recorded presence there does not count
                     invite("c4", "a2", present),     invite("c4", "b2", present), invite("c4", "k1", absent),
                     invite("c4", "d1", std::nullopt)};
    return f;
}

const commitment_row& row_of(const commitments_report& r, const std::string& id) {
    for (const auto& o : r.organisations)
        if (o.organisation_id == id) return o;
    FAIL("no row for " << id);
    throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("the commitments check counts groups, held and planned CoP meetings per organisation",
          "[scheduler][reports]") {
    const auto r = check_commitments(commitment_facts(), 2026, now, {}, language::en);
    CHECK(r.year == 2026);
    CHECK(r.thresholds.min_cop_meetings == 3);
    CHECK(r.thresholds.min_people_in_groups == 1);
    REQUIRE(r.organisations.size() == 5);
    CHECK(r.organisations[0].organisation_id == "oa");
    CHECK(r.organisations[4].organisation_id == "oe");
    CHECK(r.meeting == 1);
    CHECK(r.on_track == 1);
    CHECK(r.falling_short == 3);

    const auto& alfa = row_of(r, "oa");
    CHECK(alfa.organisation_name == "Alfa Gemeente");
    CHECK(alfa.people_in_groups == 2);
    CHECK(alfa.working_group_ids == std::vector<std::string>{"wg-circulair", "wg-energie"});
    CHECK(alfa.cop_meetings_held == 3);
    CHECK(alfa.cop_meetings_attended == 3); // a1 and a2 both at c1: once
    CHECK(alfa.cop_meetings_planned == 1);
    CHECK(alfa.status == commitment_status::meets);
    CHECK(alfa.reasons.empty());

    const auto& beta = row_of(r, "ob");
    CHECK(beta.people_in_groups == 0);
    CHECK(beta.working_group_ids.empty());
    CHECK(beta.cop_meetings_attended == 3); // an inactive person's presence still counts
    CHECK(beta.status == commitment_status::falls_short);
    CHECK(beta.reasons == std::vector<std::string>{"No active person in a working group in 2026 (at least 1 needed)."});

    const auto& cirkel = row_of(r, "oc");
    CHECK(cirkel.people_in_groups == 1);
    CHECK(cirkel.working_group_ids == std::vector<std::string>{"wg-energie"});
    CHECK(cirkel.cop_meetings_attended == 2);
    CHECK(cirkel.status == commitment_status::on_track);
    CHECK(cirkel.reasons == std::vector<std::string>{"Present at 2 of the 3 CoP meetings held in 2026; at least 3 "
                                                     "needed, and 1 more CoP meeting is planned."});

    const auto& delta = row_of(r, "od");
    CHECK(delta.people_in_groups == 1);
    CHECK(delta.working_group_ids == std::vector<std::string>{"wg-circulair"});
    CHECK(delta.cop_meetings_attended == 0); // c0 is of 2025, w1 no CoP meeting, c3 cancelled
    CHECK(delta.status == commitment_status::falls_short);
    CHECK(delta.reasons == std::vector<std::string>{"Present at 0 of the 3 CoP meetings held in 2026; at least 3 "
                                                    "needed, but only 1 more CoP meeting is planned."});

    const auto& epsilon = row_of(r, "oe");
    CHECK(epsilon.people_in_groups == 0);
    CHECK(epsilon.cop_meetings_attended == 0);
    CHECK(epsilon.status == commitment_status::falls_short);
    CHECK(epsilon.reasons ==
          std::vector<std::string>{"No active person in a working group in 2026 (at least 1 needed).",
                                   "Present at 0 of the 3 CoP meetings held in 2026; at least 3 needed, but only 1 "
                                   "more CoP meeting is planned."});
}

TEST_CASE("the commitments check gives its reasons in Dutch", "[scheduler][reports]") {
    const auto r = check_commitments(commitment_facts(), 2026, now, {}, language::nl);
    CHECK(
        row_of(r, "ob").reasons ==
        std::vector<std::string>{"Niemand van de organisatie is in 2026 actief in een werkgroep (minimaal 1 nodig)."});
    CHECK(row_of(r, "oc").reasons ==
          std::vector<std::string>{"Aanwezig bij 2 van de 3 gehouden CoP-bijeenkomsten in 2026; minimaal 3 nodig, en "
                                   "er staat nog 1 CoP-bijeenkomst gepland."});
    CHECK(row_of(r, "od").reasons ==
          std::vector<std::string>{"Aanwezig bij 0 van de 3 gehouden CoP-bijeenkomsten in 2026; minimaal 3 nodig, "
                                   "maar er staat nog maar 1 CoP-bijeenkomst gepland."});
}

TEST_CASE("the commitments check applies the given thresholds", "[scheduler][reports]") {
    const auto r = check_commitments(commitment_facts(), 2026, now, {2, 2}, language::en);
    CHECK(row_of(r, "oa").status == commitment_status::meets);
    CHECK(row_of(r, "oc").status == commitment_status::falls_short); // 1 person in a group, 2 needed
    CHECK(row_of(r, "oc").reasons ==
          std::vector<std::string>{"Only 1 active person in a working group in 2026; at least 2 needed."});
    CHECK(r.meeting == 1);
    CHECK(r.on_track == 0);
    CHECK(r.falling_short == 4);

    const auto nl = check_commitments(commitment_facts(), 2026, now, {3, 0}, language::nl);
    CHECK(row_of(nl, "oa").reasons ==
          std::vector<std::string>{"Slechts 2 personen van de organisatie zijn in 2026 actief in een werkgroep; "
                                   "minimaal 3 nodig."});
    CHECK(nl.meeting == 0);
    CHECK(nl.falling_short == 5);
}

TEST_CASE("the commitments check without planned meetings left", "[scheduler][reports]") {
    // By October c5 has been held too (nobody was recorded present) and nothing is planned.
    const auto r = check_commitments(commitment_facts(), 2026, "2026-10-01T00:00:00Z", {}, language::en);
    const auto& cirkel = row_of(r, "oc");
    CHECK(cirkel.cop_meetings_held == 4);
    CHECK(cirkel.cop_meetings_planned == 0);
    CHECK(cirkel.status == commitment_status::falls_short);
    CHECK(cirkel.reasons ==
          std::vector<std::string>{"Present at 2 of the 4 CoP meetings held in 2026; at least 3 needed."});
    const auto nl = check_commitments(commitment_facts(), 2026, "2026-10-01T00:00:00Z", {}, language::nl);
    CHECK(row_of(nl, "oc").reasons ==
          std::vector<std::string>{"Aanwezig bij 2 van de 4 gehouden CoP-bijeenkomsten in 2026; minimaal 3 nodig."});
}

TEST_CASE("the commitments check before any meeting of the year", "[scheduler][reports]") {
    const auto r = check_commitments(commitment_facts(), 2026, "2026-01-15T00:00:00Z", {}, language::en);
    const auto& alfa = row_of(r, "oa");
    CHECK(alfa.people_in_groups == 2); // a2's membership starts in March, but overlaps the year
    CHECK(alfa.cop_meetings_held == 0);
    CHECK(alfa.cop_meetings_planned == 4); // c1, c2, c4, c5
    CHECK(alfa.status == commitment_status::on_track);
    CHECK(alfa.reasons ==
          std::vector<std::string>{"No CoP meeting has been held in 2026 yet; at least 3 needed, and 4 more CoP "
                                   "meetings are planned."});
    const auto nl = check_commitments(commitment_facts(), 2026, "2026-01-15T00:00:00Z", {}, language::nl);
    CHECK(row_of(nl, "oa").reasons ==
          std::vector<std::string>{"In 2026 is nog geen CoP-bijeenkomst gehouden; minimaal 3 nodig, en er staan nog "
                                   "4 CoP-bijeenkomsten gepland."});
    CHECK(r.on_track == 3); // Alfa, Cirkel, Delta: each has a group member
    CHECK(r.falling_short == 2);
}

// --- absent organisations ------------------------------------------------------------------

namespace {

std::vector<std::string> meeting_ids(const absence_report& r) {
    std::vector<std::string> ids;
    for (const auto& m : r.meetings) ids.push_back(m.id);
    return ids;
}

} // namespace

TEST_CASE("organisations absent from the last two CoP meetings", "[scheduler][reports]") {
    const auto r = absent_from_last_meetings(commitment_facts(), 2, now);
    CHECK(meeting_ids(r) == std::vector<std::string>{"c4", "c2"});
    REQUIRE(r.organisations.size() == 2);
    CHECK(r.organisations[0].organisation_id == "od");
    CHECK(r.organisations[0].organisation_name == "Delta Data");
    // Its presence at the cancelled c3 does not count; c0 (2025) does.
    CHECK(r.organisations[0].last_present_at == std::optional<std::string>("2025-11-20T10:00"));
    CHECK(r.organisations[1].organisation_id == "oe");
    CHECK_FALSE(r.organisations[1].last_present_at.has_value());
}

TEST_CASE("organisations absent from the last CoP meeting", "[scheduler][reports]") {
    const auto r = absent_from_last_meetings(commitment_facts(), 1, now);
    CHECK(meeting_ids(r) == std::vector<std::string>{"c4"});
    REQUIRE(r.organisations.size() == 3);
    CHECK(r.organisations[0].organisation_id == "oc"); // k1 absent at c4
    CHECK(r.organisations[0].last_present_at == std::optional<std::string>("2026-03-24T10:00"));
    CHECK(r.organisations[1].organisation_id == "od");
    CHECK(r.organisations[2].organisation_id == "oe");
}

TEST_CASE("absent organisations when fewer CoP meetings were held than asked", "[scheduler][reports]") {
    const auto r = absent_from_last_meetings(commitment_facts(), 10, now);
    CHECK(meeting_ids(r) == std::vector<std::string>{"c4", "c2", "c1", "c0"});
    REQUIRE(r.organisations.size() == 1);
    CHECK(r.organisations[0].organisation_id == "oe");
    CHECK_FALSE(r.organisations[0].last_present_at.has_value());

    const auto none = absent_from_last_meetings(commitment_facts(), 2, "2025-01-01T00:00:00Z");
    CHECK(none.meetings.empty());
    CHECK(none.organisations.empty());
}

// --- size ----------------------------------------------------------------------------------

TEST_CASE("the reports over 1,000 people and 40,000 invitations take milliseconds", "[scheduler][reports]") {
    report_facts f;
    const int orgs = 50, people = 1000, events = 200;
    char buf[32];
    for (int o = 0; o < orgs; ++o) {
        std::snprintf(buf, sizeof buf, "o%03d", o);
        f.organisations.push_back(
            {buf, std::string("Org ") + buf, organisation_kind::government, organisation_level::starter});
    }
    for (int g = 0; g < 10; ++g) f.groups.push_back({"g" + std::to_string(g), "Group " + std::to_string(g), false});
    for (int p = 0; p < people; ++p) {
        std::snprintf(buf, sizeof buf, "p%04d", p);
        f.people.push_back({buf, std::string("Person ") + buf, f.organisations[static_cast<std::size_t>(p % orgs)].id,
                            static_cast<person_role>(p % 6), p % 10 != 0});
        f.memberships.push_back({buf, "g" + std::to_string(p % 10), "2025-01-01", std::nullopt});
    }
    for (int e = 0; e < events; ++e) {
        const int month = 1 + e % 12, day = 1 + e % 28;
        char local[32], utc[32];
        std::snprintf(local, sizeof local, "2026-%02d-%02dT10:00", month, day);
        std::snprintf(utc, sizeof utc, "2026-%02d-%02dT09:00:%02dZ", month, day, e % 60);
        f.events.push_back(make_event(
            "e" + std::to_string(e), e % 5 == 0 ? event_kind::cop_meeting : event_kind::working_group_session,
            e % 5 == 0 ? std::nullopt : std::optional<std::string>("g" + std::to_string(e % 10)), local, utc));
    }
    for (int i = 0; i < 40000; ++i) {
        const auto& ev = f.events[static_cast<std::size_t>(i % events)];
        const auto& person = f.people[static_cast<std::size_t>((i / events) * 5 % people)];
        f.invitations.push_back(invite(ev.id, person.id, i % 3 == 0 ? presence(present) : presence(absent)));
    }
    const std::string late = "2027-01-01T00:00:00Z";
    const auto start = std::chrono::steady_clock::now();
    const auto by_person = make_attendance_report(f, report_grouping::person, 2026, late, language::nl);
    const auto by_org = make_attendance_report(f, report_grouping::organisation, 2026, late, language::nl);
    const auto commitments = check_commitments(f, 2026, late, {}, language::nl);
    const auto absence = absent_from_last_meetings(f, 2, late);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(by_person.total.invited == 40000);
    CHECK(by_person.total.present == 13334);
    CHECK(by_org.rows.size() == 50);
    CHECK(commitments.organisations.size() == 50);
    CHECK(absence.meetings.size() == 2);
    // Generous for sanitizer builds and a busy machine; a quadratic pass takes seconds.
    CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() < 500);
}
