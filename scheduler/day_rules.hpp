#pragma once
// The days a programme treats apart when it plans and books: its public holidays (of a
// country and optionally a subdivision) and its school holidays (of some regions of that
// country), resolved from the programme's settings and their defaults. The planner
// (scheduler/planner.hpp), the booking conflicts (scheduler/conflicts.hpp) and the
// working-group suggestions all ask here, so they agree on every day.
// Pure functions over read-only data: any thread may call them.

#include "scheduler/civil_time.hpp"
#include "scheduler/model.hpp"
#include "scheduler/school_holidays.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::scheduler {

struct day_rules {
    std::string country;                     // ISO 3166-1 alpha-2 whose public holidays count; empty: none
    std::string subdivision;                 // ISO 3166-2 ("DE-BY"), empty: the whole country's holidays only
    bool liberation_day_every_year = false;  // NL: Bevrijdingsdag a day off in every year
    std::vector<std::string> school_regions; // regions of `country`'s school data; empty: off
    school_holiday_mode school_mode = school_holiday_mode::avoid;
};

// A public holiday on a day, named in the asked language.
struct day_holiday {
    civil_date date;
    std::string name;    // "Koningsdag", "Independence Day"
    bool day_off = true; // false: listed, but a working day (Bevrijdingsdag outside lustrum years)
};

// The country whose public holidays count for the programme: the one it sets, else the
// country of its time zone (the `zones` line of data/public_holidays/<CC>.txt:
// Europe/Amsterdam NL, Europe/Brussels BE, America/New_York US); nullopt when it sets none
// and copsched has no holidays for the zone's country (then none count until one is set).
[[nodiscard]] std::optional<std::string> holiday_country_of(const programme& p);

// The school holiday regions a programme gets when it sets none: every region of the
// country's school data for a Dutch-language programme in Europe/Amsterdam whose holiday
// country is NL; none otherwise (an English-language or foreign programme opts in).
[[nodiscard]] std::vector<std::string> default_school_holiday_regions(const programme& p);

// The programme's settings with their defaults filled in.
[[nodiscard]] day_rules day_rules_of(const programme& p, bool liberation_day_every_year = false);

// The public holiday on d (a day off first when two share the date), named in lang;
// nullopt when none or when the rules name no country.
[[nodiscard]] std::optional<day_holiday> holiday_on(const day_rules& r, const civil_date& d, language lang);

// The school holidays of the rules' regions that contain d (empty when switched off).
[[nodiscard]] std::vector<school_holiday> school_holidays_on(const day_rules& r, const civil_date& d);

// The holidays as people read them, grouped by holiday with their regions in data order:
//   "zomervakantie (regio noord, regio midden, regio zuid)"
//   "summer holidays (region north, region central)"; two holidays joined by ", ".
[[nodiscard]] std::string school_holiday_text(const std::vector<school_holiday>& holidays, language lang);

// The days the rules' school holiday data covers, [first, last]; nullopt when the rules
// have no school regions or the country no data. Days outside are unknown, not free.
struct covered_days {
    civil_date first;
    civil_date last;
};
[[nodiscard]] std::optional<covered_days> school_holiday_coverage(const day_rules& r);

// The countries (ISO 3166-1 alpha-2, sorted) whose public holidays copsched knows, and
// whether a subdivision ("DE-BY") belongs to one and has its own holidays.
[[nodiscard]] std::vector<std::string> holiday_countries();
[[nodiscard]] bool holiday_subdivision_known(std::string_view country, std::string_view subdivision);
[[nodiscard]] std::vector<std::string> holiday_subdivisions(std::string_view country);

// The school holiday regions of a country's data, in data order (NL: noord, midden, zuid);
// empty for a country without data.
[[nodiscard]] std::vector<std::string> school_holiday_regions_of(std::string_view country);

// "NL", or "DE-BY" with a subdivision: how messages name whose holiday it is.
[[nodiscard]] std::string holiday_country_label(const day_rules& r);

} // namespace copsched::scheduler
