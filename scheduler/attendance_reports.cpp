// The attendance reports of attendance.hpp. Each report indexes the facts by id once and
// makes one pass over the invitations, so a year of a large programme (tens of thousands of
// invitations) takes milliseconds.
#include "scheduler/attendance.hpp"

#include "scheduler/enum_names.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace copsched::scheduler {
namespace {

using detail::name_table;

constexpr name_table<report_grouping, 4> report_groupings{{
    {report_grouping::person, "person"},
    {report_grouping::organisation, "organisation"},
    {report_grouping::working_group, "working_group"},
    {report_grouping::role, "role"},
}};
constexpr name_table<commitment_status, 3> commitment_statuses{{
    {commitment_status::meets, "meets"},
    {commitment_status::on_track, "on_track"},
    {commitment_status::falls_short, "falls_short"},
}};

constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
constexpr std::size_t role_count = 6; // person_role's enumerators

// Indexed by person_role.
constexpr std::array<std::string_view, role_count> role_labels_nl{
    "Inkoper", "Duurzaamheidsco\xC3\xB6rdinator", "Budgethouder", "Projectleider", "Adviseur", "Overig"};
constexpr std::array<std::string_view, role_count> role_labels_en{
    "Buyer", "Sustainability coordinator", "Budget holder", "Project leader", "Consultant", "Other"};

std::string_view role_label(person_role role, language lang) {
    const auto i = static_cast<std::size_t>(role);
    if (i >= role_count) return to_string(role);
    return lang == language::en ? role_labels_en[i] : role_labels_nl[i];
}

using id_index = std::unordered_map<std::string_view, std::size_t>;

template <class T>
id_index index_by_id(const std::vector<T>& items) {
    id_index index;
    index.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) index.emplace(items[i].id, i);
    return index;
}

std::size_t find_index(const id_index& index, std::string_view id) {
    const auto it = index.find(id);
    return it == index.end() ? none : it->second;
}

bool is_held(const report_event& e, const std::string& now_utc) {
    // Fixed-width "YYYY-MM-DDTHH:MM:SSZ" instants order as strings.
    return e.status != event_status::cancelled && e.start_utc <= now_utc;
}

bool is_planned(const report_event& e, const std::string& now_utc) {
    return e.status != event_status::cancelled && e.start_utc > now_utc;
}

struct local_period {
    int year = 0;
    int quarter = 0; // 0..3
};

// The year and quarter of a local start "YYYY-MM-DD..."; none when it does not start so.
std::optional<local_period> period_of(std::string_view start_local) {
    if (start_local.size() < 7 || start_local[4] != '-') return std::nullopt;
    int year = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        const char c = start_local[i];
        if (c < '0' || c > '9') return std::nullopt;
        year = year * 10 + (c - '0');
    }
    const char m1 = start_local[5], m2 = start_local[6];
    if (m1 < '0' || m1 > '1' || m2 < '0' || m2 > '9') return std::nullopt;
    const int month = (m1 - '0') * 10 + (m2 - '0');
    if (month < 1 || month > 12) return std::nullopt;
    return local_period{year, (month - 1) / 3};
}

std::string year_text(int year) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d", year);
    return buf;
}

void count_into(rate_cell& cell, const report_invitation& inv) {
    ++cell.invited;
    if (!inv.presence)
        ++cell.unrecorded;
    else if (*inv.presence == presence_state::present)
        ++cell.present;
    else if (*inv.presence == presence_state::absent)
        ++cell.absent;
    else
        ++cell.excused;
}

void finish(rate_cell& cell) {
    const std::size_t expected = cell.invited - cell.excused;
    if (expected > 0) cell.rate = static_cast<double>(cell.present) / static_cast<double>(expected);
}

template <class T>
void make_distinct(std::vector<T>& items) {
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
}

// Calls on_first(row, event) once for every distinct (row, event) of `pairs`, where
// rows < row_count and events < event_count. Linear: a counting sort by event, where sorting
// tens of thousands of pairs would dominate a report.
template <class F>
void for_each_distinct(const std::vector<std::pair<std::size_t, std::size_t>>& pairs, std::size_t row_count,
                       std::size_t event_count, F on_first) {
    std::vector<std::size_t> bucket(event_count + 1, 0);
    for (const auto& pair : pairs) ++bucket[pair.second + 1];
    for (std::size_t e = 0; e < event_count; ++e) bucket[e + 1] += bucket[e];
    std::vector<std::size_t> rows_by_event(pairs.size());
    auto next = bucket;
    for (const auto& [row, event] : pairs) rows_by_event[next[event]++] = row;
    std::vector<std::size_t> last_event(row_count, none);
    for (std::size_t e = 0; e < event_count; ++e)
        for (std::size_t i = bucket[e]; i < bucket[e + 1]; ++i) {
            const auto row = rows_by_event[i];
            if (last_event[row] != e) last_event[row] = e, on_first(row, e);
        }
}

// Finds events by id, remembering the last one: invitations mostly come grouped by event.
class event_finder {
public:
    explicit event_finder(const std::vector<report_event>& events) : events_(events), index_(index_by_id(events)) {}
    std::size_t operator()(const std::string& id) {
        if (last_ == none || events_[last_].id != id) last_ = find_index(index_, id);
        return last_;
    }

private:
    const std::vector<report_event>& events_;
    id_index index_;
    std::size_t last_ = none;
};

std::size_t threshold(int value) { return value > 0 ? static_cast<std::size_t>(value) : 0; }

// --- the reasons of the commitments check, in both languages ------------------------------

std::string groups_reason(std::size_t have, std::size_t need, const std::string& year, language lang) {
    const auto n = std::to_string(need);
    if (lang == language::en) {
        if (have == 0) return "No active person in a working group in " + year + " (at least " + n + " needed).";
        if (have == 1) return "Only 1 active person in a working group in " + year + "; at least " + n + " needed.";
        return "Only " + std::to_string(have) + " active people in working groups in " + year + "; at least " + n +
               " needed.";
    }
    if (have == 0)
        return "Niemand van de organisatie is in " + year + " actief in een werkgroep (minimaal " + n + " nodig).";
    if (have == 1)
        return "Slechts 1 persoon van de organisatie is in " + year + " actief in een werkgroep; minimaal " + n +
               " nodig.";
    return "Slechts " + std::to_string(have) + " personen van de organisatie zijn in " + year +
           " actief in een werkgroep; minimaal " + n + " nodig.";
}

std::string meetings_reason(std::size_t attended, std::size_t held, std::size_t planned, std::size_t need,
                            const std::string& year, language lang) {
    const auto n = std::to_string(need), p = std::to_string(planned);
    const bool reachable = attended + planned >= need;
    std::string text;
    if (lang == language::en) {
        if (held == 0)
            text = "No CoP meeting has been held in " + year + " yet; at least " + n + " needed";
        else
            text = "Present at " + std::to_string(attended) + " of the " + std::to_string(held) +
                   (held == 1 ? " CoP meeting" : " CoP meetings") + " held in " + year + "; at least " + n + " needed";
        if (planned > 0)
            text += (reachable ? ", and " : ", but only ") + p +
                    (planned == 1 ? " more CoP meeting is planned" : " more CoP meetings are planned");
        return text + ".";
    }
    if (held == 0)
        text = "In " + year + " is nog geen CoP-bijeenkomst gehouden; minimaal " + n + " nodig";
    else
        text = "Aanwezig bij " + std::to_string(attended) + " van de " + std::to_string(held) +
               (held == 1 ? " gehouden CoP-bijeenkomst" : " gehouden CoP-bijeenkomsten") + " in " + year +
               "; minimaal " + n + " nodig";
    if (planned > 0)
        text += std::string(reachable ? ", en er " : ", maar er ") + (planned == 1 ? "staat" : "staan") +
                (reachable ? " nog " : " nog maar ") + p +
                (planned == 1 ? " CoP-bijeenkomst gepland" : " CoP-bijeenkomsten gepland");
    return text + ".";
}

template <class T>
void order_by_name_then_id(std::vector<T>& items) {
    std::sort(items.begin(), items.end(), [](const T& a, const T& b) {
        return std::tie(a.organisation_name, a.organisation_id) < std::tie(b.organisation_name, b.organisation_id);
    });
}

// --- attendance rates: the steps ---------------------------------------------------------

// Per event: its local quarter when it is a held event of the year, else none.
std::vector<std::size_t> held_quarters(const report_facts& facts, int year, const std::string& now_utc) {
    std::vector<std::size_t> quarter_of(facts.events.size(), none);
    for (std::size_t e = 0; e < facts.events.size(); ++e) {
        const auto& ev = facts.events[e];
        const auto period = period_of(ev.start_local);
        if (period && period->year == year && is_held(ev, now_utc))
            quarter_of[e] = static_cast<std::size_t>(period->quarter);
    }
    return quarter_of;
}

// The rows of an attendance report and the row each invitation counts in. Organisation and
// working-group rows exist from the start, in facts' order; person and role rows are made
// on first use. Lives for one report.
class report_rows {
public:
    report_rows(const report_facts& facts, report_grouping by, language lang, std::vector<attendance_row>& rows)
        : facts_(facts), by_(by), lang_(lang), rows_(rows), people_(index_by_id(facts.people)),
          organisations_(index_by_id(facts.organisations)), groups_(index_by_id(facts.groups)) {
        switch (by) {
        case report_grouping::person: row_of_.assign(facts.people.size(), none); break;
        case report_grouping::organisation:
            for (const auto& o : facts.organisations) row_of_.push_back(add(o.id, o.name, {}));
            break;
        case report_grouping::working_group:
            for (const auto& g : facts.groups) row_of_.push_back(add(g.id, g.name, {}));
            break;
        case report_grouping::role: row_of_.assign(role_count, none); break;
        }
    }

    // The row the invitation to facts.events[event] counts in, or none.
    std::size_t row_for(const report_invitation& inv, std::size_t event) {
        if (by_ == report_grouping::working_group) {
            const auto& group_id = facts_.events[event].working_group_id;
            return group_id ? find_index(groups_, *group_id) : none; // rows are in facts.groups' order
        }
        const auto p = find_index(people_, inv.person_id);
        if (p == none) return none;
        const auto& person = facts_.people[p];
        switch (by_) {
        case report_grouping::person:
            if (row_of_[p] == none) row_of_[p] = add(person.id, person.name, person.organisation_id);
            return row_of_[p];
        case report_grouping::organisation: return find_index(organisations_, person.organisation_id);
        case report_grouping::role: return role_row(person.role);
        case report_grouping::working_group: break;
        }
        return none;
    }

private:
    std::size_t add(std::string key, std::string label, std::string organisation_id) {
        attendance_row row;
        row.key = std::move(key);
        row.label = std::move(label);
        row.organisation_id = std::move(organisation_id);
        rows_.push_back(std::move(row));
        return rows_.size() - 1;
    }

    std::size_t role_row(person_role role) {
        const auto r = static_cast<std::size_t>(role);
        if (r >= role_count) return none;
        if (row_of_[r] == none)
            row_of_[r] = add(std::string(to_string(role)), std::string(role_label(role, lang_)), {});
        return row_of_[r];
    }

    const report_facts& facts_;
    report_grouping by_;
    language lang_;
    std::vector<attendance_row>& rows_;
    id_index people_;
    id_index organisations_;
    id_index groups_;
    std::vector<std::size_t> row_of_; // per person, organisation, group or role index: its row
};

// Counts each invitation to a held event of the year into its row's year and quarter and
// into the total; an event counts once in each row it has invitations in.
void count_attendance(const report_facts& facts, const std::vector<std::size_t>& quarter_of, report_rows& rows,
                      attendance_report& report) {
    event_finder find_event(facts.events);
    std::vector<std::pair<std::size_t, std::size_t>> row_events; // (row, event)
    std::vector<bool> counted_event(facts.events.size(), false);
    for (const auto& inv : facts.invitations) {
        const auto e = find_event(inv.event_id);
        if (e == none || quarter_of[e] == none) continue;
        const auto r = rows.row_for(inv, e);
        if (r == none) continue;
        count_into(report.rows[r].year, inv);
        count_into(report.rows[r].quarters[quarter_of[e]], inv);
        count_into(report.total, inv);
        row_events.emplace_back(r, e);
        counted_event[e] = true;
    }
    for_each_distinct(row_events, report.rows.size(), facts.events.size(), [&](std::size_t r, std::size_t e) {
        ++report.rows[r].year.events;
        ++report.rows[r].quarters[quarter_of[e]].events;
    });
    report.total.events = static_cast<std::size_t>(std::count(counted_event.begin(), counted_event.end(), true));
}

// The rates, and the rows by label.
void finish_report(attendance_report& report) {
    for (auto& row : report.rows) {
        finish(row.year);
        for (auto& q : row.quarters) finish(q);
    }
    finish(report.total);
    std::sort(report.rows.begin(), report.rows.end(), [](const attendance_row& a, const attendance_row& b) {
        return std::tie(a.label, a.key) < std::tie(b.label, b.key);
    });
}

// --- commitments: the steps -----------------------------------------------------------------

using index_pairs = std::vector<std::pair<std::size_t, std::size_t>>;

// The organisation of a person, or none.
std::size_t organisation_of(const report_facts& facts, const id_index& people, const id_index& organisations,
                            std::string_view person_id) {
    const auto p = find_index(people, person_id);
    return p == none ? none : find_index(organisations, facts.people[p].organisation_id);
}

// Per organisation, its active people with a membership overlapping the year and the
// groups of those memberships; distinct, by organisation.
struct group_activity {
    index_pairs people;                                           // (organisation, person)
    std::vector<std::pair<std::size_t, std::string_view>> groups; // (organisation, group id)
};

group_activity active_in_groups(const report_facts& facts, const id_index& people, const id_index& organisations,
                                const std::string& year) {
    const auto first_day = year + "-01-01", last_day = year + "-12-31";
    group_activity out;
    for (const auto& m : facts.memberships) {
        if (m.from > last_day || (m.until && *m.until < first_day)) continue;
        const auto p = find_index(people, m.person_id);
        if (p == none || !facts.people[p].active) continue;
        const auto o = find_index(organisations, facts.people[p].organisation_id);
        if (o == none) continue;
        out.people.emplace_back(o, p);
        out.groups.emplace_back(o, m.working_group_id);
    }
    make_distinct(out.people);
    make_distinct(out.groups);
    return out;
}

// The year's CoP meetings: held ones are marked, the others not cancelled are planned.
struct year_meetings {
    std::vector<bool> held_meeting; // per event
    std::size_t held = 0;
    std::size_t planned = 0;
};

year_meetings cop_meetings_of(const report_facts& facts, int year, const std::string& now_utc) {
    year_meetings out;
    out.held_meeting.assign(facts.events.size(), false);
    for (std::size_t e = 0; e < facts.events.size(); ++e) {
        const auto& ev = facts.events[e];
        if (ev.kind != event_kind::cop_meeting) continue;
        const auto period = period_of(ev.start_local);
        if (!period || period->year != year) continue;
        if (is_held(ev, now_utc))
            out.held_meeting[e] = true, ++out.held;
        else if (is_planned(ev, now_utc))
            ++out.planned;
    }
    return out;
}

// (organisation, event) for each held meeting at which one of its people was present.
index_pairs present_at_meetings(const report_facts& facts, const id_index& people, const id_index& organisations,
                                const std::vector<bool>& held_meeting) {
    event_finder find_event(facts.events);
    index_pairs out;
    for (const auto& inv : facts.invitations) {
        if (inv.presence != presence_state::present) continue;
        const auto e = find_event(inv.event_id);
        if (e == none || !held_meeting[e]) continue;
        const auto o = organisation_of(facts, people, organisations, inv.person_id);
        if (o != none) out.emplace_back(o, e);
    }
    return out;
}

// The row's status against the thresholds, with the reasons for what it lacks; counted in
// the report's totals.
void judge(commitment_row& row, const year_meetings& meetings, std::size_t need_people, std::size_t need_meetings,
           const std::string& year, language lang, commitments_report& report) {
    const bool groups_ok = row.people_in_groups >= need_people;
    const bool meetings_ok = row.cop_meetings_attended >= need_meetings;
    if (groups_ok && meetings_ok)
        row.status = commitment_status::meets, ++report.meeting;
    else if (groups_ok && row.cop_meetings_attended + meetings.planned >= need_meetings)
        row.status = commitment_status::on_track, ++report.on_track;
    else
        row.status = commitment_status::falls_short, ++report.falling_short;
    if (!groups_ok) row.reasons.push_back(groups_reason(row.people_in_groups, need_people, year, lang));
    if (!meetings_ok)
        row.reasons.push_back(
            meetings_reason(row.cop_meetings_attended, meetings.held, meetings.planned, need_meetings, year, lang));
}

} // namespace

COPSCHED_ENUM_NAMES(report_grouping, report_groupings)
#undef COPSCHED_ENUM_NAMES
std::string_view to_string(commitment_status v) noexcept { return detail::name_of(commitment_statuses, v); }

// --- attendance rates ------------------------------------------------------------------------

attendance_report make_attendance_report(const report_facts& facts, report_grouping by, int year,
                                         const std::string& now_utc, language lang) {
    attendance_report report;
    report.year = year;
    report.by = by;
    const auto quarter_of = held_quarters(facts, year, now_utc);
    report_rows rows(facts, by, lang, report.rows);
    count_attendance(facts, quarter_of, rows, report);
    finish_report(report);
    return report;
}

// --- commitments -----------------------------------------------------------------------------

commitments_report check_commitments(const report_facts& facts, int year, const std::string& now_utc,
                                     const commitment_thresholds& thresholds, language lang) {
    commitments_report report;
    report.year = year;
    report.thresholds = thresholds;

    const auto people = index_by_id(facts.people);
    const auto organisations = index_by_id(facts.organisations);
    const auto y = year_text(year);
    const group_activity activity = active_in_groups(facts, people, organisations, y);
    const year_meetings meetings = cop_meetings_of(facts, year, now_utc);
    const index_pairs org_meetings = present_at_meetings(facts, people, organisations, meetings.held_meeting);

    report.organisations.resize(facts.organisations.size());
    for (std::size_t o = 0; o < facts.organisations.size(); ++o) {
        auto& row = report.organisations[o];
        row.organisation_id = facts.organisations[o].id;
        row.organisation_name = facts.organisations[o].name;
        row.cop_meetings_held = meetings.held;
        row.cop_meetings_planned = meetings.planned;
    }
    for (const auto& [o, p] : activity.people) ++report.organisations[o].people_in_groups;
    for (const auto& [o, g] : activity.groups) report.organisations[o].working_group_ids.emplace_back(g);
    for_each_distinct(org_meetings, report.organisations.size(), facts.events.size(),
                      [&](std::size_t o, std::size_t) { ++report.organisations[o].cop_meetings_attended; });

    const auto need_people = threshold(thresholds.min_people_in_groups);
    const auto need_meetings = threshold(thresholds.min_cop_meetings);
    for (auto& row : report.organisations) judge(row, meetings, need_people, need_meetings, y, lang, report);
    order_by_name_then_id(report.organisations);
    return report;
}

// --- organisations absent from the last CoP meetings -----------------------------------------

absence_report absent_from_last_meetings(const report_facts& facts, std::size_t meetings, const std::string& now_utc) {
    absence_report report;

    // Every held CoP meeting, oldest first; rank_of[event] is its position here.
    std::vector<std::size_t> held;
    for (std::size_t e = 0; e < facts.events.size(); ++e)
        if (facts.events[e].kind == event_kind::cop_meeting && is_held(facts.events[e], now_utc)) held.push_back(e);
    std::sort(held.begin(), held.end(), [&](std::size_t a, std::size_t b) {
        const auto &x = facts.events[a], &y = facts.events[b];
        return std::tie(x.start_utc, x.id) < std::tie(y.start_utc, y.id);
    });
    if (held.empty() || meetings == 0) return report;
    std::vector<std::size_t> rank_of(facts.events.size(), none);
    for (std::size_t r = 0; r < held.size(); ++r) rank_of[held[r]] = r;
    const std::size_t first_considered = held.size() - std::min(meetings, held.size());
    for (std::size_t r = held.size(); r-- > first_considered;) report.meetings.push_back(facts.events[held[r]]);

    // Per organisation, the rank of the latest held CoP meeting at which one of its people was present.
    const auto people = index_by_id(facts.people);
    const auto organisations = index_by_id(facts.organisations);
    event_finder find_event(facts.events);
    std::vector<std::size_t> latest_attended(facts.organisations.size(), none);
    for (const auto& inv : facts.invitations) {
        if (inv.presence != presence_state::present) continue;
        const auto e = find_event(inv.event_id);
        if (e == none || rank_of[e] == none) continue;
        const auto p = find_index(people, inv.person_id);
        if (p == none) continue;
        const auto o = find_index(organisations, facts.people[p].organisation_id);
        if (o == none) continue;
        if (latest_attended[o] == none || rank_of[e] > latest_attended[o]) latest_attended[o] = rank_of[e];
    }

    for (std::size_t o = 0; o < facts.organisations.size(); ++o) {
        const auto latest = latest_attended[o];
        if (latest != none && latest >= first_considered) continue;
        absent_organisation a;
        a.organisation_id = facts.organisations[o].id;
        a.organisation_name = facts.organisations[o].name;
        if (latest != none) a.last_present_at = facts.events[held[latest]].start_local;
        report.organisations.push_back(std::move(a));
    }
    order_by_name_then_id(report.organisations);
    return report;
}

} // namespace copsched::scheduler
