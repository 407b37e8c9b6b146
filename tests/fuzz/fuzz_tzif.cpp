// The POSIX TZ rules of TZif footers (scheduler/time_zone.hpp): detail::parse_posix_rule
// on the rest of the input, and for a rule it accepts, the zone it defines
// (time_zone::from_posix_rule) converting instants and wall-clock times picked by the
// first bytes. Checks: the parsed fields are within the documented ranges; local times
// round-trip (to_local of each instant to_utc gives is the same wall clock for unique and
// ambiguous times; a nonexistent one maps to the instant of the jump); offset_at agrees
// with to_local; transitions() is in time order within the range asked and each change's
// offset_after is the offset in effect at that instant.
// (The TZif reader itself reads only files of /usr/share/zoneinfo by zone name; its
// footer is this parser.)

#include "fuzz_input.hpp"

#include "scheduler/civil_time.hpp"
#include "scheduler/time_zone.hpp"

#include <chrono>
#include <cstdint>

using namespace copsched;
using namespace copsched::scheduler;

namespace {

void check_day(const detail::rule_day& d) {
    using form = detail::rule_day::form;
    if (d.kind == form::julian_1) FUZZ_CHECK(d.day >= 1 && d.day <= 365);
    if (d.kind == form::julian_0) FUZZ_CHECK(d.day >= 0 && d.day <= 365);
    if (d.kind == form::month_week_day)
        FUZZ_CHECK(d.month >= 1 && d.month <= 12 && d.week >= 1 && d.week <= 5 && d.wday >= 0 && d.wday <= 6);
    // RFC 8536 3.3.1: the hours part ranges from -167 to 167, so 167:59:59 is the latest.
    FUZZ_CHECK(d.time > -168 * 3600 && d.time < 168 * 3600);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::input in(data, size);
    civil_time local;
    local.date.year = in.in_range(1800, 2600);
    local.date.month = in.in_range(1, 12);
    local.date.day = in.in_range(1, days_in_month(local.date.year, local.date.month));
    local.hour = in.in_range(0, 23);
    local.minute = in.in_range(0, 59);
    local.second = in.in_range(0, 59);
    const std::int64_t instant = static_cast<std::int64_t>(in.in_range(0, 65535)) * 65536 * 16 +
                                 static_cast<std::int64_t>(in.in_range(0, 65535)) - (std::int64_t{1} << 34);
    const auto tz = in.rest();

    const auto rule = detail::parse_posix_rule(tz);
    auto zone = time_zone::from_posix_rule(tz);
    FUZZ_CHECK(rule.has_value() == zone.ok());
    if (!rule) return 0;
    FUZZ_CHECK(!rule->std_abbreviation.empty());
    FUZZ_CHECK(rule->has_dst == !rule->dst_abbreviation.empty());
    if (rule->has_dst) {
        check_day(rule->start);
        check_day(rule->end);
    }
    // Offsets within the RFC 8536 bounds (hours up to 167, plus an hour of summer time).
    FUZZ_CHECK(rule->std_offset >= -168 * 3600 && rule->std_offset <= 168 * 3600);
    FUZZ_CHECK(rule->dst_offset >= -168 * 3600 && rule->dst_offset <= 168 * 3600);

    const time_zone& z = *zone;
    FUZZ_CHECK(z.footer_rule() != nullptr);

    const auto r = z.to_utc(local);
    if (r.kind == local_kind::unique) FUZZ_CHECK(r.first == r.second && z.to_local(r.first) == local);
    if (r.kind == local_kind::ambiguous) {
        FUZZ_CHECK(r.first < r.second);
        FUZZ_CHECK(z.to_local(r.first) == local && z.to_local(r.second) == local);
    }
    if (r.kind == local_kind::nonexistent) FUZZ_CHECK(r.first == r.second && z.to_local(r.first) > local);

    const sys_seconds at{std::chrono::seconds{instant}};
    const auto offset = z.offset_at(at);
    FUZZ_CHECK(z.to_local(at) == civil_from_seconds(at + offset));
    FUZZ_CHECK(z.period_at(at).offset == offset);

    const auto from = at - std::chrono::days{800};
    const auto changes = z.transitions(from, at);
    for (std::size_t i = 0; i < changes.size(); ++i) {
        FUZZ_CHECK(changes[i].at >= from && changes[i].at < at);
        if (i > 0) FUZZ_CHECK(changes[i - 1].at < changes[i].at);
        FUZZ_CHECK(z.offset_at(changes[i].at) == changes[i].offset_after);
    }
    return 0;
}
