// copsched_holiday_dump FIRST_YEAR LAST_YEAR: every public holiday copsched lists, for every
// supported country, its whole-country list and each subdivision, one CSV line each:
//   date,country,subdivision,key,day_off      (subdivision empty for the whole country)
// Read by compare.mjs, which checks it against date-holidays. Built only for the tests.

#include "scheduler/public_holidays.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

using namespace copsched::scheduler;

int main(int argc, char** argv) try {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s FIRST_YEAR LAST_YEAR\n", argv[0]);
        return 2;
    }
    const int first = std::atoi(argv[1]);
    const int last = std::atoi(argv[2]);
    std::string out = "date,country,subdivision,key,day_off\n";
    for (const auto& country : public_holiday_countries()) {
        std::vector<std::string> parts{""};
        for (const auto& s : public_holiday_subdivisions(country)) parts.push_back(s);
        for (const auto& part : parts)
            for (int year = first; year <= last; ++year)
                for (const auto& h : public_holidays(country, part, year, "en"))
                    out += format_date(h.date) + ',' + country + ',' + part + ',' + h.key + ',' +
                           (h.day_off ? "1" : "0") + '\n';
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "copsched_holiday_dump: %s\n", e.what());
    return 1;
}
