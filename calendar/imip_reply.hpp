#pragma once
// Reads an iMIP reply (RFC 6047; iTIP RFC 5546 section 3.2.3): the text/calendar part a
// mail client sends when its user clicks Accept, Tentative or Decline. Only what decides
// the answer is read (scheduler::imip_reply); everything else in the object is ignored, so
// the clients' differences (Outlook's X-MICROSOFT properties and VTIMEZONEs, Gmail's
// copy of the whole event, Thunderbird's and Apple's trimmed VEVENT) do not matter.
//
// A pure function: libical parses a copy of the text per call, on the caller's thread;
// any number of threads may call it at once.

#include "scheduler/replies.hpp"
#include "scheduler/result.hpp"

#include <string_view>

namespace copsched::calendar {

// The METHOD, the first VEVENT's UID, SEQUENCE, COMMENT and ATTENDEEs (the first one's
// address, PARTSTAT and delegation). Lenient where libical is: a property libical cannot
// read is skipped. errc::invalid_input with field "raw_ical" when the text holds no
// VCALENDAR with a VEVENT (not iCalendar at all, or cut short) or contains a NUL byte.
[[nodiscard]] scheduler::result<scheduler::imip_reply> parse_imip_reply(std::string_view text);

} // namespace copsched::calendar
