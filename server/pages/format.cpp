#include "server/pages/format.hpp"

#include "scheduler/civil_time.hpp"

namespace copsched::server::pages {

namespace {
constexpr const char* nl_days[] = {"maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"};
constexpr const char* en_days[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr const char* nl_months[] = {"januari", "februari", "maart",     "april",   "mei",      "juni",
                                     "juli",    "augustus", "september", "oktober", "november", "december"};
constexpr const char* en_months[] = {"January", "February", "March",     "April",   "May",      "June",
                                     "July",    "August",   "September", "October", "November", "December"};
} // namespace

lang lang_of(scheduler::language l) { return l == scheduler::language::en ? lang::en : lang::nl; }

std::string month_name(int month, lang l) {
    if (month < 1 || month > 12) return std::to_string(month);
    return l == lang::en ? en_months[month - 1] : nl_months[month - 1];
}

std::string date_text(std::string_view date, lang l) {
    const auto d = scheduler::parse_date(date);
    if (!d) return std::string(date);
    return std::to_string(d->day) + " " + month_name(d->month, l) + " " + std::to_string(d->year);
}

std::string when_text(const scheduler::event& e, lang l) {
    const auto t = scheduler::parse_local_time(e.start_local);
    const auto end = scheduler::parse_local_time(e.end_local);
    if (!t || !end) return e.start_local;
    const auto wd = static_cast<std::size_t>(scheduler::weekday_of(t->date));
    std::string out = std::string(l == lang::en ? en_days[wd] : nl_days[wd]) + " " + std::to_string(t->date.day) + " " +
                      month_name(t->date.month, l) + " " + std::to_string(t->date.year);
    if (!e.all_day) out += ", " + e.start_local.substr(11, 5) + "\u2013" + e.end_local.substr(11, 5);
    return out;
}

std::string rsvp_label(scheduler::rsvp_answer a, lang l) {
    switch (a) {
    case scheduler::rsvp_answer::accepted: return std::string(pick(l, "Ik kom", "I will come"));
    case scheduler::rsvp_answer::tentative: return std::string(pick(l, "Misschien", "Maybe"));
    case scheduler::rsvp_answer::declined: return std::string(pick(l, "Ik kan niet", "I cannot come"));
    }
    return "";
}

std::string presence_label(scheduler::presence_state p, lang l) {
    switch (p) {
    case scheduler::presence_state::present: return std::string(pick(l, "aanwezig", "present"));
    case scheduler::presence_state::absent: return std::string(pick(l, "afwezig", "absent"));
    case scheduler::presence_state::excused: return std::string(pick(l, "afgemeld", "excused"));
    }
    return "";
}

std::string kind_label(scheduler::event_kind k, lang l) {
    switch (k) {
    case scheduler::event_kind::cop_meeting: return std::string(pick(l, "CoP-bijeenkomst", "CoP meeting"));
    case scheduler::event_kind::working_group_session: return std::string(pick(l, "Werkgroep", "Working group"));
    case scheduler::event_kind::other: return std::string(pick(l, "Overig", "Other"));
    }
    return "";
}

} // namespace copsched::server::pages
