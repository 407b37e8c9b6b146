// The iCalendar import (calendar/import.hpp): the rest of the input is an uploaded file,
// imported as blackouts or as busy times (or both) in one of a few programme zones, with
// the service's limits except smaller expansion bounds (so that one input stays fast).
// Checks what the contract promises of every answer: errors are invalid_input with
// field problems, blackouts are sorted, busy times sorted and merged, every interval
// non-empty (busy) or ordered (blackouts), within the horizon and the interval limit.
// And a differential check of the interval limit: the same file imported with a small
// max_intervals (from the bytes) must give exactly the same intervals whenever that limit
// is not exceeded, and must fail (not cut the list short) when it is.

#include "fuzz_input.hpp"

#include "calendar/import.hpp"
#include "scheduler/time_zone.hpp"

#include <chrono>
#include <cstdint>
#include <tuple>

namespace {

using namespace copsched;
using scheduler::errc;

const scheduler::time_zone& zone(std::uint8_t which) {
    static const char* const names[] = {"Europe/Amsterdam", "America/New_York", "UTC", "Australia/Lord_Howe"};
    const auto* z = scheduler::find_time_zone(names[which % 4]);
    if (!z) fuzz::fail(__FILE__, __LINE__);
    return *z;
}

void check_error(const scheduler::error& e) {
    FUZZ_CHECK(e.code == errc::invalid_input);
    FUZZ_CHECK(!e.fields.empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::input in(data, size);
    const auto& z = zone(in.byte());
    const std::uint8_t mode = in.byte() % 3; // 0 blackouts, 1 busy, 2 both
    const std::size_t small_limit = 1 + in.byte() % 64;
    calendar::import_limits limits;
    limits.max_intervals = 1000;
    limits.max_expansion_steps = 20000;
    limits.horizon_start = std::chrono::sys_days{std::chrono::year{2020} / 1 / 1};
    limits.horizon_end = std::chrono::sys_days{std::chrono::year{2030} / 1 / 1};
    const auto ics = in.rest();
    calendar::import_limits small = limits;
    small.max_intervals = small_limit;

    if (mode != 1) {
        auto r = calendar::import_blackouts(ics, z, limits);
        if (!r) {
            check_error(r.err());
        } else {
            FUZZ_CHECK(r->size() <= limits.max_intervals);
            for (std::size_t i = 0; i < r->size(); ++i) {
                const auto& b = (*r)[i];
                FUZZ_CHECK(b.id.empty());
                FUZZ_CHECK(b.when.start <= b.when.end);
                FUZZ_CHECK(b.when.end >= limits.horizon_start && b.when.start < limits.horizon_end);
                if (i > 0) {
                    const auto& a = (*r)[i - 1];
                    FUZZ_CHECK(std::tie(a.when.start, a.when.end, a.name) <=
                               std::tie(b.when.start, b.when.end, b.name));
                }
            }
            auto s = calendar::import_blackouts(ics, z, small);
            if (r->size() <= small.max_intervals) FUZZ_CHECK(s.ok());
            if (s) {
                FUZZ_CHECK(s->size() == r->size());
                for (std::size_t i = 0; i < s->size(); ++i)
                    FUZZ_CHECK((*s)[i].when == (*r)[i].when && (*s)[i].name == (*r)[i].name);
            }
        }
    }
    if (mode != 0) {
        auto r = calendar::import_busy(ics, z, limits);
        if (!r) {
            check_error(r.err());
        } else {
            FUZZ_CHECK(r->size() <= limits.max_intervals);
            for (std::size_t i = 0; i < r->size(); ++i) {
                const auto& b = (*r)[i];
                FUZZ_CHECK(b.start < b.end);
                FUZZ_CHECK(b.end >= limits.horizon_start && b.start < limits.horizon_end);
                if (i > 0) FUZZ_CHECK((*r)[i - 1].end < b.start); // merged: no overlap, no touch
            }
            // max_intervals counts the intervals before merging, so a short merged list may
            // still exceed the small limit: only a success must agree.
            auto s = calendar::import_busy(ics, z, small);
            if (s) FUZZ_CHECK(*s == *r);
        }
    }
    return 0;
}
