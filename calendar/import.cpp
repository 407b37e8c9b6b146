#include "calendar/import.hpp"

#include "calendar/import_lines_internal.hpp"
#include "calendar/import_zones_internal.hpp"
#include "calendar/libical_internal.hpp"
#include "scheduler/civil_time.hpp"

#include <libical/ical.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The importer: libical's tree of one file -> intervals, with every problem listed. The
// text layer (import_lines_internal.hpp) checks and indexes the text and places problems
// on lines; the zone layer (import_zones_internal.hpp) says what instant a wall-clock
// time means. Thread safety (see also the zone layer):
//  - libical's builtin zones are never looked up: no icalcomponent_get_dtstart/dtend/...
//    (they fall back to icaltimezone_get_builtin_timezone_from_tzid for an unknown TZID).
//    Times are read from the properties' values and their TZID parameters instead;
//  - components are iterated with their own internal cursors, so each component is
//    walked by one loop at a time (children() and properties() copy the pointers out).

namespace copsched::calendar {
namespace {

using detail::children;
using detail::first_property;
using detail::problem_list;
using detail::properties;
using detail::zone_ref;
using scheduler::civil_time;
using scheduler::errc;
using scheduler::error;
using scheduler::interval;
using scheduler::named_interval;
using scheduler::result;
using scheduler::sys_seconds;
using scheduler::time_zone;

enum class mode { blackouts, busy };

// A nominal length: whole days on the local calendar plus exact seconds (RFC 5545 3.3.6).
struct span {
    std::int64_t days = 0;
    std::int64_t seconds = 0;
};

// One time value of a property, resolved.
struct time_value {
    civil_time local; // wall clock in `zone`
    bool is_date = false;
    zone_ref zone;
    sys_seconds utc{};
};

struct occurrence {
    interval when;
    std::string name; // blackouts only
};

// A blackout name: line breaks and tabs become spaces, other control characters (C0, DEL,
// C1) go, the text is cut to max bytes on a character boundary and the ends are trimmed.
std::string clean_name(const char* summary, std::size_t max) {
    std::string out;
    if (summary == nullptr) return out;
    const std::string_view s(summary);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '\n' || c == '\r' || c == '\t') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else if (c < 0x20 || c == 0x7F) {
            continue;
        } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
            ++i; // U+0080..U+009F
        } else {
            out += static_cast<char>(c);
        }
    }
    std::string_view cut = detail::utf8_prefix(out, max);
    const auto first = cut.find_first_not_of(' ');
    if (first == std::string_view::npos) return {};
    return std::string(cut.substr(first, cut.find_last_not_of(' ') - first + 1));
}

class importer {
public:
    importer(std::string_view body, std::size_t first_line, const time_zone& zone, const import_limits& limits, mode m)
        : body_(body), first_line_(first_line), zone_(zone), limits_(limits), mode_(m),
          zones_(source_, limits, problems_) {}
    importer(const importer&) = delete;
    importer& operator=(const importer&) = delete;

    result<std::vector<occurrence>> run() {
        const std::size_t listed = limits_.max_errors_listed;
        if (auto p = source_.read(body_, first_line_, limits_.max_nesting_depth))
            return detail::one_problem(p->line, std::move(p->text), listed);
        if (auto p = detail::too_many_vtimezones(source_.index(), limits_.max_vtimezones))
            return detail::one_problem(p->line, std::move(p->text), listed);

        const std::string text(body_); // libical wants a NUL-terminated string
        root_.reset(icalparser_parse_string(text.c_str()));
        if (!root_) return detail::one_problem(0, "the parser could not read the file", listed);
        const std::vector<icalcomponent*> calendars = source_.map_tree(root_.get());
        source_.collect_parse_errors(root_.get(), problems_);
        // Values libical read as something else: the events would import wrong, so stop here.
        const std::size_t parse_problems = problems_.size();
        detail::check_value_syntax(source_.index(), problems_);
        if (problems_.size() > parse_problems) return std::move(problems_).to_error(listed);
        for (icalcomponent* cal : calendars) zones_.collect(cal);
        for (icalcomponent* cal : calendars) {
            if (overflow_) break;
            import_calendar(cal);
        }
        if (!problems_.empty()) return std::move(problems_).to_error(listed);
        return std::move(out_);
    }

private:
    // Instances of one event: start UTC -> (local start, length).
    struct instance {
        civil_time local;
        span length;
    };
    using instance_map = std::map<sys_seconds, instance>;

    // What EXDATEs and the overrides' RECURRENCE-IDs remove from a series: instances by
    // start instant, and every instance on a local date (a date in a timed series).
    struct removal_set {
        std::set<sys_seconds> instants;
        std::set<scheduler::civil_date> dates;
        [[nodiscard]] bool removes(sys_seconds utc, const instance& i) const {
            return instants.contains(utc) || dates.contains(i.local.date);
        }
    };

    // The length every instance of an event has; `zero` events add nothing.
    struct event_length {
        span length;
        bool zero = false;
    };

    // A DATE or DATE-TIME value of p. Dates and floating times are read in `fallback`.
    std::optional<time_value> read_time(icaltimetype t, icalproperty* p, icalcomponent* owner,
                                        const zone_ref& fallback) {
        const char* prop_name = icalproperty_kind_to_string(icalproperty_isa(p));
        const std::string name = prop_name != nullptr ? prop_name : "?";
        if (icaltime_is_null_time(t)) {
            problems_.add(source_.property_line(owner, name), name + " has no valid date");
            return std::nullopt;
        }
        time_value v;
        v.is_date = t.is_date != 0;
        v.local = {
            {t.year, t.month, t.day}, v.is_date ? 0 : t.hour, v.is_date ? 0 : t.minute, v.is_date ? 0 : t.second};
        if (!scheduler::is_valid(v.local)) {
            problems_.add(source_.property_line(owner, name), name + " is not a valid date or time");
            return std::nullopt;
        }
        v.zone = fallback;
        if (!v.is_date) {
            if (icaltime_is_utc(t)) {
                v.zone = zone_ref::utc();
            } else if (icalparameter* tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER)) {
                const char* tzid = icalparameter_get_tzid(tzp);
                const std::string id = tzid != nullptr ? tzid : "";
                auto z = zones_.resolve(id, owner, name);
                if (!z) return std::nullopt;
                v.zone = *z;
            }
        }
        v.utc = v.zone.to_utc(v.local);
        return v;
    }

    void import_calendar(icalcomponent* cal) {
        std::vector<icalcomponent*> masters;
        std::map<std::string, icalcomponent*> master_by_uid;          // the first master of a UID
        std::map<std::string, std::vector<icalcomponent*>> overrides; // by UID
        for (icalcomponent* ev : children(cal, ICAL_VEVENT_COMPONENT)) {
            icalproperty* uid = first_property(ev, ICAL_UID_PROPERTY);
            const char* uid_text = uid != nullptr ? icalproperty_get_uid(uid) : nullptr;
            if (first_property(ev, ICAL_RECURRENCEID_PROPERTY) != nullptr && uid_text != nullptr) {
                overrides[uid_text].push_back(ev);
            } else {
                masters.push_back(ev);
                if (uid_text != nullptr) master_by_uid.emplace(uid_text, ev);
            }
        }
        for (icalcomponent* ev : masters) {
            if (overflow_) return;
            icalproperty* uid = first_property(ev, ICAL_UID_PROPERTY);
            const char* uid_text = uid != nullptr ? icalproperty_get_uid(uid) : nullptr;
            std::vector<icalcomponent*> own;
            if (uid_text != nullptr)
                if (const auto it = overrides.find(uid_text); it != overrides.end()) own = it->second;
            import_event(ev, own, nullptr);
        }
        // Overrides replace their instance; those of a master outside the file stand alone.
        for (const auto& [uid, list] : overrides) {
            const auto m = master_by_uid.find(uid);
            icalcomponent* master = m == master_by_uid.end() ? nullptr : m->second;
            for (icalcomponent* ov : list) {
                if (overflow_) return;
                import_event(ov, {}, master);
            }
        }
        if (mode_ == mode::busy)
            for (icalcomponent* fb : children(cal, ICAL_VFREEBUSY_COMPONENT)) {
                if (overflow_) return;
                import_freebusy(fb);
            }
    }

    [[nodiscard]] bool skipped(icalcomponent* ev) const {
        if (icalproperty* s = first_property(ev, ICAL_STATUS_PROPERTY);
            s != nullptr && icalproperty_get_status(s) == ICAL_STATUS_CANCELLED)
            return true;
        if (mode_ == mode::busy)
            if (icalproperty* t = first_property(ev, ICAL_TRANSP_PROPERTY); t != nullptr) {
                const icalproperty_transp v = icalproperty_get_transp(t);
                if (v == ICAL_TRANSP_TRANSPARENT || v == ICAL_TRANSP_TRANSPARENTNOCONFLICT) return true;
            }
        return false;
    }

    // The instance's end: nominal days on the local calendar, then exact seconds.
    static sys_seconds end_of(const civil_time& local, sys_seconds start, const zone_ref& z, const span& s) {
        sys_seconds end = start;
        if (s.days != 0) {
            civil_time e = local;
            e.date = scheduler::add_days(e.date, s.days);
            end = z.to_utc(e);
        }
        return end + std::chrono::seconds{s.seconds};
    }

    // One VEVENT: a master with its recurrences (and `overrides` removing their instances),
    // or an override (`master` set, only for the name). Problems are recorded; nothing
    // from an event with a parse error is checked again.
    void import_event(icalcomponent* ev, const std::vector<icalcomponent*>& overrides, icalcomponent* master) {
        if (source_.has_parse_errors(ev)) return;
        icalproperty* dtstart_p = first_property(ev, ICAL_DTSTART_PROPERTY);
        if (dtstart_p == nullptr) {
            problems_.add(source_.begin_line(ev), "VEVENT without DTSTART");
            return;
        }
        const auto start = read_time(icalproperty_get_dtstart(dtstart_p), dtstart_p, ev, zone_ref::iana(&zone_));
        if (!start) return;
        // libical's recurrence iterator gives nothing for a series that starts before the
        // Gregorian calendar: such a series would import silently empty.
        if (start->local.date.year < 1583 && first_property(ev, ICAL_RRULE_PROPERTY) != nullptr) {
            problems_.add(source_.property_line(ev, "DTSTART"),
                          "DTSTART of a recurring event is before 1583 (the Gregorian calendar)");
            return;
        }
        const auto length = read_length(ev, *start);
        if (!length || skipped(ev) || length->zero) return;

        instance_map instances; // DTSTART always among them
        instances.emplace(start->utc, instance{start->local, length->length});
        // Read before the expansion, which leaves the removed instances out as it goes: a
        // date removes every instance on that day (two with BYHOUR=9,14), so the expansion
        // cannot stop at max_intervals plus the number of removals (it then returned a
        // silently shortened series).
        const auto removed = read_removals(ev, *start, overrides);
        if (!master) { // overrides are single instances
            if (!expand_rrules(ev, *start, length->length, removed ? *removed : removal_set{}, instances)) return;
            if (!add_rdates(ev, *start, length->length, instances)) return;
        }
        if (!removed) return;
        std::erase_if(instances, [&](const auto& kv) { return removed->removes(kv.first, kv.second); });

        const std::string name = mode_ == mode::blackouts ? blackout_name(ev, master) : std::string();
        for (const auto& [utc, inst] : instances) {
            const sys_seconds end = end_of(inst.local, utc, start->zone, inst.length);
            if (!add(interval{utc, end}, name, ev, {})) return;
        }
    }

    // The length of each instance: from DTEND (all-day dates count local days, DTEND equal
    // to DTSTART one day; else exact seconds), else DURATION, else one day for a date and
    // zero for a date-time. nullopt after a problem.
    std::optional<event_length> read_length(icalcomponent* ev, const time_value& start) {
        event_length r;
        span& length = r.length;
        if (icalproperty* dtend_p = first_property(ev, ICAL_DTEND_PROPERTY)) {
            const auto end = read_time(icalproperty_get_dtend(dtend_p), dtend_p, ev, start.zone);
            if (!end) return std::nullopt;
            if (start.is_date && end->is_date) {
                length.days =
                    scheduler::days_from_civil(end->local.date) - scheduler::days_from_civil(start.local.date);
                if (length.days == 0) length.days = 1; // DTEND = DTSTART: written for one day
            } else {
                length.seconds = (end->utc - start.utc).count();
            }
            if (length.days < 0 || length.seconds < 0) {
                problems_.add(source_.property_line(ev, "DTEND"), "DTEND is before DTSTART");
                return std::nullopt;
            }
            r.zero = length.days == 0 && length.seconds == 0;
        } else if (icalproperty* dur_p = first_property(ev, ICAL_DURATION_PROPERTY)) {
            const icaldurationtype d = icalproperty_get_duration(dur_p);
            if (d.is_neg != 0) {
                problems_.add(source_.property_line(ev, "DURATION"), "DURATION is negative");
                return std::nullopt;
            }
            length.days = static_cast<std::int64_t>(d.days) + 7 * static_cast<std::int64_t>(d.weeks);
            length.seconds = static_cast<std::int64_t>(d.hours) * 3600 + static_cast<std::int64_t>(d.minutes) * 60 +
                             static_cast<std::int64_t>(d.seconds);
            r.zero = length.days == 0 && length.seconds == 0;
        } else if (start.is_date) {
            length.days = 1;
        } else {
            r.zero = true;
        }
        return r;
    }

    // Adds ev's RDATEs: a date in a timed series at DTSTART's time of day, a PERIOD with its
    // own length, anything else with the event's. false after a problem.
    bool add_rdates(icalcomponent* ev, const time_value& start, const span& length, instance_map& instances) {
        const zone_ref& ez = start.zone;
        for (icalproperty* p : properties(ev, ICAL_RDATE_PROPERTY)) {
            const icaldatetimeperiodtype rd = icalproperty_get_rdate(p);
            const bool is_period = !icaltime_is_null_time(rd.period.start);
            icaltimetype t = is_period ? rd.period.start : rd.time;
            if (t.is_date && !start.is_date) { // a date in a timed series: DTSTART's time of day
                t.is_date = 0;
                t.hour = start.local.hour;
                t.minute = start.local.minute;
                t.second = start.local.second;
            }
            const auto v = read_time(t, p, ev, ez);
            if (!v) return false;
            span l = length;
            if (is_period) {
                const auto own = period_length(rd.period, *v, p, ev, ez);
                if (!own) return false;
                l = *own;
            }
            instances.emplace(v->utc, instance{ez.to_local(v->utc), l});
        }
        return true;
    }

    // The exact length of an RDATE PERIOD starting at `start` (an end or a duration);
    // nullopt after a problem.
    std::optional<span> period_length(const icalperiodtype& period, const time_value& start, icalproperty* p,
                                      icalcomponent* ev, const zone_ref& ez) {
        span l;
        if (!icaltime_is_null_time(period.end)) {
            const auto e = read_time(period.end, p, ev, ez);
            if (!e) return std::nullopt;
            l.seconds = (e->utc - start.utc).count();
        } else {
            l.seconds = icaldurationtype_as_int(period.duration);
        }
        if (l.seconds < 0) {
            problems_.add(source_.property_line(ev, "RDATE"), "RDATE period ends before it starts");
            return std::nullopt;
        }
        return l;
    }

    // The instances that EXDATEs and the overrides' RECURRENCE-IDs name: by start instant,
    // or every instance on a local date for a date in a timed series. Overrides with a
    // parse error remove nothing. nullopt after a problem.
    std::optional<removal_set> read_removals(icalcomponent* ev, const time_value& start,
                                             const std::vector<icalcomponent*>& overrides) {
        removal_set r;
        const auto remove = [&](icaltimetype t, icalproperty* p, icalcomponent* owner) {
            const auto v = read_time(t, p, owner, start.zone);
            if (!v) return false;
            if (v->is_date && !start.is_date) {
                r.dates.insert(v->local.date);
            } else {
                r.instants.insert(v->utc);
            }
            return true;
        };
        for (icalproperty* p : properties(ev, ICAL_EXDATE_PROPERTY))
            if (!remove(icalproperty_get_exdate(p), p, ev)) return std::nullopt;
        for (icalcomponent* ov : overrides) {
            if (source_.has_parse_errors(ov)) continue;
            icalproperty* rid = first_property(ov, ICAL_RECURRENCEID_PROPERTY);
            if (!remove(icalproperty_get_recurrenceid(rid), rid, ov)) return std::nullopt;
        }
        return r;
    }

    // ev's SUMMARY, else its master's, cleaned (clean_name).
    [[nodiscard]] std::string blackout_name(icalcomponent* ev, icalcomponent* master) const {
        icalproperty* s = first_property(ev, ICAL_SUMMARY_PROPERTY);
        if (s == nullptr && master != nullptr) s = first_property(master, ICAL_SUMMARY_PROPERTY);
        return clean_name(s != nullptr ? icalproperty_get_summary(s) : nullptr, limits_.max_name_length);
    }

    // Adds the RRULE instances of ev that overlap the horizon and that `removed` does not
    // name to `instances`; false after a problem. Stops early only when more than
    // max_intervals are kept, so add() still sees the excess.
    bool expand_rrules(icalcomponent* ev, const time_value& start, const span& length, const removal_set& removed,
                       instance_map& instances) {
        // Iteration stops a day past the horizon's end in local time (the UTC check in
        // take_instances is exact).
        civil_time stop = start.zone.to_local(limits_.horizon_end);
        stop.date = scheduler::add_days(stop.date, 1);
        for (icalproperty* p : properties(ev, ICAL_RRULE_PROPERTY)) {
            const std::size_t line = source_.property_line(ev, "RRULE");
            icalrecurrencetype rule = icalproperty_get_rrule(p);
            if (!supported_rule(rule, line)) return false;
            const auto until = local_until(rule, stop, start.zone, line);
            if (!until) return false;
            rule.until = detail::floating_time(*until);
            detail::iterator_ptr it(icalrecur_iterator_new(rule, detail::floating_time(start.local)));
            if (!it) {
                problems_.add(line, "RRULE has parts that contradict each other or do not fit its FREQ");
                return false;
            }
            const std::size_t cap = limits_.max_intervals + 1; // add() reports the excess
            if (!take_instances(it.get(), *until, start.zone, length, removed, cap, line, instances)) return false;
        }
        return true;
    }

    // A rule libical parsed and that uses the Gregorian calendar; else a problem on `line`.
    bool supported_rule(const icalrecurrencetype& rule, std::size_t line) {
        if (rule.freq == ICAL_NO_RECURRENCE) {
            problems_.add(line, "RRULE is not a valid recurrence rule");
            return false;
        }
        if (rule.rscale != nullptr && *rule.rscale != '\0') {
            problems_.add(line, "RRULE uses RSCALE; only the Gregorian calendar is supported");
            return false;
        }
        // libical 3.0.16 expands BYWEEKNO wrongly and, for FREQ=YEARLY;BYWEEKNO=1,53, out of
        // bounds (calendar/recurrence.hpp).
        if (rule.by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX) {
            problems_.add(line, "RRULE uses BYWEEKNO, which is not supported; use BYMONTH with BYDAY or BYMONTHDAY");
            return false;
        }
        return true;
    }

    // Where the expansion of a rule stops, as a local wall-clock time: its UNTIL (a date
    // means that whole day, a UTC time is converted to the event's zone `ez`) or `stop`,
    // whichever comes first; libical then compares floating times only. nullopt after a
    // problem (an UNTIL that is no valid time).
    std::optional<civil_time> local_until(const icalrecurrencetype& rule, const civil_time& stop, const zone_ref& ez,
                                          std::size_t line) {
        if (icaltime_is_null_time(rule.until)) return stop;
        civil_time u{{rule.until.year, rule.until.month, rule.until.day}, 23, 59, 59};
        if (!rule.until.is_date) {
            u.hour = rule.until.hour;
            u.minute = rule.until.minute;
            u.second = rule.until.second;
        }
        if (!scheduler::is_valid(u)) {
            problems_.add(line, "RRULE has an invalid UNTIL");
            return std::nullopt;
        }
        if (!rule.until.is_date && icaltime_is_utc(rule.until)) u = ez.to_local(scheduler::seconds_from_civil(u));
        return std::min(stop, u);
    }

    // Runs the rule's iterator up to `until` and the horizon's end, keeping the instances
    // that overlap the horizon and are not `removed`, until `instances` holds more than
    // `cap`. Instances that end before the horizon's start are not converted. false after a
    // problem: more than max_expansion_steps over the whole file (which also ends the import).
    bool take_instances(icalrecur_iterator* it, const civil_time& until, const zone_ref& ez, const span& length,
                        const removal_set& removed, std::size_t cap, std::size_t line, instance_map& instances) {
        const std::int64_t reach = length.days * 86400 + length.seconds + 2 * 86400;
        const std::int64_t horizon_start = limits_.horizon_start.time_since_epoch().count();
        for (icaltimetype t = icalrecur_iterator_next(it); !icaltime_is_null_time(t); t = icalrecur_iterator_next(it)) {
            if (++steps_ > limits_.max_expansion_steps) {
                problems_.add(line, "RRULE needs more than " + std::to_string(limits_.max_expansion_steps) +
                                        " steps to reach the end of the import period");
                overflow_ = true;
                return false;
            }
            const civil_time local = detail::civil_of(t);
            if (!scheduler::is_valid(local) || local > until) break;
            if (scheduler::seconds_from_civil(local).time_since_epoch().count() + reach < horizon_start) continue;
            const sys_seconds utc = ez.to_utc(local);
            if (utc >= limits_.horizon_end) break;
            if (end_of(local, utc, ez, length) <= limits_.horizon_start) continue;
            const instance inst{local, length};
            if (removed.removes(utc, inst)) continue;
            instances.emplace(utc, inst);
            if (instances.size() > cap) break;
        }
        return true;
    }

    void import_freebusy(icalcomponent* fb) {
        if (source_.has_parse_errors(fb)) return;
        for (icalproperty* p : properties(fb, ICAL_FREEBUSY_PROPERTY)) {
            if (icalparameter* t = icalproperty_get_first_parameter(p, ICAL_FBTYPE_PARAMETER))
                if (icalparameter_get_fbtype(t) == ICAL_FBTYPE_FREE) continue;
            const icalperiodtype period = icalproperty_get_freebusy(p);
            const auto s = read_time(period.start, p, fb, zone_ref::iana(&zone_));
            if (!s) return;
            sys_seconds end{};
            if (!icaltime_is_null_time(period.end)) {
                const auto e = read_time(period.end, p, fb, s->zone);
                if (!e) return;
                end = e->utc;
            } else {
                if (period.duration.is_neg != 0) {
                    problems_.add(source_.property_line(fb, "FREEBUSY"), "FREEBUSY period has a negative duration");
                    return;
                }
                end = s->utc + std::chrono::seconds{icaldurationtype_as_int(period.duration)};
            }
            if (end < s->utc) {
                problems_.add(source_.property_line(fb, "FREEBUSY"), "FREEBUSY period ends before it starts");
                return;
            }
            if (!add(interval{s->utc, end}, {}, fb, "FREEBUSY")) return;
        }
    }

    // Keeps an interval that overlaps the horizon; false once there are too many (the
    // problem is placed at `prop` in c, or at c's BEGIN).
    bool add(const interval& when, const std::string& name, icalcomponent* c, std::string_view prop) {
        if (when.end <= when.start || when.end <= limits_.horizon_start || when.start >= limits_.horizon_end)
            return true;
        if (out_.size() >= limits_.max_intervals) {
            problems_.add(prop.empty() ? source_.begin_line(c) : source_.property_line(c, prop),
                          "the file has more than " + std::to_string(limits_.max_intervals) +
                              " intervals in the import period (after expanding recurrences)");
            overflow_ = true;
            return false;
        }
        out_.push_back({when, name});
        return true;
    }

    std::string_view body_;
    std::size_t first_line_;
    const time_zone& zone_;
    const import_limits& limits_;
    mode mode_;

    problem_list problems_;
    detail::source_map source_;
    detail::component_ptr root_;
    detail::file_zones zones_; // declared after root_: freed first (it owns clones only)
    std::vector<occurrence> out_;
    std::size_t steps_ = 0;
    bool overflow_ = false;
};

// Checks that need no parser, then the importer.
result<std::vector<occurrence>> import(std::string_view ics, const time_zone& zone, const import_limits& limits,
                                       mode m) {
    if (limits.horizon_end <= limits.horizon_start)
        return error{errc::internal, "import_limits: horizon_end must be after horizon_start.", {}};
    auto text = detail::read_text(ics, limits);
    if (!text) return std::move(text).err();
    detail::prepare_libical();
    return importer(text->body, text->first_line, zone, limits, m).run();
}

} // namespace

result<std::vector<named_interval>> import_blackouts(std::string_view ics, const time_zone& zone,
                                                     const import_limits& limits) {
    auto found = import(ics, zone, limits, mode::blackouts);
    if (!found) return std::move(found).err();
    std::vector<named_interval> out;
    out.reserve(found->size());
    for (occurrence& o : *found) out.push_back({{}, std::move(o.name), o.when});
    std::sort(out.begin(), out.end(), [](const named_interval& a, const named_interval& b) {
        if (a.when.start != b.when.start) return a.when.start < b.when.start;
        if (a.when.end != b.when.end) return a.when.end < b.when.end;
        return a.name < b.name;
    });
    return out;
}

result<std::vector<interval>> import_busy(std::string_view ics, const time_zone& zone, const import_limits& limits) {
    auto found = import(ics, zone, limits, mode::busy);
    if (!found) return std::move(found).err();
    std::vector<interval> all;
    all.reserve(found->size());
    for (const occurrence& o : *found) all.push_back(o.when);
    std::sort(all.begin(), all.end(), [](const interval& a, const interval& b) {
        return a.start != b.start ? a.start < b.start : a.end < b.end;
    });
    std::vector<interval> merged;
    for (const interval& i : all) {
        if (!merged.empty() && i.start <= merged.back().end)
            merged.back().end = std::max(merged.back().end, i.end);
        else
            merged.push_back(i);
    }
    return merged;
}

} // namespace copsched::calendar
