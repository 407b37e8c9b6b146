#include "server/cli/plan_command.hpp"

#include "scheduler/clock.hpp"
#include "scheduler/year_planning.hpp"
#include "server/cli/command_support.hpp"
#include "server/options/flags.hpp"
#include "storage/database_file.hpp"

#include <cctype>
#include <iostream>

namespace copsched::server {
namespace {

// --year and --count; false when either is not a whole number or the count not 1 to 12.
bool parse_year_and_count(const std::string& year_text, const std::string& count_text, scheduler::plan_options& o) {
    try {
        std::size_t used = 0;
        o.year = std::stoi(year_text, &used);
        if (used != year_text.size()) return false;
        if (!count_text.empty()) {
            const int n = std::stoi(count_text, &used);
            if (used != count_text.size() || n < 1 || n > 12) return false;
            o.count = static_cast<std::size_t>(n);
        }
    } catch (const std::exception&) {
        return false;
    }
    return true;
}

// "HH:MM,..." as minutes after midnight; false when an entry is not HH:MM.
bool parse_start_times(const std::string& text, std::vector<int>& out) {
    const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
    for (std::size_t pos = 0; pos < text.size();) {
        auto comma = text.find(',', pos);
        if (comma == std::string::npos) comma = text.size();
        const auto t = text.substr(pos, comma - pos);
        if (t.size() != 5 || t[2] != ':' || !digit(t[0]) || !digit(t[1]) || !digit(t[3]) || !digit(t[4])) return false;
        out.push_back(std::stoi(t.substr(0, 2)) * 60 + std::stoi(t.substr(3, 2)));
        pos = comma + 1;
    }
    return true;
}

// Prints the plan; with `book`, books its meetings and records them in the audit trail.
// A refused booking names each blocked meeting's conflicts as field problems.
scheduler::status print_plan(scheduler::store& s, const std::string& slug, const scheduler::plan_options& o,
                             bool book) {
    auto p = s.get_programme(slug);
    if (!p) return p.err();
    auto plan = scheduler::make_year_plan(s, *p, o);
    if (!plan) return plan.err();
    std::cout << scheduler::plan_table(*plan, *p, o.year);
    if (!book) return scheduler::ok();
    std::vector<scheduler::plan_booking_failure> blocked;
    auto events = scheduler::apply_year_plan(s, *p, *plan, o.year, scheduler::event_status::tentative, blocked);
    if (!events) {
        auto e = events.err();
        for (const auto& b : blocked)
            for (const auto& c : b.conflicts) e.fields.push_back({b.start, c.detail});
        return e;
    }
    std::string ids;
    for (const auto& e : *events) ids += (ids.empty() ? "\"" : ",\"") + e.id + "\"";
    std::cout << "\nbooked " << events->size() << " tentative CoP meetings\n";
    return s.append_audit(
        {"cli", "plan.apply", "programme", p->id, "{\"year\":" + std::to_string(o.year) + ",\"events\":[" + ids + "]}"},
        scheduler::now_utc());
}

} // namespace

int cmd_plan(const config& cfg, std::vector<std::string> args) {
    const bool apply = take_switch(args, "--apply");
    const auto slug = take_flag(args, "--programme");
    const auto year_text = take_flag(args, "--year");
    const auto count_text = take_flag(args, "--count");
    const auto times_text = take_flag(args, "--start-times");
    if (int rc = check_no_more(args)) return rc;
    if (slug.empty() || year_text.empty())
        return fail("usage: copsched plan --programme SLUG --year YEAR [--count N] [--start-times HH:MM,...] [--apply]",
                    2);
    scheduler::plan_options o;
    if (!parse_year_and_count(year_text, count_text, o))
        return fail("--year must be a year and --count a number from 1 to 12", 2);
    if (!parse_start_times(times_text, o.start_times))
        return fail("--start-times must be times HH:MM separated by commas", 2);
    if (!apply) {
        auto st = storage::read_once(cfg.database, cfg.db_busy_timeout_ms,
                                     [&](scheduler::store& s) { return print_plan(s, slug, o, false); });
        return st ? 0 : fail(st.err());
    }
    return with_writer_lock(cfg, [&] {
        auto st = storage::write_once(cfg.database, cfg.db_busy_timeout_ms,
                                      [&](scheduler::store& s) { return print_plan(s, slug, o, true); });
        return st ? 0 : fail(st.err());
    });
}

} // namespace copsched::server
