#pragma once
// The VTIMEZONE copsched publishes. libical's own Debian zones are named
// "/freeassociation.sourceforge.net/..." and carry the full history, which other
// parsers mishandle (see docs/ICALENDAR.md, section Feeds, "Time zones"), so feeds
// ship one fixed short form per supported zone under its plain IANA name.

#include <optional>
#include <string_view>

namespace copsched::calendar {

// The VTIMEZONE component (CRLF line ends, BEGIN to END) for an IANA zone, or nullopt
// when copsched has no fixed definition for it.
std::optional<std::string_view> vtimezone_for(std::string_view iana_zone);

// True when vtimezone_for() knows the zone.
bool supported_zone(std::string_view iana_zone);

} // namespace copsched::calendar
