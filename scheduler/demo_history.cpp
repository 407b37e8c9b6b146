#include "scheduler/demo_history.hpp"

#include "scheduler/attendance.hpp"
#include "scheduler/booking.hpp"
#include "scheduler/civil_time.hpp"
#include "scheduler/store.hpp"
#include "scheduler/year_planning.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <vector>

namespace copsched::scheduler {
namespace {

// FNV-1a: a stable number from text (the same on every platform and run).
std::uint64_t stable_hash(std::string_view text) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ull;
    }
    // splitmix64's finaliser spreads the bits.
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

// A number in [0, 1) from text.
double draw(std::string_view text) { return static_cast<double>(stable_hash(text) >> 11) / 9007199254740992.0; }

constexpr int session_minutes = 120;

} // namespace

result<demo_history_summary> seed_demo_history(store& s, const programme& p, const std::string& now) {
    demo_history_summary out;
    const auto first = parse_date(p.starts_on);
    const auto last = parse_date(p.ends_on);
    if (!first || !last) return error::invalid("starts_on", "the programme has no valid period");

    // The year plans, one year after the other (each plan sees the meetings before it).
    for (int year = first->year; year <= last->year; ++year) {
        plan_options o;
        o.year = year;
        auto plan = make_year_plan(s, p, o);
        if (!plan) return plan.err();
        std::vector<plan_booking_failure> blocked;
        auto booked = apply_year_plan(s, p, *plan, year, event_status::confirmed, blocked);
        if (!booked) return booked.err();
        out.cop_meetings += booked->size();
    }

    // Each working group meets every other month (odd or even months by group), on a
    // weekday and week of the month of its own, in the afternoon; a day that conflicts
    // (a holiday, a CoP meeting) moves to the next one.
    auto groups = s.list_working_groups(p.id, {}, {std::nullopt, 1000});
    if (!groups) return groups.err();
    // By slug, not by id: ids are random, the history must not be.
    std::sort(groups->items.begin(), groups->items.end(),
              [](const working_group& a, const working_group& b) { return a.slug < b.slug; });
    for (std::size_t gi = 0; gi < groups->items.size(); ++gi) {
        const auto& g = groups->items[gi];
        int n = 0;
        for (int year = first->year; year <= last->year; ++year)
            for (int month = 1 + static_cast<int>(gi % 2); month <= 12; month += 2) {
                civil_date day{year, month, 8 + static_cast<int>((gi * 3) % 10)};
                for (int attempt = 0; attempt < 10; ++attempt, day = add_days(day, 1)) {
                    const auto wd = weekday_of(day);
                    if (wd == weekday::saturday || wd == weekday::sunday) continue;
                    const auto date = format_date(day);
                    if (date < p.starts_on || date > p.ends_on) break;
                    event e;
                    e.programme_id = p.id;
                    e.kind = event_kind::working_group_session;
                    e.title = g.name + ": werksessie " + std::to_string(++n);
                    e.description = "Werksessie van de werkgroep " + g.name + ".";
                    e.working_group_id = g.id;
                    e.status = event_status::confirmed;
                    const int start_minute = 14 * 60 + static_cast<int>(gi % 2) * 30;
                    char start[16], end[16];
                    std::snprintf(start, sizeof start, "%02d:%02d", start_minute / 60, start_minute % 60);
                    std::snprintf(end, sizeof end, "%02d:%02d", (start_minute + session_minutes) / 60,
                                  (start_minute + session_minutes) % 60);
                    auto booked = book_event(s, p, e, date + "T" + start, date + "T" + end);
                    if (!booked) return booked.err();
                    if (booked->stored) {
                        ++out.sessions;
                        break;
                    }
                    --n;
                }
            }
    }

    // Answers and presence for every event that has ended: each person has an engagement
    // of their own; organisations and groups differ as people do.
    if (auto frozen = s.freeze_started_events(now); !frozen) return frozen.err();
    event_filter f;
    f.to_utc = now;
    page_request pr{std::nullopt, 500};
    std::vector<event> ended;
    for (;;) {
        auto page = s.list_events(p.id, f, pr);
        if (!page) return page.err();
        for (auto& e : page->items)
            if (e.end_utc <= now && e.status != event_status::cancelled) ended.push_back(std::move(e));
        if (!page->next_cursor) break;
        pr.after = page->next_cursor;
    }
    for (const auto& e : ended) {
        auto invited = s.event_invitations(e.id);
        if (!invited) return invited.err();
        for (const auto& i : *invited) {
            const double engagement = 0.45 + 0.5 * draw("engagement:" + i.person_name);
            const auto key = e.start_local + "|" + e.title + "|" + i.person_name;
            const double a = draw("answer:" + key), come = draw("presence:" + key);
            std::optional<rsvp_answer> answer;
            if (a < engagement)
                answer = rsvp_answer::accepted;
            else if (a < engagement + 0.08)
                answer = rsvp_answer::tentative;
            else if (a < 0.97)
                answer = rsvp_answer::declined;
            presence_state presence = presence_state::absent;
            if (answer == rsvp_answer::accepted)
                presence = come < 0.9 ? presence_state::present : presence_state::absent;
            else if (answer == rsvp_answer::tentative)
                presence = come < 0.5 ? presence_state::present : presence_state::absent;
            else if (answer == rsvp_answer::declined)
                presence = come < 0.8 ? presence_state::excused : presence_state::absent;
            if (answer) {
                auto r = s.set_rsvp(e.id, i.person_id, *answer, std::nullopt, e.start_utc);
                if (!r) return r.err();
                ++out.answers;
            }
            const auto mode = draw("mode:" + key) < 0.25 ? attendance_mode::online : attendance_mode::onsite;
            auto r =
                s.record_presence(e.id, i.person_id, presence,
                                  presence == presence_state::present ? std::optional(mode) : std::nullopt, e.end_utc);
            if (!r) return r.err();
            ++out.presences;
        }
    }
    return out;
}

} // namespace copsched::scheduler
