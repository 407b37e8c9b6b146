#include "calendar/imip.hpp"

#include "calendar/ical_writer_internal.hpp"
#include "calendar/vtimezone.hpp"

#include <string>
#include <utility>

namespace copsched::calendar {
namespace {

using detail::ical_writer;
using scheduler::error;
using scheduler::result;

// Why an address cannot be a mailto: value here, or empty when it can. Characters that
// would end the value, start a parameter or make it a list are refused rather than
// percent-encoded: no real mailbox we send to needs them.
std::string_view email_problem(std::string_view email) {
    if (email.empty()) return "must not be empty";
    if (email.find('@') == std::string_view::npos) return "must contain '@'";
    for (std::size_t i = 0; i < email.size();) {
        const auto b = static_cast<unsigned char>(email[i]);
        if (b <= 0x20 || b == 0x7F) return "must not contain spaces or control characters";
        if (std::string_view("\"<>,;\\").find(static_cast<char>(b)) != std::string_view::npos)
            return "must be a bare address without '\"', '<', '>', ',', ';' or '\\'";
        const std::size_t length = detail::utf8_sequence_length(email, i);
        if (length == 0) return "must be UTF-8";
        i += length;
    }
    return {};
}

// "ORGANIZER;CN=..." or "ATTENDEE;CN=..." (no CN for an empty name) plus extra parameters.
std::string property_name(std::string_view name, const mail_party& party, std::string_view extra) {
    std::string out(name);
    std::string cn;
    detail::append_param_value(cn, party.name);
    if (!cn.empty()) {
        out += ";CN=";
        out += cn;
    }
    out += extra;
    return out;
}

} // namespace

std::string_view imip_method_name(imip_method m) noexcept { return m == imip_method::cancel ? "CANCEL" : "REQUEST"; }

result<std::string> render_imip(const imip_message& m) {
    if (!supported_zone(m.time_zone))
        return error::invalid("time_zone", "\"" + m.time_zone + "\" is not a time zone of the tz database");
    if (const auto problem = email_problem(m.organizer.email); !problem.empty())
        return error::invalid("organizer.email", std::string(problem));
    if (const auto problem = email_problem(m.attendee.email); !problem.empty())
        return error::invalid("attendee.email", std::string(problem));
    const feed_item& item = m.item;
    auto checked = detail::check_item(item, "item.", m.time_zone);
    if (!checked) return std::move(checked).err();
    const bool cancel = m.method == imip_method::cancel;
    if (!cancel && item.status == scheduler::event_status::cancelled)
        return error::invalid("item.status", "a cancelled event is sent with METHOD:CANCEL, not REQUEST");

    ical_writer w(4096);
    w.line("BEGIN", "VCALENDAR");
    w.line("VERSION", "2.0");
    w.line("PRODID", product_id);
    w.line("CALSCALE", "GREGORIAN");
    w.line("METHOD", imip_method_name(m.method));
    if (!item.all_day) {
        // check_item accepted both times: each starts with its four-digit year.
        const auto vtimezone = vtimezone_for(m.time_zone, std::stoi(item.start_local.substr(0, 4)),
                                             std::stoi(item.end_local.substr(0, 4)));
        if (!vtimezone) return error{scheduler::errc::internal, "No VTIMEZONE for " + m.time_zone + ".", {}};
        w.verbatim(*vtimezone);
    }
    w.line("BEGIN", "VEVENT");
    detail::write_item_properties(w, item, *checked, false, cancel ? "CANCELLED" : detail::status_name(item.status));
    w.line(property_name("ORGANIZER", m.organizer, ""), "mailto:" + m.organizer.email);
    w.line(property_name("ATTENDEE", m.attendee,
                         m.rsvp ? ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
                                : ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE"),
           "mailto:" + m.attendee.email);
    w.line("END", "VEVENT");
    w.line("END", "VCALENDAR");
    return std::move(w).take();
}

} // namespace copsched::calendar
