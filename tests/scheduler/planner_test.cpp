#include "scheduler/planner.hpp"

#include <catch2/catch.hpp>

#include "scheduler/holidays.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace copsched::scheduler;

namespace {

const time_zone& amsterdam() {
    const time_zone* zone = find_time_zone("Europe/Amsterdam");
    REQUIRE(zone != nullptr);
    return *zone;
}

civil_date date(std::string_view text) {
    const auto d = parse_date(text);
    INFO("date " << text);
    REQUIRE(d.has_value());
    return *d;
}

// The instant the Amsterdam wall clock shows minutes after midnight on d (the first one).
sys_seconds local_at(const civil_date& d, int minutes) {
    return amsterdam().to_utc(civil_time{d, minutes / 60, minutes % 60, 0}).first;
}

interval local_span(const civil_date& d, int from_minutes, int to_minutes) {
    return {local_at(d, from_minutes), local_at(d, to_minutes)};
}

interval whole_days(const civil_date& first, const civil_date& last) {
    return {local_at(first, 0), local_at(add_days(last, 1), 0)};
}

std::string text(const slot& s) { return format_local_time(s.start_local); }

int start_minutes(const slot& s) { return s.start_local.hour * 60 + s.start_local.minute; }

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// --- an independent, deliberately plain reading of the contract in planner.hpp -----------

bool ref_overlap(const interval& a, const interval& b) {
    return a.start < a.end && b.start < b.end && a.start < b.end && b.start < a.end;
}

struct ref_slot {
    civil_date date;
    int start = 0;
    sys_seconds start_utc{};
    sys_seconds end_utc{};
    std::size_t people_free = 0;
    std::size_t orgs_free = 0;
    std::size_t orgs_total = 0;
    std::int64_t base = 0; // organisations + people + time points
};

std::vector<int> ref_starts(const plan_request& r) {
    std::set<int> s(r.start_times.begin(), r.start_times.end());
    if (s.empty()) s.insert(r.preferred_start_minutes);
    return {s.begin(), s.end()};
}

std::int64_t ref_time_points(const plan_request& r, int start) {
    const int off = std::abs(start - r.preferred_start_minutes);
    std::int64_t quarters = 0;
    while (quarters * 15 < off) ++quarters;
    return -(r.weights.off_preferred_time_per_hour * quarters / 4);
}

bool ref_slot_ok(const plan_request& r, const civil_date& d, int start, sys_seconds& s, sys_seconds& e) {
    if (std::find(r.weekdays.begin(), r.weekdays.end(), weekday_of(d)) == r.weekdays.end()) return false;
    if (is_dutch_day_off(d, r.days.liberation_day_every_year)) return false;
    const auto begin = r.zone->to_utc(civil_time{d, start / 60, start % 60, 0});
    if (begin.kind != local_kind::unique) return false;
    s = begin.first;
    e = s + std::chrono::minutes{r.duration_minutes};
    if (r.zone->to_utc(r.zone->to_local(e)).kind != local_kind::unique) return false;
    for (const auto& b : r.blackouts)
        if (ref_overlap({s, e}, b.when)) return false;
    for (const auto& ev : r.events)
        if (ref_overlap({s, e}, ev.when)) return false;
    return true;
}

// Every slot that meets the hard constraints, by (date, start), with its free counts.
std::vector<ref_slot> reference_slots(const plan_request& r) {
    std::vector<ref_slot> out;
    std::set<std::string> orgs;
    for (const auto& p : r.people)
        if (!p.organisation_id.empty()) orgs.insert(p.organisation_id);
    for (civil_date d = r.first_day; d <= r.last_day; d = add_days(d, 1)) {
        for (const int start : ref_starts(r)) {
            ref_slot x;
            if (!ref_slot_ok(r, d, start, x.start_utc, x.end_utc)) continue;
            x.date = d;
            x.start = start;
            std::set<std::string> free_orgs;
            for (const auto& p : r.people) {
                bool free = true;
                for (const auto& b : p.busy)
                    if (ref_overlap({x.start_utc, x.end_utc}, b)) free = false;
                if (!free) continue;
                ++x.people_free;
                if (!p.organisation_id.empty()) free_orgs.insert(p.organisation_id);
            }
            x.orgs_free = free_orgs.size();
            x.orgs_total = orgs.size();
            const auto people = static_cast<std::int64_t>(r.people.size());
            const auto n_orgs = static_cast<std::int64_t>(orgs.size());
            x.base = (n_orgs ? r.weights.organisations * static_cast<std::int64_t>(x.orgs_free) / n_orgs : 0) +
                     (people ? r.weights.people * static_cast<std::int64_t>(x.people_free) / people : 0) +
                     ref_time_points(r, start);
            out.push_back(x);
        }
    }
    return out;
}

std::int64_t ref_spread(const plan_request& r, std::size_t i, const civil_date& d) {
    const std::int64_t len = days_from_civil(r.last_day) - days_from_civil(r.first_day) + 1;
    const auto n = static_cast<std::int64_t>(r.count);
    const auto k = static_cast<std::int64_t>(i);
    const std::int64_t a = k * len / n;
    const std::int64_t b = (k + 1) * len / n;
    const std::int64_t middle = b > a ? a + (b - a - 1) / 2 : a;
    const std::int64_t at = days_from_civil(d) - days_from_civil(r.first_day);
    const std::int64_t dist = at > middle ? at - middle : middle - at;
    return -r.weights.spread_per_day * dist - (at >= a && at < b ? 0 : r.weights.outside_segment);
}

std::int64_t gap_of(const plan_request& r) { return std::max(r.min_gap_days, 1); }

std::int64_t days_between(const civil_date& a, const civil_date& b) { return days_from_civil(b) - days_from_civil(a); }

struct brute_best {
    bool found = false;
    std::int64_t total = 0;
    std::vector<std::size_t> picks;
};

// Every combination, in lexicographic order; only a strictly better one replaces the best,
// so the first optimal plan found is the lexicographically first.
void enumerate(const plan_request& r, const std::vector<ref_slot>& s, std::vector<std::size_t>& picked,
               std::int64_t acc, brute_best& best) {
    if (picked.size() == r.count) {
        if (!best.found || acc > best.total) best = {true, acc, picked};
        return;
    }
    for (std::size_t j = 0; j < s.size(); ++j) {
        if (!picked.empty() && days_between(s[picked.back()].date, s[j].date) < gap_of(r)) continue;
        picked.push_back(j);
        enumerate(r, s, picked, acc + s[j].base + ref_spread(r, picked.size() - 1, s[j].date), best);
        picked.pop_back();
    }
}

std::size_t ref_most_that_fit(const plan_request& r, const std::vector<ref_slot>& s) {
    // Longest chain by dynamic programming (independent of the planner's greedy count).
    std::vector<std::size_t> chain(s.size(), 1);
    std::size_t most = 0;
    for (std::size_t j = 0; j < s.size(); ++j) {
        for (std::size_t k = 0; k < j; ++k)
            if (days_between(s[k].date, s[j].date) >= gap_of(r)) chain[j] = std::max(chain[j], chain[k] + 1);
        most = std::max(most, chain[j]);
    }
    return most;
}

const ref_slot* find_ref(const std::vector<ref_slot>& s, const slot& when) {
    for (const auto& x : s)
        if (x.date == when.start_local.date && x.start == start_minutes(when)) return &x;
    return nullptr;
}

// --- random instances ---------------------------------------------------------------------

struct shape {
    int min_days = 10;
    int max_days = 30;
    int max_starts = 2;
    int max_people = 8;
    int max_busy = 4;
    int max_blackouts = 3;
    int max_events = 3;
    std::size_t max_count = 4;
    int max_gap = 10;
};

plan_request random_plan(std::mt19937& rng, const shape& sh) {
    const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    plan_request r;
    r.zone = &amsterdam();
    r.days.country = "NL";
    const int year = pick(2019, 2021);
    civil_date first = add_days(civil_date{year, 1, 1}, pick(0, 330));
    if (pick(0, 3) == 0) first = add_days(civil_date{2019, 3, 31}, -pick(0, 8)); // across the DST changes
    if (pick(0, 5) == 0) first = add_days(civil_date{2019, 10, 27}, -pick(0, 8));
    if (pick(0, 5) == 0) first = add_days(civil_date{year, 4, 20}, -pick(0, 8)); // Easter to Whitsun
    const int days = pick(sh.min_days, sh.max_days);
    r.first_day = first;
    r.last_day = add_days(first, days - 1);
    for (int w = 0; w < 7; ++w)
        if (pick(0, 1)) r.weekdays.push_back(static_cast<weekday>(w));
    if (r.weekdays.empty()) r.weekdays.push_back(static_cast<weekday>(pick(0, 6)));
    static const int preferred[] = {540, 600, 660};
    static const int starts[] = {90, 150, 480, 540, 600, 615, 690, 780, 840, 1380};
    r.preferred_start_minutes = preferred[pick(0, 2)];
    for (int k = pick(0, sh.max_starts); k > 0; --k) r.start_times.push_back(starts[pick(0, 9)]);
    static const int durations[] = {45, 60, 120, 180};
    r.duration_minutes = durations[pick(0, 3)];
    r.count = static_cast<std::size_t>(pick(1, static_cast<int>(sh.max_count)));
    r.min_gap_days = pick(0, sh.max_gap);
    r.days.liberation_day_every_year = pick(0, 3) == 0;
    r.alternatives = static_cast<std::size_t>(pick(0, 4));
    r.lang = pick(0, 1) ? language::en : language::nl;
    if (pick(0, 1)) {
        r.weights.organisations = pick(0, 2000);
        r.weights.people = pick(0, 1000);
        r.weights.off_preferred_time_per_hour = pick(0, 100);
        r.weights.spread_per_day = pick(0, 5);
        r.weights.outside_segment = pick(0, 500);
    }
    const auto random_interval = [&](int min_len, int max_len) {
        const sys_seconds s = local_at(add_days(first, pick(-1, days)), pick(0, 1439));
        return interval{s, s + std::chrono::minutes{pick(min_len, max_len)}};
    };
    for (int k = pick(0, sh.max_blackouts); k > 0; --k)
        r.blackouts.push_back(
            {"bo" + std::to_string(k), "Blackout " + std::to_string(k), random_interval(60, 3 * 1440)});
    for (int k = pick(0, sh.max_events); k > 0; --k)
        r.events.push_back({"ev" + std::to_string(k), "Event " + std::to_string(k), random_interval(30, 240)});
    for (int k = pick(0, sh.max_people); k > 0; --k) {
        planner_person p;
        p.id = "p" + std::to_string(k);
        const int org = pick(0, 4);
        p.organisation_id = org == 4 ? "" : "org" + std::to_string(org);
        for (int b = pick(0, sh.max_busy); b > 0; --b) {
            interval i = random_interval(15, 600);
            if (pick(0, 20) == 0) i.end = i.start; // empty: overlaps nothing
            p.busy.push_back(i);
        }
        r.people.push_back(std::move(p));
    }
    return r;
}

std::string describe(const score_breakdown& b) {
    std::ostringstream o;
    o << b.total << '/' << b.organisations_points << '/' << b.people_points << '/' << b.time_points << '/'
      << b.spread_points << '/' << b.organisations_free << '/' << b.organisations_total << '/' << b.people_free << '/'
      << b.people_total;
    return o.str();
}

std::string describe(const year_plan& p) {
    std::ostringstream o;
    o << p.total_score << ' ' << p.candidates_considered << ' ' << p.candidates_examined << '\n';
    for (const auto& m : p.meetings) {
        o << text(m.when) << ' ' << format_local_time(m.when.end_local) << ' ' << format_instant(m.when.start_utc)
          << ' ' << format_instant(m.when.end_utc) << ' ' << describe(m.score) << '\n';
        for (const auto& r : m.reasons) o << "  reason " << r << '\n';
        for (const auto& a : m.alternatives) {
            o << "  alt " << text(a.when) << ' ' << describe(a.score) << ' ' << a.plan_score_difference;
            for (const auto& w : a.why_lost) o << " | " << w;
            o << '\n';
        }
        for (const auto& e : m.excluded) o << "  excluded " << format_date(e.date) << ' ' << e.reason << '\n';
    }
    return o.str();
}

std::string describe(const result<year_plan>& p) {
    if (p) return describe(p.value());
    std::string out = "error " + std::to_string(static_cast<int>(p.err().code)) + " " + p.err().detail;
    for (const auto& f : p.err().fields) out += " " + f.field + ":" + f.problem;
    return out;
}

plan_request simple_plan(const char* first, const char* last, std::vector<weekday> weekdays, std::size_t count,
                         int gap) {
    plan_request r;
    r.zone = &amsterdam();
    r.days.country = "NL";
    r.first_day = date(first);
    r.last_day = date(last);
    r.weekdays = std::move(weekdays);
    r.count = count;
    r.min_gap_days = gap;
    return r;
}

std::vector<std::string> dates_of(const year_plan& p) {
    std::vector<std::string> out;
    for (const auto& m : p.meetings) out.push_back(format_date(m.when.start_local.date));
    return out;
}

const std::vector<weekday> working_days{weekday::monday, weekday::tuesday, weekday::wednesday, weekday::thursday,
                                        weekday::friday};

} // namespace

TEST_CASE("plan_year never violates a hard constraint", "[planner]") {
    std::mt19937 rng(20190331);
    shape sh;
    sh.min_days = 20;
    sh.max_days = 150;
    sh.max_starts = 4;
    sh.max_people = 15;
    sh.max_blackouts = 6;
    sh.max_events = 8;
    sh.max_count = 6;
    sh.max_gap = 30;
    int planned = 0;
    int conflicts = 0;
    for (int instance = 0; instance < 200; ++instance) {
        const plan_request r = random_plan(rng, sh);
        INFO("instance " << instance);
        const auto plan = plan_year(r);
        const auto ref = reference_slots(r);
        if (!plan) {
            REQUIRE(plan.err().code == errc::conflict);
            CHECK(ref_most_that_fit(r, ref) < r.count);
            ++conflicts;
            continue;
        }
        ++planned;
        const auto days = days_between(r.first_day, r.last_day) + 1;
        CHECK(plan->candidates_examined == static_cast<std::size_t>(days) * ref_starts(r).size());
        CHECK(plan->candidates_considered == ref.size());
        REQUIRE(plan->meetings.size() == r.count);
        std::int64_t total = 0;
        for (std::size_t i = 0; i < plan->meetings.size(); ++i) {
            const auto& m = plan->meetings[i];
            const civil_date d = m.when.start_local.date;
            INFO("meeting " << text(m.when));
            CHECK(std::find(r.weekdays.begin(), r.weekdays.end(), weekday_of(d)) != r.weekdays.end());
            CHECK(d >= r.first_day);
            CHECK(d <= r.last_day);
            CHECK_FALSE(is_dutch_day_off(d, r.days.liberation_day_every_year));
            const auto start = amsterdam().to_utc(m.when.start_local);
            CHECK(start.kind == local_kind::unique);
            CHECK(start.first == m.when.start_utc);
            const auto end = amsterdam().to_utc(m.when.end_local);
            CHECK(end.kind == local_kind::unique);
            CHECK(end.first == m.when.end_utc);
            CHECK(m.when.end_utc - m.when.start_utc == std::chrono::minutes{r.duration_minutes});
            const auto starts = ref_starts(r);
            CHECK(std::find(starts.begin(), starts.end(), start_minutes(m.when)) != starts.end());
            for (const auto& b : r.blackouts) CHECK_FALSE(ref_overlap({m.when.start_utc, m.when.end_utc}, b.when));
            for (const auto& e : r.events) CHECK_FALSE(ref_overlap({m.when.start_utc, m.when.end_utc}, e.when));
            if (i > 0) CHECK(days_between(plan->meetings[i - 1].when.start_local.date, d) >= gap_of(r));
            CHECK(m.score.total ==
                  m.score.organisations_points + m.score.people_points + m.score.time_points + m.score.spread_points);
            total += m.score.total;
        }
        CHECK(total == plan->total_score);
    }
    // The generator must exercise both outcomes.
    CHECK(planned > 50);
    CHECK(conflicts > 5);
}

TEST_CASE("plan_year finds the optimum that brute force finds and breaks ties the same way", "[planner]") {
    std::mt19937 rng(42);
    shape sh;
    int in_range = 0;
    int compared = 0;
    for (int instance = 0; instance < 100; ++instance) {
        plan_request r = random_plan(rng, sh);
        r.count = static_cast<std::size_t>(std::uniform_int_distribution<int>(2, 4)(rng));
        // Coarse weights now and then, so that ties are common.
        if (instance % 3 == 0) {
            r.weights = {};
            r.weights.spread_per_day = 0;
            r.weights.outside_segment = 0;
        }
        INFO("instance " << instance);
        const auto ref = reference_slots(r);
        if (ref.size() >= 15 && ref.size() <= 30) ++in_range;
        brute_best best;
        std::vector<std::size_t> picked;
        enumerate(r, ref, picked, 0, best);
        const auto plan = plan_year(r);
        if (!best.found) {
            REQUIRE_FALSE(plan);
            CHECK(plan.err().code == errc::conflict);
            continue;
        }
        REQUIRE(plan);
        ++compared;
        CHECK(plan->total_score == best.total);
        REQUIRE(plan->meetings.size() == best.picks.size());
        for (std::size_t i = 0; i < best.picks.size(); ++i) {
            const auto& want = ref[best.picks[i]];
            const auto& got = plan->meetings[i];
            CHECK(format_date(got.when.start_local.date) == format_date(want.date));
            CHECK(start_minutes(got.when) == want.start);
            CHECK(got.score.people_free == want.people_free);
            CHECK(got.score.organisations_free == want.orgs_free);
            CHECK(got.score.organisations_total == want.orgs_total);
            CHECK(got.score.total == want.base + ref_spread(r, i, want.date));
            CHECK(got.score.spread_points == ref_spread(r, i, want.date));
        }
    }
    CHECK(compared > 40);
    CHECK(in_range > 20);
}

TEST_CASE("plan_year is deterministic and ignores the order of its inputs", "[planner]") {
    std::mt19937 rng(7);
    shape sh;
    sh.max_days = 90;
    sh.max_people = 20;
    sh.max_starts = 3;
    for (int instance = 0; instance < 30; ++instance) {
        plan_request r = random_plan(rng, sh);
        INFO("instance " << instance);
        const std::string first = describe(plan_year(r));
        CHECK(describe(plan_year(r)) == first);

        std::shuffle(r.people.begin(), r.people.end(), rng);
        for (auto& p : r.people) std::shuffle(p.busy.begin(), p.busy.end(), rng);
        std::shuffle(r.blackouts.begin(), r.blackouts.end(), rng);
        std::shuffle(r.events.begin(), r.events.end(), rng);
        r.weekdays.push_back(r.weekdays.front());
        std::shuffle(r.weekdays.begin(), r.weekdays.end(), rng);
        if (!r.start_times.empty()) r.start_times.push_back(r.start_times.front());
        std::shuffle(r.start_times.begin(), r.start_times.end(), rng);
        CHECK(describe(plan_year(r)) == first);
    }
}

TEST_CASE("plan_year explanations are true of the data", "[planner]") {
    std::mt19937 rng(1234);
    shape sh;
    sh.max_days = 120;
    sh.max_people = 12;
    sh.max_starts = 3;
    sh.max_count = 4;
    int alternatives_seen = 0;
    int excluded_seen = 0;
    for (int instance = 0; instance < 80; ++instance) {
        plan_request r = random_plan(rng, sh);
        r.lang = language::en;
        r.alternatives = 4;
        INFO("instance " << instance);
        const auto plan = plan_year(r);
        if (!plan) continue;
        const auto ref = reference_slots(r);
        const std::int64_t first = days_from_civil(r.first_day);
        const std::int64_t len = days_between(r.first_day, r.last_day) + 1;
        for (std::size_t i = 0; i < plan->meetings.size(); ++i) {
            const auto& m = plan->meetings[i];
            INFO("meeting " << text(m.when));
            const ref_slot* mine = find_ref(ref, m.when);
            REQUIRE(mine != nullptr);

            // Reasons: the counts they state are the recomputed ones.
            bool people_stated = false;
            for (const auto& reason : m.reasons) {
                std::size_t a = 0;
                std::size_t b = 0;
                if (reason.find(" people free (") != std::string::npos) {
                    REQUIRE(std::sscanf(reason.c_str(), "%zu of %zu", &a, &b) == 2);
                    CHECK(a == mine->people_free);
                    CHECK(b == r.people.size());
                    people_stated = true;
                }
                if (reason.find(" organisations have at least one person free (") != std::string::npos) {
                    REQUIRE(std::sscanf(reason.c_str(), "%zu of %zu", &a, &b) == 2);
                    CHECK(a == mine->orgs_free);
                    CHECK(b == mine->orgs_total);
                    CHECK(reason.find("(" + std::to_string(a * 100 / b) + "%)") != std::string::npos);
                }
            }
            CHECK(people_stated == !r.people.empty());
            if (start_minutes(m.when) == r.preferred_start_minutes) {
                const auto minutes = r.preferred_start_minutes;
                const std::string hhmm =
                    std::to_string(minutes / 60) + (minutes % 60 < 10 ? ":0" : ":") + std::to_string(minutes % 60);
                CHECK(contains(m.reasons, "at the preferred start time " + hhmm));
            }

            // Alternatives: feasible with the neighbours kept, not better, best first.
            const std::int64_t lo = i > 0 ? days_from_civil(plan->meetings[i - 1].when.start_local.date) + gap_of(r)
                                          : std::numeric_limits<std::int64_t>::min();
            const std::int64_t hi = i + 1 < plan->meetings.size()
                                        ? days_from_civil(plan->meetings[i + 1].when.start_local.date) - gap_of(r)
                                        : std::numeric_limits<std::int64_t>::max();
            std::vector<std::int64_t> replacement_scores;
            for (const auto& x : ref)
                if (days_from_civil(x.date) >= lo && days_from_civil(x.date) <= hi &&
                    !(x.date == mine->date && x.start == mine->start))
                    replacement_scores.push_back(x.base + ref_spread(r, i, x.date));
            std::sort(replacement_scores.rbegin(), replacement_scores.rend());
            REQUIRE(m.alternatives.size() == std::min<std::size_t>(r.alternatives, replacement_scores.size()));
            for (std::size_t k = 0; k < m.alternatives.size(); ++k) {
                const auto& a = m.alternatives[k];
                alternatives_seen++;
                INFO("alternative " << text(a.when));
                const ref_slot* x = find_ref(ref, a.when);
                REQUIRE(x != nullptr);
                const std::int64_t day = days_from_civil(a.when.start_local.date);
                CHECK(day >= lo);
                CHECK(day <= hi);
                CHECK(a.score.total == x->base + ref_spread(r, i, x->date));
                CHECK(a.score.total == replacement_scores[k]);
                CHECK(a.plan_score_difference == a.score.total - m.score.total);
                CHECK(a.plan_score_difference <= 0);
                if (a.score.total == m.score.total) CHECK(a.when.start_local > m.when.start_local);
                if (k > 0) {
                    const auto& prev = m.alternatives[k - 1];
                    CHECK(prev.score.total >= a.score.total);
                    if (prev.score.total == a.score.total) CHECK(prev.when.start_local < a.when.start_local);
                }
                CHECK_FALSE(a.why_lost.empty());
                if (a.score.people_free < m.score.people_free) {
                    const auto n = m.score.people_free - a.score.people_free;
                    CHECK(contains(a.why_lost,
                                   std::to_string(n) + (n == 1 ? " fewer person free" : " fewer people free")));
                }
                if (a.score.total == m.score.total) CHECK(contains(a.why_lost, "equally good, but later"));
            }

            // Excluded days: in the segment, really without a usable slot (or a weekday holiday).
            const auto n = static_cast<std::int64_t>(r.count);
            const auto k = static_cast<std::int64_t>(i);
            const std::int64_t seg_first = first + k * len / n;
            const std::int64_t seg_end = first + (k + 1) * len / n;
            std::set<std::int64_t> listed;
            for (const auto& e : m.excluded) {
                excluded_seen++;
                const std::int64_t day = days_from_civil(e.date);
                INFO("excluded " << format_date(e.date) << " " << e.reason);
                CHECK(day >= seg_first);
                CHECK(day < seg_end);
                CHECK_FALSE(e.reason.empty());
                CHECK(std::none_of(ref.begin(), ref.end(), [&](const ref_slot& x) { return x.date == e.date; }));
                if (const auto h = dutch_holiday_on(e.date, r.days.liberation_day_every_year); h && h->day_off)
                    CHECK(e.reason == h->name_en);
                listed.insert(day);
            }
            for (std::int64_t day = seg_first; day < seg_end; ++day) {
                const civil_date d = civil_from_days(day);
                const bool allowed = std::find(r.weekdays.begin(), r.weekdays.end(), weekday_of(d)) != r.weekdays.end();
                const bool usable = std::any_of(ref.begin(), ref.end(), [&](const ref_slot& x) { return x.date == d; });
                if (allowed && !usable) CHECK(listed.count(day) == 1);
                if (usable) CHECK(listed.count(day) == 0);
            }
        }
    }
    CHECK(alternatives_seen > 100);
    CHECK(excluded_seen > 20);
}

TEST_CASE("plan_year scores by the documented rules", "[planner]") {
    SECTION("a whole year, no people: each meeting as close to its quarter's middle as the weekdays allow") {
        // Quarters of 2019 (365 days): days [0, 91), [91, 182), [182, 273), [273, 365); the
        // middles (days 45, 136, 227, 318) are Friday 15 Feb, 17 May, 16 Aug and 15 Nov. Thursday the day before wins the
        // tie with the Tuesday/Wednesday that are further away; Saturday is not allowed.
        auto r =
            simple_plan("2019-01-01", "2019-12-31", {weekday::tuesday, weekday::wednesday, weekday::thursday}, 4, 42);
        const auto plan = plan_year(r);
        REQUIRE(plan);
        CHECK(dates_of(plan.value()) ==
              std::vector<std::string>{"2019-02-14", "2019-05-16", "2019-08-15", "2019-11-14"});
        CHECK(plan->total_score == -8);
        for (const auto& m : plan->meetings) {
            CHECK(m.score.spread_points == -2);
            CHECK(m.score.time_points == 0);
            CHECK(text(m.when).substr(10) == "T10:00");
            CHECK(format_local_time(m.when.end_local).substr(10) == "T13:00");
        }
        CHECK(format_instant(plan->meetings[0].when.start_utc) == "2019-02-14T09:00:00Z"); // CET
        CHECK(format_instant(plan->meetings[1].when.start_utc) == "2019-05-16T08:00:00Z"); // CEST
        r.lang = language::en;
        const auto en = plan_year(r);
        REQUIRE(en);
        CHECK(contains(en->meetings[1].reasons, "in quarter 2, 1 day from its middle (2019-05-17)"));
        CHECK(contains(en->meetings[1].reasons, "at the preferred start time 10:00"));
        CHECK(contains(en->meetings[1].reasons, "no holiday, blackout or event on this date"));
        CHECK(contains(plan->meetings[1].reasons, "in kwartaal 2, 1 dag van het midden (2019-05-17)"));
        CHECK(contains(plan->meetings[1].reasons, "op de voorkeurstijd 10:00"));
        CHECK(contains(plan->meetings[1].reasons, "geen feestdag, blackout of evenement op deze datum"));
    }

    SECTION("time: every started quarter hour costs a quarter of the hourly weight, rounded towards zero") {
        auto r = simple_plan("2019-06-04", "2019-06-04", {weekday::tuesday}, 1, 0);
        r.start_times = {600, 605, 620, 690};
        r.weights.off_preferred_time_per_hour = 30;
        r.alternatives = 3;
        r.lang = language::en;
        // The only person is busy 10:00-11:00 local: only the 11:30 start has them free.
        r.people = {{"p1", "o1", {local_span(date("2019-06-04"), 600, 660)}}};
        r.duration_minutes = 60;
        const auto plan = plan_year(r);
        REQUIRE(plan);
        const auto& m = plan->meetings.at(0);
        CHECK(start_minutes(m.when) == 690);
        CHECK(m.score.time_points == -45); // 90 min: 6 quarters x 7.5
        CHECK(m.score.people_points == 500);
        CHECK(m.score.organisations_points == 1000);
        CHECK(contains(m.reasons, "starts 1h30 later than the preferred 10:00"));
        CHECK(contains(m.reasons, "1 of 1 people free (100%)"));
        CHECK(contains(m.reasons, "1 of 1 organisations have at least one person free (100%)"));
        REQUIRE(m.alternatives.size() == 3);
        CHECK(start_minutes(m.alternatives[0].when) == 600);
        CHECK(m.alternatives[0].score.time_points == 0);
        CHECK(start_minutes(m.alternatives[1].when) == 605);
        CHECK(m.alternatives[1].score.time_points == -7); // 1 quarter: 7.5 rounded towards zero
        CHECK(start_minutes(m.alternatives[2].when) == 620);
        CHECK(m.alternatives[2].score.time_points == -15); // 2 quarters
        CHECK(m.alternatives[0].plan_score_difference == 45 - 1500);
        CHECK(m.alternatives[0].why_lost ==
              std::vector<std::string>{"1 fewer person free", "1 fewer organisation with someone free"});
    }

    SECTION("organisations count once however many of their people are free") {
        auto r = simple_plan("2019-06-04", "2019-06-05", {weekday::tuesday, weekday::wednesday}, 1, 0);
        r.alternatives = 1;
        const civil_date tue = date("2019-06-04");
        const civil_date wed = date("2019-06-05");
        // Tuesday: both X people free, Y busy. Wednesday: one X person busy, Y free.
        r.people = {{"a", "X", {}},
                    {"b", "X", {local_span(wed, 0, 1440)}},
                    {"c", "Y", {local_span(tue, 540, 720)}},
                    {"d", "", {}}};
        const auto plan = plan_year(r);
        REQUIRE(plan);
        const auto& m = plan->meetings.at(0);
        CHECK(format_date(m.when.start_local.date) == "2019-06-05");
        CHECK(m.score.organisations_free == 2);
        CHECK(m.score.organisations_total == 2);
        CHECK(m.score.people_free == 3);
        CHECK(m.score.people_points == 500 * 3 / 4);
        CHECK(contains(m.reasons, "2 van 2 organisaties hebben minstens één persoon vrij (100%)"));
        CHECK(contains(m.reasons, "3 van 4 personen vrij (75%)"));
        REQUIRE(m.alternatives.size() == 1);
        const auto& a = m.alternatives[0];
        CHECK(a.score.organisations_free == 1);
        CHECK(a.score.people_free == 3);
        // Tuesday is 0 days from the middle of the two-day window, Wednesday 1.
        CHECK(a.plan_score_difference == (500 + 375 + 0) - (1000 + 375 - 2));
        CHECK(a.why_lost == std::vector<std::string>{"1 organisatie minder met iemand vrij"});
    }
}

TEST_CASE("plan_year avoids Dutch days off", "[planner]") {
    SECTION("Koningsdag 2019, a Saturday") {
        auto r = simple_plan("2019-04-01", "2019-04-30", {weekday::saturday}, 4, 0);
        const auto too_many = plan_year(r);
        REQUIRE_FALSE(too_many);
        CHECK(too_many.err().code == errc::conflict);
        CHECK(too_many.err().detail.find("Only 3 of 4 meetings fit") != std::string::npos);
        CHECK(too_many.err().detail.find("26 on a weekday that is not allowed, 1 on a public holiday") !=
              std::string::npos);
        r.count = 3;
        const auto plan = plan_year(r);
        REQUIRE(plan);
        CHECK(dates_of(plan.value()) == std::vector<std::string>{"2019-04-06", "2019-04-13", "2019-04-20"});
        // The last third, 21 to 30 April: Koningsdag, and Tweede Paasdag on a Monday.
        const auto& last = plan->meetings.back().excluded;
        REQUIRE(last.size() == 2);
        CHECK(format_date(last[0].date) == "2019-04-22");
        CHECK(last[0].reason == "Tweede Paasdag");
        CHECK(format_date(last[1].date) == "2019-04-27");
        CHECK(last[1].reason == "Koningsdag");
    }
    SECTION("Hemelvaartsdag 2019 on a Thursday") {
        auto r = simple_plan("2019-05-27", "2019-06-02", working_days, 4, 0);
        r.lang = language::en;
        const auto plan = plan_year(r);
        REQUIRE(plan);
        CHECK(dates_of(plan.value()) ==
              std::vector<std::string>{"2019-05-27", "2019-05-28", "2019-05-29", "2019-05-31"});
        bool listed = false;
        for (const auto& m : plan->meetings)
            for (const auto& e : m.excluded)
                if (format_date(e.date) == "2019-05-30") listed = e.reason == "Ascension Day";
        CHECK(listed);
        r.count = 5;
        CHECK_FALSE(plan_year(r));
    }
    SECTION("a day off on a weekday that is not allowed is still listed") {
        auto r = simple_plan("2019-04-15", "2019-04-26", {weekday::wednesday}, 1, 0);
        const auto plan = plan_year(r);
        REQUIRE(plan);
        const auto& ex = plan->meetings.at(0).excluded;
        REQUIRE(ex.size() == 2);
        CHECK(format_date(ex[0].date) == "2019-04-19");
        CHECK(ex[0].reason == "Goede Vrijdag");
        CHECK(format_date(ex[1].date) == "2019-04-22");
        CHECK(ex[1].reason == "Tweede Paasdag");
    }
    SECTION("Bevrijdingsdag: a day off in lustrum years or when asked, otherwise a working day") {
        auto r = simple_plan("2021-05-05", "2021-05-05", {weekday::wednesday}, 1, 0);
        const auto plan = plan_year(r);
        REQUIRE(plan);
        CHECK(contains(plan->meetings.at(0).reasons,
                       "ook op deze datum, zonder overlap: Bevrijdingsdag (dit jaar geen vrije dag)"));
        r.days.liberation_day_every_year = true;
        CHECK_FALSE(plan_year(r));
        auto lustrum = simple_plan("2020-05-05", "2020-05-05", {weekday::tuesday}, 1, 0);
        const auto none = plan_year(lustrum);
        REQUIRE_FALSE(none);
        CHECK(none.err().detail.find("No meeting fits") != std::string::npos);
    }
}

TEST_CASE("plan_year skips local times that DST makes nonexistent or ambiguous", "[planner]") {
    SECTION("31 March 2019: 02:30 does not exist") {
        auto r = simple_plan("2019-03-31", "2019-03-31", {weekday::sunday}, 1, 0);
        r.start_times = {150, 600};
        const auto plan = plan_year(r);
        REQUIRE(plan);
        CHECK(plan->candidates_examined == 2);
        CHECK(plan->candidates_considered == 1);
        CHECK(text(plan->meetings.at(0).when) == "2019-03-31T10:00");
        CHECK(format_instant(plan->meetings.at(0).when.start_utc) == "2019-03-31T08:00:00Z");

        r.start_times = {150};
        const auto none = plan_year(r);
        REQUIRE_FALSE(none);
        CHECK(none.err().code == errc::conflict);
        CHECK(none.err().detail.find("1 without a unique local time") != std::string::npos);

        // 01:30 CET exists; an hour of real time later the clocks show 03:30 CEST.
        r.start_times = {90};
        r.duration_minutes = 60;
        const auto early = plan_year(r);
        REQUIRE(early);
        CHECK(format_instant(early->meetings.at(0).when.start_utc) == "2019-03-31T00:30:00Z");
        CHECK(format_local_time(early->meetings.at(0).when.end_local) == "2019-03-31T03:30");
    }
    SECTION("27 October 2019: 02:30 happens twice") {
        auto r = simple_plan("2019-10-27", "2019-10-27", {weekday::sunday}, 1, 0);
        r.duration_minutes = 60;
        r.start_times = {150};
        CHECK_FALSE(plan_year(r));
        r.start_times = {90}; // ends at the first 02:30
        CHECK_FALSE(plan_year(r));
        r.start_times = {180};
        const auto plan = plan_year(r);
        REQUIRE(plan);
        CHECK(format_instant(plan->meetings.at(0).when.start_utc) == "2019-10-27T02:00:00Z");
    }
    SECTION("the skipped day is explained") {
        auto r = simple_plan("2019-03-31", "2019-04-01", {weekday::sunday, weekday::monday}, 1, 0);
        r.start_times = {150};
        r.lang = language::en;
        const auto plan = plan_year(r);
        REQUIRE(plan);
        CHECK(text(plan->meetings.at(0).when) == "2019-04-01T02:30");
        const auto& ex = plan->meetings.at(0).excluded;
        REQUIRE(ex.size() == 1);
        CHECK(format_date(ex[0].date) == "2019-03-31");
        CHECK(ex[0].reason == "no unique local time (daylight saving change)");
    }
}

TEST_CASE("plan_year names blackouts and events that exclude days", "[planner]") {
    auto r = simple_plan("2019-06-03", "2019-06-07", working_days, 1, 0);
    r.lang = language::en;
    r.start_times = {600, 840};
    r.blackouts = {{"b1", "Pinksterweek", whole_days(date("2019-06-03"), date("2019-06-04"))}};
    r.events = {{"e1", "Board", local_span(date("2019-06-05"), 540, 1080)},
                {"e2", "Lunch talk", local_span(date("2019-06-06"), 780, 810)},
                {"e3", "Late one", local_span(date("2019-06-06"), 840, 900)}};
    const auto plan = plan_year(r);
    REQUIRE(plan);
    const auto& m = plan->meetings.at(0);
    CHECK(text(m.when) == "2019-06-06T10:00");
    CHECK(m.reasons.back() == "also on this date, not overlapping: event 'Lunch talk', event 'Late one'");
    REQUIRE(m.excluded.size() == 3);
    CHECK(m.excluded[0].reason == "blackout: Pinksterweek");
    CHECK(m.excluded[1].reason == "blackout: Pinksterweek");
    CHECK(m.excluded[2].reason == "event: Board");
    CHECK(format_date(m.excluded[2].date) == "2019-06-05");
    // Friday 10:00 is as good but later; 14:00 on Thursday clashes with "Late one".
    REQUIRE(m.alternatives.size() == 2);
    CHECK(text(m.alternatives[0].when) == "2019-06-07T10:00");
    CHECK(text(m.alternatives[1].when) == "2019-06-07T14:00");
}

TEST_CASE("plan_year rejects invalid requests", "[planner]") {
    const auto field_of = [](const plan_request& r) {
        const auto p = plan_year(r);
        REQUIRE_FALSE(p);
        REQUIRE(p.err().code == errc::invalid_input);
        REQUIRE_FALSE(p.err().fields.empty());
        return p.err().fields.front().field;
    };
    const plan_request good = simple_plan("2019-01-01", "2019-12-31", working_days, 4, 42);
    REQUIRE(plan_year(good));
    auto r = good;
    r.last_day = date("2018-12-31");
    CHECK(field_of(r) == "first_day");
    r = good;
    r.first_day = {2019, 2, 30};
    CHECK(field_of(r) == "first_day");
    r = good;
    r.weekdays.clear();
    CHECK(field_of(r) == "weekdays");
    r = good;
    r.duration_minutes = 0;
    CHECK(field_of(r) == "duration_minutes");
    r.duration_minutes = 24 * 60 + 1;
    CHECK(field_of(r) == "duration_minutes");
    r = good;
    r.count = 0;
    CHECK(field_of(r) == "count");
    r.count = r.limits.max_count + 1;
    CHECK(field_of(r) == "count");
    r = good;
    r.min_gap_days = -1;
    CHECK(field_of(r) == "min_gap_days");
    r = good;
    r.start_times = {600, 1440};
    CHECK(field_of(r) == "start_times");
    r.start_times = {-1};
    CHECK(field_of(r) == "start_times");
    r = good;
    r.preferred_start_minutes = 1440;
    CHECK(field_of(r) == "preferred_start_minutes");
    r = good;
    r.alternatives = r.limits.max_alternatives + 1;
    CHECK(field_of(r) == "alternatives");
    r = good;
    for (int m = 0; m < 60; ++m) r.start_times.push_back(m * 15); // 365 x 60 > 20000
    CHECK(field_of(r) == "first_day");
    r = good;
    r.zone = nullptr;
    const auto internal = plan_year(r);
    REQUIRE_FALSE(internal);
    CHECK(internal.err().code == errc::internal);

    SECTION("a conflict says how many fit and why days were excluded") {
        // 64 weekdays, one of them Nieuwjaarsdag, five in the blackout: Jan 2, then Feb 25.
        auto c = simple_plan("2019-01-01", "2019-03-31", working_days, 4, 45);
        c.blackouts = {{"b", "Krokusvakantie", whole_days(date("2019-02-18"), date("2019-02-22"))}};
        const auto p = plan_year(c);
        REQUIRE_FALSE(p);
        CHECK(p.err().code == errc::conflict);
        CHECK(p.err().detail ==
              "Only 2 of 4 meetings fit between 2019-01-01 and 2019-03-31 with at least 45 days between them: 58 of 90 "
              "days have a usable slot; excluded: 26 on a weekday that is not allowed, 5 blocked by a blackout, 1 on a "
              "public holiday.");
    }
}

// --- suggestions --------------------------------------------------------------------------

namespace {

// Qualified: a system header declares another group_member.
copsched::scheduler::group_member make_member(std::string id, std::vector<interval> busy,
                                              const char* from = "2019-01-01",
                                              std::optional<const char*> until = std::nullopt) {
    copsched::scheduler::group_member m;
    m.person.id = std::move(id);
    m.person.busy = std::move(busy);
    m.from = date(from);
    if (until) m.until = date(*until);
    return m;
}

suggestion_request week_request() {
    suggestion_request r;
    r.zone = &amsterdam();
    r.days.country = "NL";
    r.first_day = date("2019-06-03"); // Monday
    r.last_day = date("2019-06-07");  // Friday
    r.step_minutes = 60;
    r.count = 3;
    return r;
}

void check_suggestion_rules(const suggestion_request& r, const std::vector<suggestion>& out) {
    std::set<std::int64_t> days;
    for (std::size_t k = 0; k < out.size(); ++k) {
        const auto& s = out[k];
        REQUIRE(s.occurrences.size() == r.occurrences);
        CHECK(s.occurrences.front().when.start_local.date >= r.first_day);
        CHECK(s.occurrences.front().when.start_local.date <= r.last_day);
        std::size_t free = 0;
        std::size_t total = 0;
        for (std::size_t o = 0; o < s.occurrences.size(); ++o) {
            const auto& occ = s.occurrences[o];
            const civil_date d = occ.when.start_local.date;
            INFO("occurrence " << text(occ.when));
            CHECK(days_between(s.occurrences.front().when.start_local.date, d) ==
                  static_cast<std::int64_t>(o) * 7 * r.interval_weeks);
            CHECK(start_minutes(occ.when) == start_minutes(s.occurrences.front().when));
            CHECK(start_minutes(occ.when) >= r.day_start_minutes);
            CHECK((start_minutes(occ.when) - r.day_start_minutes) % r.step_minutes == 0);
            CHECK(start_minutes(occ.when) + r.duration_minutes <= r.day_end_minutes);
            CHECK(std::find(r.weekdays.begin(), r.weekdays.end(), weekday_of(d)) != r.weekdays.end());
            CHECK_FALSE(is_dutch_day_off(d, r.days.liberation_day_every_year));
            CHECK(amsterdam().to_utc(occ.when.start_local).kind == local_kind::unique);
            CHECK(amsterdam().to_utc(occ.when.start_local).first == occ.when.start_utc);
            CHECK(amsterdam().to_utc(occ.when.end_local).kind == local_kind::unique);
            const interval when{occ.when.start_utc, occ.when.end_utc};
            for (const auto& b : r.blackouts) CHECK_FALSE(ref_overlap(when, b.when));
            for (const auto& b : r.blocked) CHECK_FALSE(ref_overlap(when, b.when));
            CHECK(days.insert(days_from_civil(d)).second); // no day used twice
            std::vector<std::string> want_free;
            std::vector<std::string> want_busy;
            for (const auto& m : r.members) {
                if (d < m.from || (m.until && *m.until < d)) continue;
                bool is_free = true;
                for (const auto& b : m.person.busy)
                    if (ref_overlap(when, b)) is_free = false;
                (is_free ? want_free : want_busy).push_back(m.person.id);
            }
            std::sort(want_free.begin(), want_free.end());
            std::sort(want_busy.begin(), want_busy.end());
            CHECK(occ.free == want_free);
            CHECK(occ.busy == want_busy);
            free += want_free.size();
            total += want_free.size() + want_busy.size();
        }
        CHECK(s.members_free == free);
        CHECK(s.members_total == total);
        CHECK(s.score == (total == 0 ? 0 : static_cast<std::int64_t>(free * 1000 / total)));
        if (k > 0) {
            const auto& prev = out[k - 1];
            CHECK(prev.score >= s.score);
            if (prev.score == s.score)
                CHECK(prev.occurrences.front().when.start_local < s.occurrences.front().when.start_local);
        }
    }
}

} // namespace

TEST_CASE("suggest_slots ranks by free members and uses each day once", "[planner]") {
    auto r = week_request();
    const auto day = [](const char* d) { return local_span(date(d), 0, 1440); };
    r.members = {make_member("a", {day("2019-06-03")}),
                 make_member("b", {day("2019-06-03"), day("2019-06-04"), day("2019-06-05")}),
                 make_member("c", {day("2019-06-03"), day("2019-06-04"), day("2019-06-05"), day("2019-06-06")})};
    const auto out = suggest_slots(r);
    REQUIRE(out);
    REQUIRE(out->size() == 3);
    CHECK(text(out->at(0).occurrences.at(0).when) == "2019-06-07T09:00");
    CHECK(out->at(0).score == 1000);
    CHECK(text(out->at(1).occurrences.at(0).when) == "2019-06-06T09:00");
    CHECK(out->at(1).score == 666);
    CHECK(out->at(1).occurrences.at(0).free == std::vector<std::string>{"a", "b"});
    CHECK(out->at(1).occurrences.at(0).busy == std::vector<std::string>{"c"});
    CHECK(text(out->at(2).occurrences.at(0).when) == "2019-06-04T09:00"); // Tuesday before Wednesday
    CHECK(out->at(2).score == 333);
    check_suggestion_rules(r, out.value());

    r.count = 10;
    const auto all = suggest_slots(r);
    REQUIRE(all);
    CHECK(all->size() == 5); // five days, one each
    CHECK(all->back().score == 0);
    check_suggestion_rules(r, all.value());
}

TEST_CASE("suggest_slots counts members only while they are members", "[planner]") {
    auto r = week_request();
    r.count = 5;
    r.members = {make_member("a", {}), make_member("late", {}, "2019-06-06"),
                 make_member("gone", {local_span(date("2019-06-03"), 0, 1440)}, "2019-01-01", "2019-06-03")};
    const auto out = suggest_slots(r);
    REQUIRE(out);
    REQUIRE(out->size() == 5);
    for (const auto& s : out.value()) {
        const civil_date d = s.occurrences.at(0).when.start_local.date;
        const std::size_t expected_total = d == date("2019-06-03") ? 2 : d >= date("2019-06-06") ? 2 : 1;
        INFO(format_date(d));
        CHECK(s.members_total == expected_total);
        CHECK(contains(s.occurrences.at(0).free, "late") == (d >= date("2019-06-06")));
        CHECK(contains(s.occurrences.at(0).busy, "gone") == (d == date("2019-06-03")));
    }
    // Monday scores 500 (the leaver is busy) and comes last; the other days all score 1000.
    CHECK(format_date(out->back().occurrences.at(0).when.start_local.date) == "2019-06-03");
    CHECK(out->back().score == 500);
    check_suggestion_rules(r, out.value());

    r.members.clear();
    const auto nobody = suggest_slots(r);
    REQUIRE(nobody);
    CHECK(nobody->size() == 5);
    for (const auto& s : nobody.value()) CHECK(s.score == 0);
}

TEST_CASE("suggest_slots avoids blocked events and blackouts", "[planner]") {
    auto r = week_request();
    r.count = 5;
    r.members = {make_member("a", {})};
    r.blocked = {{"cop", "CoP meeting", local_span(date("2019-06-07"), 540, 720)}};
    r.blackouts = {{"bo", "Studiedag", whole_days(date("2019-06-06"), date("2019-06-06"))}};
    const auto out = suggest_slots(r);
    REQUIRE(out);
    REQUIRE(out->size() == 4);
    std::vector<std::string> starts;
    for (const auto& s : out.value()) starts.push_back(text(s.occurrences.at(0).when));
    CHECK(starts ==
          std::vector<std::string>{"2019-06-03T09:00", "2019-06-04T09:00", "2019-06-05T09:00", "2019-06-07T12:00"});
    check_suggestion_rules(r, out.value());
}

TEST_CASE("suggest_slots checks a recurring pattern occurrence by occurrence", "[planner]") {
    suggestion_request r;
    r.zone = &amsterdam();
    r.days.country = "NL";
    r.first_day = date("2019-05-06");
    r.last_day = date("2019-05-24");
    r.weekdays = {weekday::thursday};
    r.day_start_minutes = 600;
    r.day_end_minutes = 720;
    r.duration_minutes = 120;
    r.occurrences = 3;
    r.interval_weeks = 1;
    r.count = 5;
    // Busy only in the second week of the first pattern.
    r.members = {make_member("a", {}), make_member("b", {local_span(date("2019-05-16"), 0, 1440)})};
    const auto out = suggest_slots(r);
    REQUIRE(out);
    // Thursdays 9, 16 and 23 May start patterns; those from the 16th and 23rd reach
    // Hemelvaartsdag (30 May), and any pattern overlaps the first one's days.
    REQUIRE(out->size() == 1);
    const auto& s = out->at(0);
    REQUIRE(s.occurrences.size() == 3);
    CHECK(text(s.occurrences[0].when) == "2019-05-09T10:00");
    CHECK(text(s.occurrences[1].when) == "2019-05-16T10:00");
    CHECK(text(s.occurrences[2].when) == "2019-05-23T10:00");
    CHECK(s.occurrences[1].busy == std::vector<std::string>{"b"});
    CHECK(s.occurrences[0].busy.empty());
    CHECK(s.members_free == 5);
    CHECK(s.members_total == 6);
    CHECK(s.score == 833);
    check_suggestion_rules(r, out.value());

    SECTION("every other week, running past the window") {
        r.interval_weeks = 2;
        r.first_day = date("2019-05-06");
        r.last_day = date("2019-05-10");
        const auto two = suggest_slots(r);
        REQUIRE(two);
        REQUIRE(two->size() == 1);
        CHECK(text(two->at(0).occurrences[2].when) == "2019-06-06T10:00");
        check_suggestion_rules(r, two.value());
    }
    SECTION("across the DST change, at the same wall-clock time") {
        r.weekdays = {weekday::tuesday};
        r.first_day = date("2019-03-19");
        r.last_day = date("2019-03-19");
        r.interval_weeks = 1;
        const auto dst = suggest_slots(r);
        REQUIRE(dst);
        REQUIRE(dst->size() == 1);
        CHECK(format_instant(dst->at(0).occurrences[0].when.start_utc) == "2019-03-19T09:00:00Z");
        CHECK(format_instant(dst->at(0).occurrences[2].when.start_utc) == "2019-04-02T08:00:00Z");
    }
}

TEST_CASE("suggest_slots keeps its rules on random instances", "[planner]") {
    std::mt19937 rng(99);
    const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    std::size_t suggestions = 0;
    for (int instance = 0; instance < 100; ++instance) {
        INFO("instance " << instance);
        suggestion_request r;
        r.zone = &amsterdam();
        r.days.country = "NL";
        r.days.country = "NL";
        r.first_day = add_days(date("2019-01-01"), pick(0, 700));
        r.last_day = add_days(r.first_day, pick(0, 20));
        r.weekdays.clear();
        for (int w = 0; w < 7; ++w)
            if (pick(0, 2)) r.weekdays.push_back(static_cast<weekday>(w));
        if (r.weekdays.empty()) r.weekdays.push_back(weekday::tuesday);
        r.day_start_minutes = pick(0, 10) * 60;
        r.day_end_minutes = std::min(1440, r.day_start_minutes + pick(2, 12) * 60);
        r.step_minutes = pick(1, 4) * 15;
        r.duration_minutes = pick(1, 8) * 15;
        r.count = static_cast<std::size_t>(pick(1, 8));
        r.occurrences = static_cast<std::size_t>(pick(1, 4));
        r.interval_weeks = pick(1, 3);
        r.days.liberation_day_every_year = pick(0, 1) == 1;
        const auto span = [&](int max_len) {
            const sys_seconds s = local_at(add_days(r.first_day, pick(0, 40)), pick(0, 1439));
            return interval{s, s + std::chrono::minutes{pick(15, max_len)}};
        };
        for (int k = pick(0, 3); k > 0; --k) r.blackouts.push_back({"b", "B", span(2880)});
        for (int k = pick(0, 5); k > 0; --k) r.blocked.push_back({"e", "E", span(240)});
        for (int k = pick(0, 6); k > 0; --k) {
            std::vector<interval> busy;
            for (int b = pick(0, 10); b > 0; --b) busy.push_back(span(600));
            auto m = make_member("m" + std::to_string(k), busy);
            m.from = add_days(r.first_day, pick(-10, 30));
            if (pick(0, 1)) m.until = add_days(m.from, pick(0, 30));
            r.members.push_back(std::move(m));
        }
        const auto out = suggest_slots(r);
        REQUIRE(out);
        CHECK(out->size() <= r.count);
        suggestions += out->size();
        check_suggestion_rules(r, out.value());
    }
    CHECK(suggestions > 100);
}

TEST_CASE("suggest_slots rejects invalid requests", "[planner]") {
    const auto field_of = [](const suggestion_request& r) {
        const auto s = suggest_slots(r);
        REQUIRE_FALSE(s);
        REQUIRE(s.err().code == errc::invalid_input);
        return s.err().fields.at(0).field;
    };
    const auto good = week_request();
    REQUIRE(suggest_slots(good));
    auto r = good;
    r.last_day = date("2019-06-02");
    CHECK(field_of(r) == "from");
    r = good;
    r.duration_minutes = 0;
    CHECK(field_of(r) == "duration_minutes");
    r = good;
    r.count = 0;
    CHECK(field_of(r) == "count");
    r = good;
    r.occurrences = 0;
    CHECK(field_of(r) == "occurrences");
    r.occurrences = r.limits.max_occurrences + 1;
    CHECK(field_of(r) == "occurrences");
    r = good;
    r.interval_weeks = 0;
    CHECK(field_of(r) == "interval_weeks");
    r = good;
    r.step_minutes = 0;
    CHECK(field_of(r) == "step_minutes");
    r = good;
    r.weekdays.clear();
    CHECK(field_of(r) == "weekdays");
    r = good;
    r.day_end_minutes = r.day_start_minutes;
    CHECK(field_of(r) == "day_end_minutes");
    r = good;
    r.first_day = date("2019-01-01");
    r.last_day = date("2021-12-31");
    r.step_minutes = 5; // 1096 days x 85 starts
    CHECK(field_of(r) == "from");
    r = good;
    r.zone = nullptr;
    const auto internal = suggest_slots(r);
    REQUIRE_FALSE(internal);
    CHECK(internal.err().code == errc::internal);
}

// A whole year with many people: the brute force above cannot enumerate it, so the optimum is
// checked with an independent dynamic programme over the reference slots. Its time at 1,000
// people is measured by tests/bench/planner.sh.
TEST_CASE("plan_year finds the optimum of a whole year with 300 people", "[planner]") {
    std::mt19937 rng(2019);
    plan_request r = simple_plan("2019-01-01", "2019-12-31", working_days, 4, 42);
    r.start_times = {540, 600, 660, 780, 840};
    const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (int p = 0; p < 300; ++p) {
        planner_person person{"p" + std::to_string(p), "org" + std::to_string(p % 40), {}};
        for (int b = 0; b < 20; ++b) {
            const sys_seconds s = local_at(add_days(r.first_day, pick(0, 364)), pick(420, 1140));
            person.busy.push_back({s, s + std::chrono::minutes{pick(30, 240)}});
        }
        r.people.push_back(std::move(person));
    }
    for (int e = 0; e < 50; ++e) {
        const sys_seconds s = local_at(add_days(r.first_day, pick(0, 364)), pick(480, 1000));
        r.events.push_back({"e" + std::to_string(e), "Event", {s, s + std::chrono::minutes{120}}});
    }
    const auto plan = plan_year(r);
    REQUIRE(plan);
    const auto ref = reference_slots(r);
    CHECK(plan->candidates_considered == ref.size());
    REQUIRE(plan->meetings.size() == 4);
    for (const auto& m : plan->meetings) {
        INFO("meeting " << text(m.when));
        const ref_slot* x = find_ref(ref, m.when);
        REQUIRE(x != nullptr);
        CHECK(m.score.people_free == x->people_free);
    }
    // best[k][j]: the best total of k+1 meetings whose last is slot j (slots are by date).
    constexpr std::int64_t none = std::numeric_limits<std::int64_t>::min();
    std::vector<std::vector<std::int64_t>> best(r.count, std::vector<std::int64_t>(ref.size(), none));
    for (std::size_t j = 0; j < ref.size(); ++j) best[0][j] = ref[j].base + ref_spread(r, 0, ref[j].date);
    for (std::size_t k = 1; k < r.count; ++k)
        for (std::size_t j = 0; j < ref.size(); ++j)
            for (std::size_t i = 0; i < j; ++i)
                if (best[k - 1][i] != none && days_between(ref[i].date, ref[j].date) >= gap_of(r))
                    best[k][j] = std::max(best[k][j], best[k - 1][i] + ref[j].base + ref_spread(r, k, ref[j].date));
    const auto optimum = *std::max_element(best[r.count - 1].begin(), best[r.count - 1].end());
    CHECK(plan->total_score == optimum);
}
