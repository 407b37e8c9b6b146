#include "scheduler/holidays.hpp"

#include <utility>

namespace copsched::scheduler {

std::vector<holiday> dutch_holidays(int year, bool liberation_day_every_year) {
    const holiday_options options{.liberation_day_every_year = liberation_day_every_year};
    std::vector<holiday> out;
    for (auto& h : public_holidays("NL", "", year, "nl", options))
        out.push_back({h.date, std::move(h.name), public_holiday_name("NL", h.key, "en"), h.day_off});
    return out;
}

std::optional<holiday> dutch_holiday_on(const civil_date& d, bool liberation_day_every_year) {
    auto h = public_holiday_on("NL", "", d, "nl", {.liberation_day_every_year = liberation_day_every_year});
    if (!h) return std::nullopt;
    return holiday{h->date, std::move(h->name), public_holiday_name("NL", h->key, "en"), h->day_off};
}

bool is_dutch_day_off(const civil_date& d, bool liberation_day_every_year) {
    return is_public_holiday_off("NL", "", d, {.liberation_day_every_year = liberation_day_every_year});
}

} // namespace copsched::scheduler
