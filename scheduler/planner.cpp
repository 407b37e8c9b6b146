#include "scheduler/planner.hpp"

#include "scheduler/day_rules.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

namespace copsched::scheduler {
namespace {

using day_number = std::int64_t; // days since 1970-01-01

constexpr int minutes_per_day = 24 * 60;
constexpr std::int64_t unreachable = std::numeric_limits<std::int64_t>::min();
constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

civil_time at_minutes(const civil_date& d, int minutes) noexcept { return {d, minutes / 60, minutes % 60, 0}; }

// The slot starting at the local time, lasting duration_minutes of real time; nullopt when
// its start or end falls in a DST gap or overlap.
std::optional<slot> make_slot(const time_zone& zone, const civil_date& d, int start_minutes, int duration_minutes) {
    const civil_time start_local = at_minutes(d, start_minutes);
    const local_result start = zone.to_utc(start_local);
    if (start.kind != local_kind::unique) return std::nullopt;
    const sys_seconds end_utc = start.first + std::chrono::minutes{duration_minutes};
    const civil_time end_local = zone.to_local(end_utc);
    if (zone.to_utc(end_local).kind != local_kind::unique) return std::nullopt;
    return slot{start_local, end_local, start.first, end_utc};
}

// Everyone's busy intervals, sorted and merged per person, in flat arrays: built once per
// request, then swept (year plan: every slot at once) or binary searched (one slot).
class busy_index {
public:
    void reserve(std::size_t people, std::size_t intervals) {
        offsets_.reserve(people + 1);
        starts_.reserve(intervals);
        ends_.reserve(intervals);
    }

    void add(const std::vector<interval>& busy) {
        std::vector<interval>& sorted = scratch_;
        sorted.clear();
        for (const auto& b : busy)
            if (b.start < b.end) sorted.push_back(b);
        std::sort(sorted.begin(), sorted.end(), [](const interval& a, const interval& b) {
            return a.start != b.start ? a.start < b.start : a.end < b.end;
        });
        const std::size_t first = starts_.size();
        for (const auto& b : sorted) {
            if (starts_.size() > first && b.start <= ends_.back()) {
                ends_.back() = std::max(ends_.back(), b.end);
            } else {
                starts_.push_back(b.start);
                ends_.push_back(b.end);
            }
        }
        offsets_.push_back(starts_.size());
    }

    [[nodiscard]] bool is_free(std::size_t person, const interval& when) const {
        const auto first = ends_.begin() + static_cast<std::ptrdiff_t>(offsets_[person]);
        const auto last = ends_.begin() + static_cast<std::ptrdiff_t>(offsets_[person + 1]);
        // The first busy interval ending after the slot starts is the only one that can overlap.
        const auto it = std::upper_bound(first, last, when.start);
        return it == last || starts_[static_cast<std::size_t>(it - ends_.begin())] >= when.end;
    }

    // Calls free_at(k) for every k in `order` at which the person is free; `order` lists
    // indexes into `slots` by ascending start, so one pointer walks the person's intervals.
    template <class F>
    void for_each_free(std::size_t person, const std::vector<interval>& slots, const std::vector<std::size_t>& order,
                       F&& free_at) const {
        std::size_t j = offsets_[person];
        const std::size_t end = offsets_[person + 1];
        for (const std::size_t k : order) {
            const interval& s = slots[k];
            while (j < end && ends_[j] <= s.start) ++j;
            if (j == end || starts_[j] >= s.end) free_at(k);
        }
    }

private:
    std::vector<sys_seconds> starts_;
    std::vector<sys_seconds> ends_;
    std::vector<std::size_t> offsets_{0}; // person p: [offsets_[p], offsets_[p + 1])
    std::vector<interval> scratch_;       // reused by add()
};

// Blackouts or events in a fixed order (start, end, id, name), so that the reasons named
// do not depend on the order the caller gathered them in.
class blocker_index {
public:
    explicit blocker_index(const std::vector<named_interval>& items) {
        for (const auto& i : items)
            if (i.when.start < i.when.end) items_.push_back(&i);
        std::sort(items_.begin(), items_.end(), [](const named_interval* a, const named_interval* b) {
            return std::tie(a->when.start, a->when.end, a->id, a->name) <
                   std::tie(b->when.start, b->when.end, b->id, b->name);
        });
        for (const auto* i : items_)
            max_end_.push_back(max_end_.empty() ? i->when.end : std::max(max_end_.back(), i->when.end));
    }

    // Every item overlapping when, in the index's order.
    [[nodiscard]] std::vector<const named_interval*> overlapping(const interval& when, std::size_t limit = none) const {
        std::vector<const named_interval*> out;
        // Items before the first whose running maximum end passes when.start all end too early.
        const auto from =
            std::partition_point(max_end_.begin(), max_end_.end(), [&](sys_seconds e) { return e <= when.start; });
        for (auto k = static_cast<std::size_t>(from - max_end_.begin()); k < items_.size() && out.size() < limit; ++k) {
            if (items_[k]->when.start >= when.end) break;
            if (items_[k]->when.end > when.start) out.push_back(items_[k]);
        }
        return out;
    }

    [[nodiscard]] const named_interval* first_overlap(const interval& when) const {
        const auto found = overlapping(when, 1);
        return found.empty() ? nullptr : found.front();
    }

private:
    std::vector<const named_interval*> items_;
    std::vector<sys_seconds> max_end_; // max_end_[k]: the latest end among items_[0..k]
};

// The people of a plan request: busy times and organisations, by index.
struct population {
    busy_index busy;
    std::vector<std::size_t> organisation_of; // per person; none for an empty organisation_id
    std::size_t organisations = 0;
    std::size_t people = 0;

    explicit population(const std::vector<planner_person>& people_in) : people(people_in.size()) {
        std::vector<std::string> ids;
        for (const auto& p : people_in)
            if (!p.organisation_id.empty()) ids.push_back(p.organisation_id);
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        organisations = ids.size();
        std::size_t intervals = 0;
        for (const auto& p : people_in) intervals += p.busy.size();
        busy.reserve(people_in.size(), intervals);
        organisation_of.reserve(people_in.size());
        for (const auto& p : people_in) {
            busy.add(p.busy);
            organisation_of.push_back(
                p.organisation_id.empty()
                    ? none
                    : static_cast<std::size_t>(std::lower_bound(ids.begin(), ids.end(), p.organisation_id) -
                                               ids.begin()));
        }
    }
};

struct free_counts {
    std::size_t people = 0;
    std::size_t organisations = 0;
};

// The free counts of every slot: one sweep per person over the slots in start order
// (O(people x (slots + busy intervals))), people taken organisation by organisation so that
// an organisation is counted once per slot.
std::vector<free_counts> count_free(const population& pop, const std::vector<interval>& slots) {
    std::vector<free_counts> out(slots.size());
    std::vector<std::size_t> order(slots.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return slots[a].start < slots[b].start; });
    std::vector<std::size_t> by_organisation(pop.people);
    for (std::size_t p = 0; p < by_organisation.size(); ++p) by_organisation[p] = p;
    std::stable_sort(by_organisation.begin(), by_organisation.end(),
                     [&](std::size_t a, std::size_t b) { return pop.organisation_of[a] < pop.organisation_of[b]; });
    std::vector<char> organisation_free(slots.size(), 0);
    const auto close_organisation = [&] {
        for (std::size_t k = 0; k < slots.size(); ++k) {
            out[k].organisations += static_cast<std::size_t>(organisation_free[k]);
            organisation_free[k] = 0;
        }
    };
    std::size_t current = none;
    for (const std::size_t p : by_organisation) {
        const std::size_t o = pop.organisation_of[p];
        if (o != current && current != none) close_organisation();
        current = o;
        pop.busy.for_each_free(p, slots, order, [&](std::size_t k) {
            ++out[k].people;
            organisation_free[k] = 1;
        });
    }
    // People without an organisation sort last (none is the largest index): their marks are never counted.
    if (current != none) close_organisation();
    return out;
}

std::int64_t share(std::int64_t weight, std::size_t part, std::size_t total) noexcept {
    return total == 0 ? 0 : weight * static_cast<std::int64_t>(part) / static_cast<std::int64_t>(total);
}

// See the header: each started quarter hour away from the preferred start costs a quarter
// of the hourly weight, the sum rounded towards zero.
std::int64_t time_points(const plan_weights& w, int start_minutes, int preferred_minutes) noexcept {
    const std::int64_t quarters = (std::abs(start_minutes - preferred_minutes) + 14) / 15;
    return -(w.off_preferred_time_per_hour * quarters / 4);
}

struct segment {
    day_number first = 0; // inclusive
    day_number end = 0;   // exclusive
    day_number middle = 0;
    [[nodiscard]] bool contains(day_number d) const noexcept { return d >= first && d < end; }
};

std::vector<segment> segments_of(day_number first_day, day_number length, std::size_t n) {
    std::vector<segment> out;
    const auto count = static_cast<day_number>(n);
    for (day_number i = 0; i < count; ++i) {
        const day_number a = first_day + i * length / count;
        const day_number b = first_day + (i + 1) * length / count;
        out.push_back({a, b, b > a ? a + (b - a - 1) / 2 : a});
    }
    return out;
}

std::int64_t spread_points(const plan_weights& w, const segment& s, day_number day) noexcept {
    return -w.spread_per_day * std::abs(day - s.middle) - (s.contains(day) ? 0 : w.outside_segment);
}

// A slot that met every hard constraint, with its score before the spread part.
struct candidate {
    day_number day = 0;
    int start_minutes = 0;
    slot when;
    score_breakdown base;           // spread_points 0; total without spread
    bool in_school_holiday = false; // with school_mode prefer_not (avoid excludes the day)
};

score_breakdown scored(const candidate& c, const plan_weights& w, const segment& s) {
    score_breakdown b = c.base;
    b.spread_points = spread_points(w, s, c.day);
    b.total += b.spread_points;
    return b;
}

// Why a day of the window has no usable slot; `none_` when it has one.
enum class day_block { none_, weekday, holiday, school_holiday, blackout, event, local_time };

struct day_facts {
    bool allowed = false;
    std::optional<day_holiday> holiday_on; // day off or not
    std::vector<school_holiday> school;    // the school holidays of the request's regions
    day_block block = day_block::none_;
    std::vector<std::string> reasons; // distinct hard reasons of its start times, in the request language
};

// --- texts -------------------------------------------------------------------------------

std::string clock_text(int minutes) {
    const int h = minutes / 60;
    const int m = minutes % 60;
    std::string out = std::to_string(h) + ":";
    if (m < 10) out += '0';
    return out + std::to_string(m);
}

// "1h30", "2h", "45 min" ("1u30" in Dutch).
std::string duration_text(int minutes, bool nl) {
    const int h = minutes / 60;
    const int m = minutes % 60;
    if (h == 0) return std::to_string(m) + " min";
    std::string out = std::to_string(h) + (nl ? "u" : "h");
    if (m != 0) out += (m < 10 ? "0" : "") + std::to_string(m);
    return out;
}

std::string days_text(std::int64_t n, bool nl) {
    return std::to_string(n) + (nl ? (n == 1 ? " dag" : " dagen") : (n == 1 ? " day" : " days"));
}

std::string segment_name(std::size_t i, std::size_t n, bool nl) {
    if (n == 4) return (nl ? "kwartaal " : "quarter ") + std::to_string(i + 1);
    return (nl ? "periode " : "period ") + std::to_string(i + 1) + (nl ? " van " : " of ") + std::to_string(n);
}

// Why the days between the segment's middle and the chosen day did not get the meeting,
// where the days themselves are the reason: the distinct reasons of the excluded days on
// allowed weekdays there (public or school holiday, blackout, event), and school holidays
// with prefer_not; empty when there are none (then the scores explain the choice).
std::string closer_days_reason(const plan_request& r, const std::vector<const day_facts*>& closer,
                               const civil_date& middle) {
    const bool nl = r.lang == language::nl;
    std::vector<std::string> parts;
    const auto add = [&](std::string part) {
        if (std::find(parts.begin(), parts.end(), part) == parts.end()) parts.push_back(std::move(part));
    };
    // School holidays are gathered over all the days (one text, regions united); other
    // reasons are kept as the days give them.
    std::vector<school_holiday> excluded_school, penalised_school;
    const auto gather = [](std::vector<school_holiday>& into, const std::vector<school_holiday>& from) {
        for (const auto& h : from)
            if (std::find(into.begin(), into.end(), h) == into.end()) into.push_back(h);
    };
    for (const auto* f : closer) {
        if (f->block == day_block::weekday) continue;
        if (f->block == day_block::school_holiday) {
            gather(excluded_school, f->school);
        } else if (f->block != day_block::none_) {
            std::string joined;
            for (const auto& part : f->reasons) joined += (joined.empty() ? "" : "; ") + part;
            add(std::move(joined));
        } else if (!f->school.empty()) {
            gather(penalised_school, f->school);
        }
    }
    if (!excluded_school.empty()) parts.insert(parts.begin(), school_holiday_text(excluded_school, r.lang));
    if (!penalised_school.empty())
        add(school_holiday_text(penalised_school, r.lang) + (nl ? ", liever niet (-" : ", preferably not (-") +
            std::to_string(r.weights.school_holiday) + (nl ? " punten)" : " points)"));
    if (parts.empty()) return {};
    constexpr std::size_t shown = 3;
    std::string what;
    for (std::size_t k = 0; k < parts.size() && k < shown; ++k) what += (k ? ", " : "") + parts[k];
    if (parts.size() > shown) what += nl ? " en meer" : " and more";
    return (nl ? "dichter bij het midden (" : "closer to its middle (") + format_date(middle) +
           (nl ? ") vallen dagen af: " : "), days are out: ") + what;
}

std::vector<std::string> reasons_for(const plan_request& r, const candidate& c, const score_breakdown& b,
                                     const segment& s, std::size_t index, const day_facts& facts,
                                     const std::vector<const day_facts*>& closer, const blocker_index& blackouts,
                                     const blocker_index& events) {
    const bool nl = r.lang == language::nl;
    std::vector<std::string> out;
    if (b.organisations_total > 0)
        out.push_back(std::to_string(b.organisations_free) + (nl ? " van " : " of ") +
                      std::to_string(b.organisations_total) +
                      (nl ? " organisaties hebben minstens één persoon vrij ("
                          : " organisations have at least one person free (") +
                      std::to_string(b.organisations_free * 100 / b.organisations_total) + "%)");
    if (b.people_total > 0)
        out.push_back(std::to_string(b.people_free) + (nl ? " van " : " of ") + std::to_string(b.people_total) +
                      (nl ? " personen vrij (" : " people free (") +
                      std::to_string(b.people_free * 100 / b.people_total) + "%)");
    const int off = c.start_minutes - r.preferred_start_minutes;
    const std::string preferred = clock_text(r.preferred_start_minutes);
    if (off == 0)
        out.push_back((nl ? "op de voorkeurstijd " : "at the preferred start time ") + preferred);
    else
        out.push_back((nl ? "begint " : "starts ") + duration_text(std::abs(off), nl) +
                      (off > 0 ? " later" : (nl ? " eerder" : " earlier")) +
                      (nl ? " dan de voorkeurstijd " : " than the preferred ") + preferred);
    const std::string name = segment_name(index, r.count, nl);
    const std::int64_t distance = std::abs(c.day - s.middle);
    const std::string middle = format_date(civil_from_days(s.middle));
    if (s.contains(c.day))
        out.push_back(distance == 0 ? "in " + name + (nl ? ", op het midden (" : ", on its middle (") + middle + ")"
                                    : "in " + name + ", " + days_text(distance, nl) +
                                          (nl ? " van het midden (" : " from its middle (") + middle + ")");
    else
        out.push_back((nl ? "buiten " : "outside ") + (nl ? name : "its " + name) + " (" +
                      format_date(civil_from_days(s.first)) + (nl ? " tot en met " : " to ") +
                      format_date(civil_from_days(s.end - 1)) + "), " + days_text(distance, nl) +
                      (nl ? " van het midden (" : " from its middle (") + middle + ")");
    if (auto why = closer_days_reason(r, closer, civil_from_days(s.middle)); !why.empty())
        out.push_back(std::move(why));
    if (c.in_school_holiday)
        out.push_back((nl ? "in de " : "in the ") + school_holiday_text(facts.school, r.lang) + ": " +
                      std::to_string(b.school_holiday_points) +
                      (nl ? " punten (schoolvakanties: liever niet)" : " points (school holidays: prefer_not)"));

    // What else is on this date, none of it overlapping the slot.
    const civil_date date = civil_from_days(c.day);
    const interval whole_day{r.zone->to_utc({date, 0, 0, 0}).first, r.zone->to_utc({add_days(date, 1), 0, 0, 0}).first};
    std::vector<std::string> also;
    if (facts.holiday_on)
        also.push_back(facts.holiday_on->name + (nl ? " (dit jaar geen vrije dag)" : " (not a day off this year)"));
    for (const auto* blackout : blackouts.overlapping(whole_day)) also.push_back("blackout '" + blackout->name + "'");
    for (const auto* e : events.overlapping(whole_day))
        also.push_back((nl ? "evenement '" : "event '") + e->name + "'");
    if (also.empty()) {
        if (!r.days.school_regions.empty())
            out.push_back(nl ? "geen feestdag, schoolvakantie, blackout of evenement op deze datum"
                             : "no public holiday, school holiday, blackout or event on this date");
        else
            out.push_back(nl ? "geen feestdag, blackout of evenement op deze datum"
                             : "no holiday, blackout or event on this date");
    } else {
        std::string text = nl ? "ook op deze datum, zonder overlap: " : "also on this date, not overlapping: ";
        for (std::size_t k = 0; k < also.size(); ++k) text += (k ? ", " : "") + also[k];
        out.push_back(std::move(text));
    }
    return out;
}

// The parts in which alt is worse than the chosen slot, compared in counts, days and
// minutes; "equally good, but later" when the totals tie (the tie rule chose the earlier).
std::vector<std::string> why_lost(const plan_request& r, const candidate& chosen, const score_breakdown& cb,
                                  const candidate& alt, const score_breakdown& ab, const segment& s,
                                  std::size_t index) {
    const bool nl = r.lang == language::nl;
    std::vector<std::string> out;
    if (ab.people_free < cb.people_free) {
        const std::size_t n = cb.people_free - ab.people_free;
        out.push_back(std::to_string(n) + (nl ? (n == 1 ? " persoon minder vrij" : " personen minder vrij")
                                              : (n == 1 ? " fewer person free" : " fewer people free")));
    }
    if (ab.organisations_free < cb.organisations_free) {
        const std::size_t n = cb.organisations_free - ab.organisations_free;
        out.push_back(
            std::to_string(n) +
            (nl ? (n == 1 ? " organisatie minder met iemand vrij" : " organisaties minder met iemand vrij")
                : (n == 1 ? " fewer organisation with someone free" : " fewer organisations with someone free")));
    }
    const std::int64_t chosen_distance = std::abs(chosen.day - s.middle);
    const std::int64_t alt_distance = std::abs(alt.day - s.middle);
    const std::string name = segment_name(index, r.count, nl);
    const std::string kind = r.count == 4 ? (nl ? "het kwartaal" : "its quarter") : (nl ? "de periode" : "its period");
    if (alt_distance > chosen_distance)
        out.push_back(days_text(alt_distance - chosen_distance, nl) +
                      (nl ? " verder van het midden van " : " further from the middle of ") + kind);
    if (!s.contains(alt.day) && s.contains(chosen.day)) out.push_back((nl ? "buiten " : "outside ") + kind);
    const int chosen_off = std::abs(chosen.start_minutes - r.preferred_start_minutes);
    const int alt_off = std::abs(alt.start_minutes - r.preferred_start_minutes);
    const std::string preferred = clock_text(r.preferred_start_minutes);
    if (alt_off > chosen_off) {
        if (chosen_off == 0)
            out.push_back((nl ? "niet op de voorkeurstijd " : "not at the preferred start time ") + preferred);
        else
            out.push_back(duration_text(alt_off - chosen_off, nl) +
                          (nl ? " verder van de voorkeurstijd " : " further from the preferred start time ") +
                          preferred);
    }
    if (alt.in_school_holiday && !chosen.in_school_holiday)
        out.push_back(nl ? "in een schoolvakantie (" + std::to_string(ab.school_holiday_points) + " punten)"
                         : "in a school holiday (" + std::to_string(ab.school_holiday_points) + " points)");
    if (ab.total == cb.total)
        out.push_back(nl ? "even goed, maar later" : "equally good, but later");
    else if (out.empty())
        out.push_back(nl ? "lagere score" : "lower score");
    return out;
}

// How many meetings fit at most: the earliest usable day, then each next one at least
// `gap` days later (optimal for points on a line with a minimum spacing).
std::size_t most_that_fit(const std::vector<candidate>& cands, day_number gap) {
    std::size_t fits = 0;
    day_number last = 0;
    for (const auto& c : cands) {
        if (fits == 0 || c.day >= last + gap) {
            ++fits;
            last = c.day;
        }
    }
    return fits;
}

error not_enough_days(const plan_request& r, const std::vector<day_facts>& days, std::size_t usable_days,
                      std::size_t fits, day_number gap) {
    std::array<std::size_t, 7> per_block{};
    for (const auto& d : days) ++per_block[static_cast<std::size_t>(d.block)];
    std::vector<std::pair<std::size_t, std::string>> parts{
        {per_block[static_cast<std::size_t>(day_block::weekday)], "on a weekday that is not allowed"},
        {per_block[static_cast<std::size_t>(day_block::holiday)], "on a public holiday"},
        {per_block[static_cast<std::size_t>(day_block::school_holiday)], "in a school holiday"},
        {per_block[static_cast<std::size_t>(day_block::blackout)], "blocked by a blackout"},
        {per_block[static_cast<std::size_t>(day_block::event)], "blocked by an event"},
        {per_block[static_cast<std::size_t>(day_block::local_time)], "without a unique local time"},
    };
    std::stable_sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::string detail = fits == 0
                             ? "No meeting fits"
                             : "Only " + std::to_string(fits) + " of " + std::to_string(r.count) + " meetings fit";
    detail +=
        " between " + format_date(r.first_day) + " and " + format_date(r.last_day) + " with " +
        (gap <= 1 ? std::string("each on its own day") : "at least " + std::to_string(gap) + " days between them") +
        ": " + std::to_string(usable_days) + " of " + std::to_string(days.size()) + " days have a usable slot";
    bool first = true;
    for (const auto& [n, what] : parts) {
        if (n == 0) continue;
        detail += (first ? "; excluded: " : ", ") + std::to_string(n) + " " + what;
        first = false;
    }
    return {errc::conflict, detail + ".", {}};
}

// --- plan_year, step by step: validate, candidates, score, choose, explain --------------

// When school holidays count but the data does not cover the whole window: which days were
// not checked (stated, not guessed).
std::optional<std::string> school_data_note(const day_rules& d, const civil_date& first, const civil_date& last,
                                            language lang) {
    if (d.school_regions.empty()) return std::nullopt;
    const bool nl = lang == language::nl;
    const auto covered = school_holiday_coverage(d);
    if (!covered)
        return nl ? "Er zijn geen schoolvakantiegegevens voor " + d.country + "; schoolvakanties zijn niet meegenomen."
                  : "There is no school holiday data for " + d.country + "; school holidays were not considered.";
    if (!(first < covered->first) && !(covered->last < last)) return std::nullopt;
    const civil_date from = first < covered->first ? first : add_days(covered->last, 1);
    const civil_date to = covered->last < last ? last : add_days(covered->first, -1);
    return nl ? "De schoolvakanties van " + d.country + " zijn bekend van " + format_date(covered->first) +
                    " tot en met " + format_date(covered->last) + "; " + format_date(from) + " tot en met " +
                    format_date(to) + " is niet op schoolvakanties gecontroleerd."
              : "The school holidays of " + d.country + " are known from " + format_date(covered->first) + " to " +
                    format_date(covered->last) + "; " + format_date(from) + " to " + format_date(to) +
                    " was not checked for school holidays.";
}

// Every invalid field of the request at once (the window size is checked after them).
std::vector<field_problem> plan_problems(const plan_request& r) {
    std::vector<field_problem> problems;
    const auto bad = [&](std::string field, std::string problem) {
        problems.push_back({std::move(field), std::move(problem)});
    };
    if (!is_valid(r.first_day)) bad("first_day", "Not a valid date.");
    if (!is_valid(r.last_day)) bad("last_day", "Not a valid date.");
    if (is_valid(r.first_day) && is_valid(r.last_day) && r.first_day > r.last_day)
        bad("first_day", "The plan window is empty: it starts after it ends.");
    if (r.weekdays.empty()) bad("weekdays", "At least one weekday must be allowed.");
    if (r.duration_minutes <= 0 || r.duration_minutes > minutes_per_day)
        bad("duration_minutes", "Must be 1 to 1440 minutes.");
    if (r.count == 0 || r.count > r.limits.max_count)
        bad("count", "Must be 1 to " + std::to_string(r.limits.max_count) + " meetings.");
    if (r.min_gap_days < 0) bad("min_gap_days", "Must not be negative.");
    if (r.preferred_start_minutes < 0 || r.preferred_start_minutes >= minutes_per_day)
        bad("preferred_start_minutes", "Must be 0 to 1439 minutes after midnight.");
    if (std::any_of(r.start_times.begin(), r.start_times.end(), [](int s) { return s < 0 || s >= minutes_per_day; }))
        bad("start_times", "Each must be 0 to 1439 minutes after midnight.");
    if (r.alternatives > r.limits.max_alternatives)
        bad("alternatives", "At most " + std::to_string(r.limits.max_alternatives) + " per meeting.");
    return problems;
}

// The start times tried on each day: the given ones, or else the preferred one; ascending.
std::vector<int> start_times_of(const plan_request& r) {
    std::vector<int> starts = r.start_times.empty() ? std::vector<int>{r.preferred_start_minutes} : r.start_times;
    std::sort(starts.begin(), starts.end());
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
    return starts;
}

std::array<bool, 7> allowed_weekdays(const std::vector<weekday>& weekdays) {
    std::array<bool, 7> allowed{};
    for (const weekday w : weekdays) allowed[static_cast<std::size_t>(w)] = true;
    return allowed;
}

// What the steps of plan_year share once the request is valid. Lives for one call.
struct plan_context {
    const plan_request& r;
    day_number first = 0;          // the window's first day
    day_number length = 0;         // its number of days
    std::vector<int> starts;       // start times tried on each day, ascending
    std::array<bool, 7> allowed{}; // by weekday
    blocker_index blackouts;
    blocker_index events;
    std::vector<segment> segments; // one per meeting
    day_number gap = 1;            // least days between two meetings' dates
    bool nl = true;                // texts in Dutch
};

// The window's slots checked against the hard constraints.
struct window_scan {
    std::vector<day_facts> days;  // per day of the window
    std::vector<candidate> cands; // the survivors, by (date, start); base scores still empty
    std::size_t usable_days = 0;
};

// One day of the window: its slots that meet every hard constraint go to `out`; its facts
// say why it has none (for a blocked day, each start time's reason once).
day_facts check_day(const plan_context& c, day_number day, std::vector<candidate>& out) {
    const plan_request& r = c.r;
    const civil_date date = civil_from_days(day);
    day_facts f;
    f.allowed = c.allowed[static_cast<std::size_t>(weekday_of(date))];
    f.holiday_on = holiday_on(r.days, date, r.lang);
    if (!f.allowed) {
        f.block = day_block::weekday;
        return f;
    }
    if (f.holiday_on && f.holiday_on->day_off) {
        f.block = day_block::holiday;
        f.reasons.push_back(f.holiday_on->name);
        return f;
    }
    f.school = school_holidays_on(r.days, date);
    const bool school_penalty = !f.school.empty() && r.days.school_mode == school_holiday_mode::prefer_not;
    if (!f.school.empty() && !school_penalty) {
        f.block = day_block::school_holiday;
        f.reasons.push_back(school_holiday_text(f.school, r.lang));
        return f;
    }
    bool usable = false;
    bool by_blackout = false;
    bool by_event = false;
    for (const int start : c.starts) {
        const auto made = make_slot(*r.zone, date, start, r.duration_minutes);
        std::string reason;
        if (!made) {
            reason = c.nl ? "geen eenduidige lokale tijd (zomertijdwissel)"
                          : "no unique local time (daylight saving change)";
        } else if (const auto* blackout = c.blackouts.first_overlap({made->start_utc, made->end_utc})) {
            reason = "blackout: " + blackout->name;
            by_blackout = true;
        } else if (const auto* clash = c.events.first_overlap({made->start_utc, made->end_utc})) {
            reason = (c.nl ? "evenement: " : "event: ") + clash->name;
            by_event = true;
        } else {
            out.push_back({day, start, *made, {}, school_penalty});
            usable = true;
            continue;
        }
        if (std::find(f.reasons.begin(), f.reasons.end(), reason) == f.reasons.end())
            f.reasons.push_back(std::move(reason));
    }
    if (!usable) f.block = by_blackout ? day_block::blackout : by_event ? day_block::event : day_block::local_time;
    return f;
}

window_scan find_candidates(const plan_context& c) {
    window_scan scan;
    scan.days.reserve(static_cast<std::size_t>(c.length));
    for (day_number k = 0; k < c.length; ++k) {
        scan.days.push_back(check_day(c, c.first + k, scan.cands));
        if (scan.days.back().block == day_block::none_) ++scan.usable_days;
    }
    return scan;
}

// Fills each candidate's base score: who is free, and how far it is from the preferred time.
void score_candidates(const plan_request& r, std::vector<candidate>& cands) {
    const population pop(r.people);
    std::vector<interval> spans;
    spans.reserve(cands.size());
    for (const auto& c : cands) spans.push_back({c.when.start_utc, c.when.end_utc});
    const std::vector<free_counts> free = count_free(pop, spans);
    for (std::size_t k = 0; k < cands.size(); ++k) {
        score_breakdown& b = cands[k].base;
        b.people_free = free[k].people;
        b.people_total = pop.people;
        b.organisations_free = free[k].organisations;
        b.organisations_total = pop.organisations;
        b.organisations_points = share(r.weights.organisations, free[k].organisations, pop.organisations);
        b.people_points = share(r.weights.people, free[k].people, pop.people);
        b.time_points = time_points(r.weights, cands[k].start_minutes, r.preferred_start_minutes);
        b.school_holiday_points = cands[k].in_school_holiday ? -r.weights.school_holiday : 0;
        b.total = b.organisations_points + b.people_points + b.time_points + b.school_holiday_points;
    }
}

// The score of candidate x as meeting i: its base plus the spread part for segment i.
std::int64_t score_as(const plan_context& c, const candidate& x, std::size_t i) noexcept {
    return x.base.total + spread_points(c.r.weights, c.segments[i], x.day);
}

// best[j], at[j]: the best of later[j..count) and the earliest index holding it
// (unreachable and none when there is none).
void best_from_each(const std::int64_t* later, std::size_t count, std::vector<std::int64_t>& best,
                    std::vector<std::size_t>& at) {
    best[count] = unreachable;
    at[count] = none;
    for (std::size_t j = count; j-- > 0;) {
        // >= : on a tie the earlier candidate wins.
        if (later[j] != unreachable && later[j] >= best[j + 1]) {
            best[j] = later[j];
            at[j] = j;
        } else {
            best[j] = best[j + 1];
            at[j] = at[j + 1];
        }
    }
}

// best[i * columns + c]: the best score of meetings i..n-1 with meeting i at candidate c;
// next_of[i * columns + c]: where meeting i + 1 then goes (the earliest on ties).
struct plan_table {
    std::size_t columns = 0; // candidates
    std::vector<std::int64_t> best;
    std::vector<std::size_t> next_of;
};

// Filled from the last meeting back, so that choosing forwards from the earliest best
// first meeting yields the lexicographically first optimal plan.
plan_table fill_plan_table(const plan_context& c, const std::vector<candidate>& cands) {
    const std::size_t n = c.r.count;
    const std::size_t columns = cands.size();
    plan_table t{columns, std::vector<std::int64_t>(n * columns, unreachable),
                 std::vector<std::size_t>(n * columns, none)};
    std::vector<std::int64_t> suffix_best(columns + 1);
    std::vector<std::size_t> suffix_at(columns + 1);
    for (std::size_t i = n; i-- > 0;) {
        std::int64_t* row = t.best.data() + i * columns;
        if (i + 1 == n) {
            for (std::size_t k = 0; k < columns; ++k) row[k] = score_as(c, cands[k], i);
            continue;
        }
        best_from_each(t.best.data() + (i + 1) * columns, columns, suffix_best, suffix_at);
        std::size_t j = 0; // the first candidate at least `gap` days after candidate k
        for (std::size_t k = 0; k < columns; ++k) {
            while (j < columns && cands[j].day < cands[k].day + c.gap) ++j;
            if (suffix_best[j] == unreachable) continue;
            row[k] = score_as(c, cands[k], i) + suffix_best[j];
            t.next_of[i * columns + k] = suffix_at[j];
        }
    }
    return t;
}

struct chosen_plan {
    std::vector<std::size_t> meetings; // candidate indexes, in date order
    std::int64_t total = 0;
};

// The best plan exactly; nullopt when `count` meetings do not fit.
std::optional<chosen_plan> choose_plan(const plan_context& c, const std::vector<candidate>& cands) {
    const plan_table t = fill_plan_table(c, cands);
    std::size_t at = none;
    for (std::size_t k = 0; k < t.columns; ++k)
        if (t.best[k] != unreachable && (at == none || t.best[k] > t.best[at])) at = k;
    if (at == none) return std::nullopt;
    chosen_plan plan;
    plan.total = t.best[at];
    for (std::size_t i = 0; i < c.r.count; ++i) {
        plan.meetings.push_back(at);
        if (i + 1 < c.r.count) at = t.next_of[i * t.columns + at];
    }
    return plan;
}

// The best replacements for meeting i between its neighbours, the gap kept to both.
std::vector<plan_alternative> alternatives_for(const plan_context& c, const std::vector<candidate>& cands,
                                               const std::vector<std::size_t>& chosen, std::size_t i,
                                               const score_breakdown& chosen_score) {
    const std::size_t n = chosen.size();
    const day_number lo = i > 0 ? cands[chosen[i - 1]].day + c.gap : std::numeric_limits<day_number>::min();
    const day_number hi = i + 1 < n ? cands[chosen[i + 1]].day - c.gap : std::numeric_limits<day_number>::max();
    const auto by_day_lo =
        std::partition_point(cands.begin(), cands.end(), [&](const candidate& x) { return x.day < lo; });
    const auto by_day_hi =
        std::partition_point(by_day_lo, cands.end(), [&](const candidate& x) { return x.day <= hi; });
    std::vector<std::pair<std::int64_t, std::size_t>> options; // (score, index)
    for (auto it = by_day_lo; it != by_day_hi; ++it) {
        const auto idx = static_cast<std::size_t>(it - cands.begin());
        if (idx != chosen[i]) options.emplace_back(score_as(c, *it, i), idx);
    }
    const std::size_t keep = std::min(options.size(), c.r.alternatives);
    std::partial_sort(
        options.begin(), options.begin() + static_cast<std::ptrdiff_t>(keep), options.end(),
        [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    std::vector<plan_alternative> out;
    for (std::size_t k = 0; k < keep; ++k) {
        const candidate& alt = cands[options[k].second];
        plan_alternative a;
        a.when = alt.when;
        a.score = scored(alt, c.r.weights, c.segments[i]);
        a.plan_score_difference = a.score.total - chosen_score.total;
        a.why_lost = why_lost(c.r, cands[chosen[i]], chosen_score, alt, a.score, c.segments[i], i);
        out.push_back(std::move(a));
    }
    return out;
}

// The days of the segment on an allowed weekday without a usable slot, and the Dutch days
// off on Monday..Friday whatever the allowed weekdays.
std::vector<excluded_day> excluded_days(const plan_context& c, const std::vector<day_facts>& days, const segment& seg) {
    std::vector<excluded_day> out;
    for (day_number day = seg.first; day < seg.end; ++day) {
        const day_facts& f = days[static_cast<std::size_t>(day - c.first)];
        const weekday wd = weekday_of(civil_from_days(day));
        if (f.allowed && f.block != day_block::none_) {
            std::string reason;
            for (const auto& part : f.reasons) reason += (reason.empty() ? "" : "; ") + part;
            out.push_back({civil_from_days(day), std::move(reason)});
        } else if (!f.allowed && f.holiday_on && f.holiday_on->day_off && wd != weekday::saturday &&
                   wd != weekday::sunday) {
            out.push_back({civil_from_days(day), f.holiday_on->name});
        }
    }
    return out;
}

// Chosen meeting i with its score, the reasons for it, its alternatives and excluded days.
planned_meeting explain_meeting(const plan_context& c, const window_scan& scan, const std::vector<std::size_t>& chosen,
                                std::size_t i) {
    const candidate& x = scan.cands[chosen[i]];
    const segment& seg = c.segments[i];
    planned_meeting m;
    m.when = x.when;
    m.score = scored(x, c.r.weights, seg);
    // The days from the middle (inclusive) towards the chosen day (exclusive), in the window.
    std::vector<const day_facts*> closer;
    for (day_number d = seg.middle; d != x.day; d += (x.day > seg.middle ? 1 : -1))
        if (d >= c.first && d < c.first + c.length) closer.push_back(&scan.days[static_cast<std::size_t>(d - c.first)]);
    m.reasons = reasons_for(c.r, x, m.score, seg, i, scan.days[static_cast<std::size_t>(x.day - c.first)], closer,
                            c.blackouts, c.events);
    m.alternatives = alternatives_for(c, scan.cands, chosen, i, m.score);
    m.excluded = excluded_days(c, scan.days, seg);
    return m;
}

// --- suggest_slots ------------------------------------------------------------------------

// Every invalid field of the request at once (the window size is checked after them).
std::vector<field_problem> suggestion_problems(const suggestion_request& r) {
    std::vector<field_problem> problems;
    const auto bad = [&](std::string field, std::string problem) {
        problems.push_back({std::move(field), std::move(problem)});
    };
    if (!is_valid(r.first_day) || !is_valid(r.last_day) || r.first_day > r.last_day)
        bad("from", "The window is empty or not made of valid dates.");
    if (r.weekdays.empty()) bad("weekdays", "At least one weekday must be allowed.");
    if (r.duration_minutes <= 0 || r.duration_minutes > minutes_per_day)
        bad("duration_minutes", "Must be 1 to 1440 minutes.");
    if (r.count == 0 || r.count > r.limits.max_count)
        bad("count", "Must be 1 to " + std::to_string(r.limits.max_count) + " suggestions.");
    if (r.occurrences == 0 || r.occurrences > r.limits.max_occurrences)
        bad("occurrences", "Must be 1 to " + std::to_string(r.limits.max_occurrences) + ".");
    if (r.interval_weeks < 1 || r.interval_weeks > r.limits.max_interval_weeks)
        bad("interval_weeks", "Must be 1 to " + std::to_string(r.limits.max_interval_weeks) + " weeks.");
    if (r.step_minutes <= 0 || r.step_minutes > minutes_per_day) bad("step_minutes", "Must be 1 to 1440 minutes.");
    if (r.day_start_minutes < 0 || r.day_start_minutes >= minutes_per_day)
        bad("day_start_minutes", "Must be 0 to 1439 minutes after midnight.");
    else if (r.day_end_minutes <= r.day_start_minutes || r.day_end_minutes > minutes_per_day)
        bad("day_end_minutes", "Must be after day_start_minutes and at most 1440.");
    return problems;
}

bool member_on(const group_member& m, const civil_date& date) noexcept {
    return !(date < m.from || (m.until && *m.until < date));
}

// What suggest_slots shares between its steps once the request is valid. Lives for one call.
struct suggestion_context {
    const suggestion_request& r;
    busy_index busy; // per member, in r.members order
    blocker_index blackouts;
    blocker_index blocked;
    day_number step_days = 7; // between occurrences

    explicit suggestion_context(const suggestion_request& request)
        : r(request), blackouts(request.blackouts), blocked(request.blocked),
          step_days(7 * static_cast<day_number>(request.interval_weeks)) {
        std::size_t intervals = 0;
        for (const auto& m : r.members) intervals += m.person.busy.size();
        busy.reserve(r.members.size(), intervals);
        for (const auto& m : r.members) busy.add(m.person.busy);
    }
};

// A candidate: its occurrences and how many members are free, counted, not yet named.
struct slot_option {
    std::vector<std::pair<day_number, slot>> occurrences;
    std::size_t free = 0;
    std::size_t total = 0;
    std::int64_t score = 0;
    std::vector<school_holiday> school; // of the occurrences, with prefer_not
    std::size_t in_school_holiday = 0;  // occurrences in one
};

// The candidate with its first occurrence at `start` on `day`; nullopt when an occurrence
// falls on a Dutch day off, has no unique local time or overlaps a blackout or block.
std::optional<slot_option> option_at(const suggestion_context& c, day_number day, int start) {
    const suggestion_request& r = c.r;
    slot_option o;
    for (std::size_t k = 0; k < r.occurrences; ++k) {
        const day_number occurrence_day = day + static_cast<day_number>(k) * c.step_days;
        const civil_date date = civil_from_days(occurrence_day);
        const auto holiday = holiday_on(r.days, date, r.lang);
        const auto school = school_holidays_on(r.days, date);
        if ((holiday && holiday->day_off) || (!school.empty() && r.days.school_mode == school_holiday_mode::avoid))
            return std::nullopt;
        const auto made = make_slot(*r.zone, date, start, r.duration_minutes);
        const interval when = made ? interval{made->start_utc, made->end_utc} : interval{};
        if (!made || c.blackouts.first_overlap(when) || c.blocked.first_overlap(when)) return std::nullopt;
        if (!school.empty()) {
            ++o.in_school_holiday;
            o.school.insert(o.school.end(), school.begin(), school.end());
        }
        for (std::size_t p = 0; p < r.members.size(); ++p) {
            if (!member_on(r.members[p], date)) continue;
            ++o.total;
            if (c.busy.is_free(p, when)) ++o.free;
        }
        o.occurrences.emplace_back(occurrence_day, *made);
    }
    o.score = o.total == 0 ? 0 : static_cast<std::int64_t>(o.free) * 1000 / static_cast<std::int64_t>(o.total);
    o.score -= r.school_holiday_penalty * static_cast<std::int64_t>(o.in_school_holiday) /
               static_cast<std::int64_t>(r.occurrences);
    return o;
}

// Every candidate of the window, best score first; ties in (first date, start) order.
std::vector<slot_option> ranked_options(const suggestion_context& c, day_number first, day_number length,
                                        const std::vector<int>& starts) {
    const auto allowed = allowed_weekdays(c.r.weekdays);
    std::vector<slot_option> options;
    for (day_number day = first; day < first + length; ++day) {
        if (!allowed[static_cast<std::size_t>(weekday_of(civil_from_days(day)))]) continue;
        for (const int start : starts)
            if (auto o = option_at(c, day, start)) options.push_back(std::move(*o));
    }
    std::stable_sort(options.begin(), options.end(),
                     [](const slot_option& a, const slot_option& b) { return a.score > b.score; });
    return options;
}

// The option as a suggestion, its members named per occurrence.
suggestion name_members(const suggestion_context& c, const slot_option& o) {
    suggestion s;
    s.members_free = o.free;
    s.members_total = o.total;
    s.score = o.score;
    if (!o.school.empty()) s.school_holidays.push_back(school_holiday_text(o.school, c.r.lang));
    for (const auto& [day, made] : o.occurrences) {
        const civil_date date = civil_from_days(day);
        suggested_occurrence occ{made, {}, {}};
        for (std::size_t p = 0; p < c.r.members.size(); ++p) {
            const group_member& m = c.r.members[p];
            if (!member_on(m, date)) continue;
            (c.busy.is_free(p, {made.start_utc, made.end_utc}) ? occ.free : occ.busy).push_back(m.person.id);
        }
        std::sort(occ.free.begin(), occ.free.end());
        std::sort(occ.busy.begin(), occ.busy.end());
        s.occurrences.push_back(std::move(occ));
    }
    return s;
}

} // namespace

result<year_plan> plan_year(const plan_request& r) {
    if (r.zone == nullptr) return error{errc::internal, "plan_year was called without a time zone.", {}};
    if (auto problems = plan_problems(r); !problems.empty())
        return error{errc::invalid_input, "The request has invalid fields.", std::move(problems)};
    std::vector<int> starts = start_times_of(r);
    const day_number first = days_from_civil(r.first_day);
    const day_number length = days_from_civil(r.last_day) - first + 1;
    if (static_cast<std::uint64_t>(length) > r.limits.max_candidates / starts.size())
        return error::invalid("first_day", "The window holds " + std::to_string(length) + " days x " +
                                               std::to_string(starts.size()) + " start times; at most " +
                                               std::to_string(r.limits.max_candidates) + " slots are examined.");

    const plan_context c{r,
                         first,
                         length,
                         std::move(starts),
                         allowed_weekdays(r.weekdays),
                         blocker_index(r.blackouts),
                         blocker_index(r.events),
                         segments_of(first, length, r.count),
                         std::max<day_number>(r.min_gap_days, 1),
                         r.lang == language::nl};
    window_scan scan = find_candidates(c);
    score_candidates(r, scan.cands);
    const auto chosen = choose_plan(c, scan.cands);
    if (!chosen) return not_enough_days(r, scan.days, scan.usable_days, most_that_fit(scan.cands, c.gap), c.gap);

    year_plan plan;
    plan.candidates_examined = static_cast<std::size_t>(length) * c.starts.size();
    plan.candidates_considered = scan.cands.size();
    plan.total_score = chosen->total;
    for (std::size_t i = 0; i < r.count; ++i) plan.meetings.push_back(explain_meeting(c, scan, chosen->meetings, i));
    if (auto note = school_data_note(r.days, r.first_day, r.last_day, r.lang)) plan.notes.push_back(std::move(*note));
    return plan;
}

result<std::vector<suggestion>> suggest_slots(const suggestion_request& r) {
    if (r.zone == nullptr) return error{errc::internal, "suggest_slots was called without a time zone.", {}};
    if (auto problems = suggestion_problems(r); !problems.empty())
        return error{errc::invalid_input, "The request has invalid fields.", std::move(problems)};
    std::vector<int> starts;
    for (int m = r.day_start_minutes; m + r.duration_minutes <= r.day_end_minutes; m += r.step_minutes)
        starts.push_back(m);
    const day_number first = days_from_civil(r.first_day);
    const day_number length = days_from_civil(r.last_day) - first + 1;
    if (!starts.empty() && static_cast<std::uint64_t>(length) > r.limits.max_candidates / starts.size())
        return error::invalid("from", "The window holds " + std::to_string(length) + " days x " +
                                          std::to_string(starts.size()) + " start times; at most " +
                                          std::to_string(r.limits.max_candidates) + " candidate starts are examined.");

    // Greedy: the best first, skipping any whose days an earlier pick already uses.
    const suggestion_context c(r);
    std::vector<suggestion> out;
    std::set<day_number> used;
    for (const auto& o : ranked_options(c, first, length, starts)) {
        if (out.size() == r.count) break;
        if (std::any_of(o.occurrences.begin(), o.occurrences.end(),
                        [&](const auto& d) { return used.count(d.first) != 0; }))
            continue;
        for (const auto& occurrence : o.occurrences) used.insert(occurrence.first);
        out.push_back(name_members(c, o));
    }
    return out;
}

} // namespace copsched::scheduler
