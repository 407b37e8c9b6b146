// RRULE expansion (calendar/recurrence.hpp): a start time from the first bytes (years
// around the accepted range, invalid dates included), limits, then the rule text.
// Checks the contract: errors are invalid_input naming "rrule" or "dtstart"; a result is
// non-empty, strictly ascending, of valid times at the start's time of day, not before
// the start, within max_occurrences and max_years; validate_rrule accepts every rule
// expand_rrule accepts.

#include "fuzz_input.hpp"

#include "calendar/recurrence.hpp"
#include "scheduler/civil_time.hpp"

#include <cstdint>

using namespace copsched;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::input in(data, size);
    scheduler::civil_time start;
    start.date.year = in.in_range(1890, 2510);
    start.date.month = in.in_range(0, 13);
    start.date.day = in.in_range(0, 32);
    start.hour = in.in_range(0, 24);
    start.minute = in.in_range(0, 59);
    start.second = in.in_range(0, 59);
    calendar::recurrence_limits limits;
    limits.max_occurrences = static_cast<std::size_t>(in.in_range(1, 600));
    limits.max_years = in.in_range(-1, 12);
    const auto rule = in.rest();

    const auto valid = calendar::validate_rrule(rule, limits);
    if (!valid) {
        FUZZ_CHECK(valid.err().code == scheduler::errc::invalid_input);
        FUZZ_CHECK(!valid.err().fields.empty() && valid.err().fields.front().field == "rrule");
    }
    auto r = calendar::expand_rrule(rule, start, limits);
    if (!r) {
        const auto& e = r.err();
        FUZZ_CHECK(e.code == scheduler::errc::invalid_input);
        FUZZ_CHECK(!e.fields.empty());
        FUZZ_CHECK(e.fields.front().field == "rrule" || e.fields.front().field == "dtstart");
        return 0;
    }
    FUZZ_CHECK(valid.ok());
    FUZZ_CHECK(scheduler::is_valid(start));
    FUZZ_CHECK(!r->empty() && r->size() <= limits.max_occurrences);
    for (std::size_t i = 0; i < r->size(); ++i) {
        const auto& t = (*r)[i];
        FUZZ_CHECK(scheduler::is_valid(t));
        FUZZ_CHECK(t.hour == start.hour && t.minute == start.minute && t.second == start.second);
        FUZZ_CHECK(t >= start);
        FUZZ_CHECK(t.date.year <= start.date.year + std::max(limits.max_years, 0));
        if (i > 0) FUZZ_CHECK((*r)[i - 1] < t);
    }
    return 0;
}
