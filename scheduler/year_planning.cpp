#include "scheduler/year_planning.hpp"

#include "scheduler/booking.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace copsched::scheduler {

std::optional<int> parse_clock_minutes(std::string_view hhmm) {
    if (hhmm.size() != 5 || hhmm[2] != ':') return std::nullopt;
    for (auto i : {0, 1, 3, 4})
        if (hhmm[static_cast<std::size_t>(i)] < '0' || hhmm[static_cast<std::size_t>(i)] > '9') return std::nullopt;
    const int h = (hhmm[0] - '0') * 10 + (hhmm[1] - '0');
    const int m = (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
    if (h > 23 || m > 59) return std::nullopt;
    return h * 60 + m;
}

sys_seconds local_midnight(const time_zone& zone, const civil_date& d) {
    return zone.to_utc(civil_time{d, 0, 0, 0}).first;
}

namespace {

std::string hhmm(int minutes) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60 % 24, minutes % 60);
    return buf;
}

std::vector<weekday> weekdays_of(const meeting_rules& r) {
    std::vector<weekday> out;
    for (const auto& d : r.weekdays)
        if (auto w = parse_weekday(d)) out.push_back(*w);
    return out;
}

// The title of the i-th (from 0) of n CoP meetings of a year, in the programme's language.
std::string meeting_title(bool en, std::size_t i, std::size_t n, int year) {
    return en ? "Community of Practice meeting " + std::to_string(i + 1) + " of " + std::to_string(n) + ", " +
                    std::to_string(year)
              : "CoP-bijeenkomst " + std::to_string(i + 1) + " van " + std::to_string(n) + ", " + std::to_string(year);
}

// One meeting of the plan as a table row with its reasons and alternatives.
void table_meeting(std::ostringstream& out, const planned_meeting& m, std::size_t i, bool en) {
    char line[256];
    const auto orgs = std::to_string(m.score.organisations_free) + "/" + std::to_string(m.score.organisations_total);
    const auto people = std::to_string(m.score.people_free) + "/" + std::to_string(m.score.people_total);
    std::snprintf(line, sizeof line, "%-3zu %-10s %-5s %-5s %7lld %9s %9s\n", i + 1,
                  format_date(m.when.start_local.date).c_str(),
                  hhmm(m.when.start_local.hour * 60 + m.when.start_local.minute).c_str(),
                  hhmm(m.when.end_local.hour * 60 + m.when.end_local.minute).c_str(),
                  static_cast<long long>(m.score.total), orgs.c_str(), people.c_str());
    out << line;
    for (const auto& r : m.reasons) out << "      - " << r << "\n";
    // Excluded days of the segment, runs of consecutive days with the same reason on one line.
    if (!m.excluded.empty()) out << (en ? "      excluded days:\n" : "      uitgesloten dagen:\n");
    for (std::size_t k = 0; k < m.excluded.size();) {
        std::size_t last = k;
        while (last + 1 < m.excluded.size() && m.excluded[last + 1].reason == m.excluded[k].reason &&
               days_from_civil(m.excluded[last + 1].date) - days_from_civil(m.excluded[last].date) <= 7)
            ++last;
        out << "        " << format_date(m.excluded[k].date);
        if (last != k) out << (en ? " to " : " t/m ") << format_date(m.excluded[last].date);
        out << ": " << m.excluded[k].reason << "\n";
        k = last + 1;
    }
    if (!m.alternatives.empty()) out << (en ? "      alternatives:\n" : "      alternatieven:\n");
    for (const auto& a : m.alternatives) {
        out << "        " << format_local_time(a.when.start_local) << " (" << a.plan_score_difference << "): ";
        for (std::size_t k = 0; k < a.why_lost.size(); ++k) out << (k ? "; " : "") << a.why_lost[k];
        out << "\n";
    }
}

} // namespace

result<year_plan> make_year_plan(planning_store& s, const programme& p, const plan_options& o) {
    const auto* zone = find_time_zone(p.timezone);
    if (!zone) return error{errc::internal, "The programme's time zone " + p.timezone + " cannot be loaded.", {}};
    civil_date first{o.year, 1, 1}, last{o.year, 12, 31};
    if (auto d = parse_date(p.starts_on); d && *d > first) first = *d;
    if (auto d = parse_date(p.ends_on); d && *d < last) last = *d;
    if (last < first)
        return error::invalid("year", std::to_string(o.year) + " is outside the programme period " + p.starts_on +
                                          " to " + p.ends_on);
    plan_request r;
    r.first_day = first;
    r.last_day = last;
    r.zone = zone;
    r.weekdays = weekdays_of(p.rules);
    r.preferred_start_minutes = parse_clock_minutes(p.rules.start_time).value_or(600);
    r.start_times = o.start_times;
    r.duration_minutes = p.rules.duration_minutes;
    r.count = o.count.value_or(static_cast<std::size_t>(std::max(1, p.rules.per_year)));
    r.min_gap_days = p.rules.min_gap_days;
    r.days = day_rules_of(p, o.liberation_day_every_year);
    r.alternatives = o.alternatives;
    r.lang = p.lang;
    auto facts =
        s.planning_facts_for({p.id, {local_midnight(*zone, first), local_midnight(*zone, add_days(last, 1))}, {}});
    if (!facts) return facts.err();
    r.blackouts = std::move(facts->blackouts);
    for (auto& e : facts->events) r.events.push_back(std::move(e.what));
    r.people = std::move(facts->people);
    return plan_year(r);
}

result<std::vector<event>> apply_year_plan(event_store& s, const programme& p, const year_plan& plan, int year,
                                           event_status booked_as, std::vector<plan_booking_failure>& blocked) {
    std::vector<event> out;
    const bool en = p.lang == language::en;
    const auto n = plan.meetings.size();
    for (std::size_t i = 0; i < n; ++i) {
        const auto& m = plan.meetings[i];
        event e;
        e.programme_id = p.id;
        e.kind = event_kind::cop_meeting;
        e.status = booked_as;
        e.title = meeting_title(en, i, n, year);
        const auto start = format_local_time(m.when.start_local);
        auto b = book_event(s, p, e, start, format_local_time(m.when.end_local));
        if (!b) return b.err();
        if (!b->blocking.empty())
            blocked.push_back({start, std::move(b->blocking)});
        else
            out.push_back(std::move(*b->stored));
    }
    if (!blocked.empty())
        return error{errc::conflict,
                     "The calendar changed since the plan was made: " + std::to_string(blocked.size()) +
                         " meeting(s) conflict; nothing was booked. Plan again.",
                     {}};
    return out;
}

std::string plan_table(const year_plan& plan, const programme& p, int year) {
    const bool en = p.lang == language::en;
    std::ostringstream out;
    out << (en ? "Year plan " : "Jaarplan ") << year << " - " << p.name << " (" << p.timezone << ")\n";
    out << (en ? "Total score " : "Totale score ") << plan.total_score << "; " << plan.candidates_considered
        << (en ? " of " : " van ") << plan.candidates_examined
        << (en ? " slots met every rule\n\n" : " tijdvakken voldeden aan alle regels\n\n");
    char line[256];
    std::snprintf(line, sizeof line, "%-3s %-10s %-5s %-5s %7s %9s %9s\n", "#", en ? "date" : "datum",
                  en ? "from" : "van", en ? "until" : "tot", "score", en ? "orgs" : "orgs", en ? "people" : "mensen");
    out << line;
    for (std::size_t i = 0; i < plan.meetings.size(); ++i) table_meeting(out, plan.meetings[i], i, en);
    for (const auto& note : plan.notes) out << "\n" << note << "\n";
    return out.str();
}

} // namespace copsched::scheduler
