#include "scheduler/day_rules.hpp"

#include "scheduler/public_holidays.hpp"

#include <algorithm>
#include <utility>

namespace copsched::scheduler {
namespace {

std::string_view code_of(language lang) noexcept { return lang == language::nl ? "nl" : "en"; }

} // namespace

std::vector<std::string> school_holiday_regions_of(std::string_view country) {
    std::vector<std::string> out;
    for (const auto& h : school_holidays(country))
        if (std::find(out.begin(), out.end(), h.region) == out.end()) out.push_back(h.region);
    return out;
}

std::vector<std::string> holiday_countries() { return public_holiday_countries(); }

bool holiday_subdivision_known(std::string_view country, std::string_view subdivision) {
    const auto& all = public_holiday_subdivisions(country);
    return !subdivision.empty() && std::find(all.begin(), all.end(), subdivision) != all.end();
}

std::vector<std::string> holiday_subdivisions(std::string_view country) { return public_holiday_subdivisions(country); }

std::optional<std::string> holiday_country_of(const programme& p) {
    return p.holidays.country ? p.holidays.country : holiday_country_for_zone(p.timezone);
}

std::vector<std::string> default_school_holiday_regions(const programme& p) {
    const auto country = holiday_country_of(p);
    if (country != std::optional<std::string>("NL") || p.timezone != "Europe/Amsterdam" || p.lang != language::nl)
        return {};
    return school_holiday_regions_of(*country);
}

day_rules day_rules_of(const programme& p, bool liberation_day_every_year) {
    day_rules r;
    if (auto c = holiday_country_of(p)) r.country = *c;
    r.subdivision = p.holidays.subdivision.value_or("");
    r.liberation_day_every_year = liberation_day_every_year;
    r.school_regions =
        p.rules.school_holiday_regions ? *p.rules.school_holiday_regions : default_school_holiday_regions(p);
    r.school_mode = p.rules.school_holidays;
    return r;
}

std::optional<day_holiday> holiday_on(const day_rules& r, const civil_date& d, language lang) {
    if (r.country.empty()) return std::nullopt;
    const auto h =
        public_holiday_on(r.country, r.subdivision, d, code_of(lang), holiday_options{r.liberation_day_every_year});
    if (!h) return std::nullopt;
    return day_holiday{h->date, h->name, h->day_off};
}

std::vector<school_holiday> school_holidays_on(const day_rules& r, const civil_date& d) {
    if (r.school_regions.empty() || r.country.empty()) return {};
    return school_holidays_on(r.country, d, r.school_regions);
}

std::string school_holiday_text(const std::vector<school_holiday>& holidays, language lang) {
    const auto code = code_of(lang);
    std::vector<std::pair<std::string, std::vector<std::string>>> grouped; // holiday, regions
    for (const auto& h : holidays) {
        auto it = std::find_if(grouped.begin(), grouped.end(), [&](const auto& g) { return g.first == h.holiday; });
        if (it == grouped.end()) it = grouped.insert(grouped.end(), {h.holiday, {}});
        if (std::find(it->second.begin(), it->second.end(), h.region) == it->second.end())
            it->second.push_back(h.region);
    }
    std::string out;
    for (const auto& [holiday, regions] : grouped) {
        if (!out.empty()) out += ", ";
        out += school_holiday_name(holiday, code) + " (";
        for (std::size_t k = 0; k < regions.size(); ++k)
            out += (k ? ", " : "") + school_holiday_region_name(regions[k], code);
        out += ")";
    }
    return out;
}

std::optional<covered_days> school_holiday_coverage(const day_rules& r) {
    if (r.school_regions.empty() || r.country.empty()) return std::nullopt;
    const auto& all = school_holidays(r.country);
    if (all.empty()) return std::nullopt;
    // The data starts with the first school year it lists: from 1 August of its first year.
    int first_year = all.front().first.year;
    for (const auto& h : all) first_year = std::min(first_year, std::stoi(h.school_year.substr(0, 4)));
    return covered_days{civil_date{first_year, 8, 1}, *school_holiday_data_until(r.country)};
}

std::string holiday_country_label(const day_rules& r) { return r.subdivision.empty() ? r.country : r.subdivision; }

} // namespace copsched::scheduler
