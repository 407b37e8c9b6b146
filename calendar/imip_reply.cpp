#include "calendar/imip_reply.hpp"

#include "calendar/libical_internal.hpp"

#include <cctype>
#include <string>

namespace copsched::calendar {
namespace {

using scheduler::error;

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string value_text(icalproperty* p) {
    const char* v = p ? icalproperty_get_value_as_string(p) : nullptr;
    return v ? std::string(v) : std::string();
}

// "mailto:Anna@Example.org" -> "anna@example.org"; other URIs as they are, lower case.
std::string address_of(std::string uri) {
    uri = lower(std::move(uri));
    while (!uri.empty() && (uri.front() == ' ' || uri.front() == '\t')) uri.erase(0, 1);
    if (uri.rfind("mailto:", 0) == 0) uri.erase(0, 7);
    return uri;
}

icalcomponent* find_calendar(icalcomponent* root) {
    if (!root) return nullptr;
    if (icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT) return root;
    for (auto* c : detail::children(root, ICAL_VCALENDAR_COMPONENT)) return c;
    return nullptr;
}

} // namespace

scheduler::result<scheduler::imip_reply> parse_imip_reply(std::string_view text) {
    if (text.find('\0') != std::string_view::npos) return error::invalid("raw_ical", "contains a NUL byte");
    const std::string copy(text);
    detail::component_ptr root(icalparser_parse_string(copy.c_str()));
    icalcomponent* cal = find_calendar(root.get());
    if (!cal) return error::invalid("raw_ical", "holds no VCALENDAR");
    icalcomponent* ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    if (!ev) return error::invalid("raw_ical", "holds no VEVENT");

    scheduler::imip_reply r;
    r.method = upper(value_text(detail::first_property(cal, ICAL_METHOD_PROPERTY)));
    if (auto* p = detail::first_property(ev, ICAL_UID_PROPERTY)) {
        const char* uid = icalproperty_get_uid(p);
        if (uid) r.uid = uid;
    }
    if (auto* p = detail::first_property(ev, ICAL_SEQUENCE_PROPERTY)) r.sequence = icalproperty_get_sequence(p);
    if (auto* p = detail::first_property(ev, ICAL_COMMENT_PROPERTY)) {
        const char* c = icalproperty_get_comment(p);
        if (c && *c) r.comment = std::string(c);
    }
    const auto attendees = detail::properties(ev, ICAL_ATTENDEE_PROPERTY);
    r.attendees = attendees.size();
    if (!attendees.empty()) {
        icalproperty* a = attendees.front();
        const char* who = icalproperty_get_attendee(a);
        r.attendee_email = address_of(who ? who : "");
        if (const char* ps = icalproperty_get_parameter_as_string(a, "PARTSTAT")) r.partstat = upper(ps);
        r.delegated =
            r.partstat == "DELEGATED" || icalproperty_get_first_parameter(a, ICAL_DELEGATEDTO_PARAMETER) != nullptr;
    }
    return r;
}

} // namespace copsched::calendar
