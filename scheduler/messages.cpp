#include "scheduler/messages.hpp"

#include "scheduler/civil_time.hpp"

#include <array>
#include <cstdint>
#include <cstdio>

namespace copsched::scheduler {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD"; // U+FFFD
constexpr std::string_view en_dash = "\xE2\x80\x93";               // U+2013

// ---- text cleaning ------------------------------------------------------------------

struct decoded {
    char32_t cp;
    std::size_t length; // bytes consumed; a malformed sequence consumes one byte
    bool valid;
};

// The code point at s[i] (Unicode table 3-7: no overlong forms or surrogates).
decoded decode_utf8(std::string_view s, std::size_t i) {
    const auto lead = static_cast<unsigned char>(s[i]);
    if (lead < 0x80) return {lead, 1, true};
    std::size_t length = 0;
    char32_t cp = 0;
    unsigned char second_min = 0x80, second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2, cp = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3, cp = lead & 0x0Fu;
        if (lead == 0xE0) second_min = 0xA0;
        if (lead == 0xED) second_max = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4, cp = lead & 0x07u;
        if (lead == 0xF0) second_min = 0x90;
        if (lead == 0xF4) second_max = 0x8F;
    } else {
        return {0xFFFD, 1, false};
    }
    if (s.size() - i < length) return {0xFFFD, 1, false};
    for (std::size_t k = 1; k < length; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        const unsigned char min = k == 1 ? second_min : 0x80, max = k == 1 ? second_max : 0xBF;
        if (b < min || b > max) return {0xFFFD, 1, false};
        cp = (cp << 6) | (b & 0x3Fu);
    }
    return {cp, length, true};
}

enum class lines { keep, flatten };

// User text made safe for a mail (see the guarantees in messages.hpp). keep: line breaks
// become "\n", tabs stay, and leading and trailing blank lines go. flatten: one line.
std::string clean(std::string_view text, lines mode) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const decoded d = decode_utf8(text, i);
        const bool crlf = d.cp == '\r' && i + 1 < text.size() && text[i + 1] == '\n';
        if (!d.valid) {
            out += replacement_character;
        } else if (d.cp == '\n' || d.cp == '\r' || d.cp == 0x85 || d.cp == 0x2028 || d.cp == 0x2029) {
            out += mode == lines::keep ? '\n' : ' ';
        } else if (d.cp == '\t') {
            out += mode == lines::keep ? '\t' : ' ';
        } else if (d.cp < 0x20 || (d.cp >= 0x7F && d.cp <= 0x9F)) {
            // no control character belongs in a mail's text
        } else {
            out.append(text, i, d.length);
        }
        i += crlf ? 2 : d.length;
    }
    if (mode == lines::keep) {
        const auto first = out.find_first_not_of(" \t\n");
        if (first == std::string::npos) return {};
        const auto line_start = out.rfind('\n', first);
        out.erase(0, line_start == std::string::npos ? 0 : line_start + 1);
        out.erase(out.find_last_not_of(" \t\n") + 1);
        return out;
    }
    std::string flat;
    flat.reserve(out.size());
    for (const char c : out) {
        if (c == ' ' && (flat.empty() || flat.back() == ' ')) continue;
        flat += c;
    }
    if (!flat.empty() && flat.back() == ' ') flat.pop_back();
    return flat;
}

std::string one_line(std::string_view text) { return clean(text, lines::flatten); }

// ---- dates --------------------------------------------------------------------------

constexpr std::array<std::string_view, 7> nl_weekdays{"maandag", "dinsdag",  "woensdag", "donderdag",
                                                      "vrijdag", "zaterdag", "zondag"};
constexpr std::array<std::string_view, 7> en_weekdays{"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                      "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> nl_months{"januari",   "februari", "maart",    "april",
                                                     "mei",       "juni",     "juli",     "augustus",
                                                     "september", "oktober",  "november", "december"};
constexpr std::array<std::string_view, 12> en_months{"January",   "February", "March",    "April",
                                                     "May",       "June",     "July",     "August",
                                                     "September", "October",  "November", "December"};

std::string_view month_name(language lang, int month) {
    return (lang == language::nl ? nl_months : en_months)[static_cast<std::size_t>(month - 1)];
}

// "12 maart 2019", "12 maart" (without year) or "12" (day only).
enum class date_parts { day, day_month, day_month_year };

std::string date_text(language lang, const civil_date& d, date_parts parts) {
    std::string out = std::to_string(d.day);
    if (parts == date_parts::day) return out;
    out += ' ';
    out += month_name(lang, d.month);
    if (parts == date_parts::day_month) return out;
    return out + ' ' + std::to_string(d.year);
}

// "dinsdag 12 maart 2019" / "Tuesday 12 March 2019".
std::string day_text(language lang, const civil_date& d) {
    const auto w = static_cast<std::size_t>(weekday_of(d));
    return std::string((lang == language::nl ? nl_weekdays : en_weekdays)[w]) + ' ' +
           date_text(lang, d, date_parts::day_month_year);
}

// "10:00"; hour 24 for the midnight that ends a day.
std::string clock_text(int hour, int minute) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d:%02d", hour % 100, minute % 100);
    return buf;
}

// A local time "YYYY-MM-DDTHH:MM[:SS]", or a date "YYYY-MM-DD" read as its 00:00.
std::optional<civil_time> parse_local(std::string_view text) {
    if (auto t = parse_local_time(text)) return t;
    if (auto d = parse_date(text)) return civil_time{*d, 0, 0, 0};
    return std::nullopt;
}

// The event's days and times, read once.
struct event_span {
    civil_time start;
    civil_time end;
    bool all_day = false;
    civil_date last_day; // all-day: the last day the event covers (end is exclusive)
};

std::optional<event_span> span_of(const event& ev) {
    const auto start = parse_local(ev.start_local);
    const auto end = parse_local(ev.end_local);
    if (!start || !end || *end < *start) return std::nullopt;
    event_span s{*start, *end, ev.all_day, start->date};
    if (ev.all_day) {
        const bool at_midnight = end->hour == 0 && end->minute == 0 && end->second == 0;
        const civil_date last = at_midnight ? add_days(end->date, -1) : end->date;
        s.last_day = last > start->date ? last : start->date;
    }
    return s;
}

// "12–13 maart 2019", "30 maart – 2 april 2019", "30 december 2019 – 2 januari 2020".
std::string day_range_text(language lang, const civil_date& first, const civil_date& last) {
    if (first.year == last.year && first.month == last.month)
        return date_text(lang, first, date_parts::day) + std::string(en_dash) +
               date_text(lang, last, date_parts::day_month_year);
    const auto first_parts = first.year == last.year ? date_parts::day_month : date_parts::day_month_year;
    return date_text(lang, first, first_parts) + ' ' + std::string(en_dash) + ' ' +
           date_text(lang, last, date_parts::day_month_year);
}

// The date in a subject: the day (with weekday) it starts, or an all-day event's days.
std::string subject_date(const message_context& c, const std::optional<event_span>& s) {
    if (!s) return one_line(c.ev.start_local);
    if (s->all_day && s->last_day != s->start.date) return day_range_text(c.lang, s->start.date, s->last_day);
    return day_text(c.lang, s->start.date);
}

// The "when" line: "dinsdag 12 maart 2019, 10:00–13:00 (Europe/Amsterdam)", an all-day
// event's day or days, or a timed event over several days from start to end.
std::string when_text(const message_context& c, const std::optional<event_span>& s) {
    if (!s) return one_line(c.ev.start_local + " " + std::string(en_dash) + " " + c.ev.end_local);
    if (s->all_day)
        return s->last_day == s->start.date ? day_text(c.lang, s->start.date)
                                            : day_range_text(c.lang, s->start.date, s->last_day);
    const std::string zone = c.time_zone.empty() ? std::string() : " (" + one_line(c.time_zone) + ")";
    const civil_time& a = s->start;
    const civil_time& b = s->end;
    const bool ends_at_midnight_after = b.hour == 0 && b.minute == 0 && b.date == add_days(a.date, 1);
    if (b.date == a.date || ends_at_midnight_after)
        return day_text(c.lang, a.date) + ", " + clock_text(a.hour, a.minute) + std::string(en_dash) +
               (ends_at_midnight_after ? std::string("24:00") : clock_text(b.hour, b.minute)) + zone;
    return day_text(c.lang, a.date) + ", " + clock_text(a.hour, a.minute) + ' ' + std::string(en_dash) + ' ' +
           day_text(c.lang, b.date) + ", " + clock_text(b.hour, b.minute) + zone;
}

// ---- wording ------------------------------------------------------------------------

// How the event is called in a sentence ("de volgende <noun>") and as a fallback title.
std::string_view noun(language lang, event_kind k) {
    const bool nl = lang == language::nl;
    switch (k) {
    case event_kind::cop_meeting: return nl ? "CoP-bijeenkomst" : "CoP meeting";
    case event_kind::working_group_session: return nl ? "werkgroepsessie" : "working group session";
    case event_kind::other: break;
    }
    return nl ? "activiteit" : "event";
}

// "over 7 dagen", "morgen", "vandaag" / "in 7 days", "tomorrow", "today".
std::string when_relative(language lang, int days) {
    const bool nl = lang == language::nl;
    if (days <= 0) return nl ? "vandaag" : "today";
    if (days == 1) return nl ? "morgen" : "tomorrow";
    return (nl ? "over " : "in ") + std::to_string(days) + (nl ? " dagen" : " days");
}

std::string subject_of(const message_context& c, const std::string& title, const std::optional<event_span>& s) {
    const bool nl = c.lang == language::nl;
    std::string_view prefix;
    switch (c.kind) {
    case message_kind::invitation: prefix = nl ? "Uitnodiging: " : "Invitation: "; break;
    case message_kind::update: prefix = nl ? "Gewijzigd: " : "Updated: "; break;
    case message_kind::cancellation: prefix = nl ? "Geannuleerd: " : "Cancelled: "; break;
    case message_kind::reminder:
        return one_line((nl ? "Herinnering: " : "Reminder: ") + title + ' ' + when_relative(c.lang, c.days_before));
    }
    return one_line(std::string(prefix) + title + (nl ? " op " : " on ") + subject_date(c, s));
}

std::string intro_of(const message_context& c) {
    const bool nl = c.lang == language::nl;
    const std::string n(noun(c.lang, c.ev.kind));
    switch (c.kind) {
    case message_kind::invitation:
        return nl ? "U bent uitgenodigd voor de volgende " + n + "." : "You are invited to the following " + n + ".";
    case message_kind::update:
        return nl ? "De volgende " + n + " is gewijzigd. Dit zijn de nieuwe gegevens."
                  : "The following " + n + " has changed. These are the new details.";
    case message_kind::cancellation:
        return nl ? "De volgende " + n + " is geannuleerd." : "The following " + n + " has been cancelled.";
    case message_kind::reminder:
        return nl ? "Ter herinnering: de volgende " + n + " is " + when_relative(c.lang, c.days_before) + "."
                  : "A reminder: the following " + n + " is " + when_relative(c.lang, c.days_before) + ".";
    }
    return {};
}

// "Label: value\n" when the value is not empty.
void field_line(std::string& body, std::string_view label, const std::string& value) {
    if (value.empty()) return;
    body += label;
    body += ": ";
    body += value;
    body += '\n';
}

} // namespace

message_text render_message(const message_context& c) {
    const bool nl = c.lang == language::nl;
    const event& ev = c.ev;
    const auto span = span_of(ev);
    std::string title = one_line(ev.title);
    if (title.empty()) title = noun(c.lang, ev.kind);

    message_text out;
    out.subject = subject_of(c, title, span);

    std::string& b = out.body;
    const std::string name = one_line(c.recipient_name);
    b += nl ? "Beste " : "Dear ";
    b += name.empty() ? (nl ? "deelnemer" : "participant") : name;
    b += ",\n\n";
    b += intro_of(c);
    b += '\n';
    if (c.kind == message_kind::cancellation && ev.cancel_reason) {
        const std::string reason = clean(*ev.cancel_reason, lines::keep);
        if (!reason.empty()) b += (nl ? "Reden: " : "Reason: ") + reason + '\n';
    }
    b += '\n';

    field_line(b, nl ? "Wat" : "What", title);
    field_line(b, nl ? "Werkgroep" : "Working group", one_line(c.working_group_name));
    field_line(b, nl ? "Wanneer" : "When", when_text(c, span));
    if (ev.status == event_status::tentative && c.kind != message_kind::cancellation)
        field_line(b, "Status", nl ? "onder voorbehoud" : "tentative");
    std::string where = one_line(c.venue_name);
    const std::string address = one_line(c.venue_address);
    if (!where.empty() && !address.empty()) where += ", ";
    where += address;
    field_line(b, nl ? "Waar" : "Where", where);
    field_line(b, "Online", one_line(ev.online_url));
    field_line(b, nl ? "Meer informatie" : "More information", one_line(c.event_url));

    const std::string description = clean(ev.description, lines::keep);
    if (!description.empty()) b += '\n' + description + '\n';

    const std::string rsvp = one_line(c.rsvp_url);
    if (!rsvp.empty() && c.kind != message_kind::cancellation) {
        b += std::string("\n") + (nl ? "Laat ons weten of u komt: " : "Please let us know whether you will attend: ") +
             rsvp + '\n';
        if (c.calendar_buttons && c.kind != message_kind::reminder)
            b += nl ? "U kunt ook antwoorden met de knoppen Accepteren, Misschien of Weigeren van uw agenda.\n"
                    : "You can also answer with your calendar's Accept, Tentative or Decline buttons.\n";
    }

    const std::string page = one_line(c.page_url);
    if (!page.empty())
        b += std::string("\n") +
             (nl ? "Uw pagina (antwoorden, agenda-abonnement, werkgroepen, herinneringen): "
                 : "Your page (answers, calendar subscription, working groups, reminders): ") +
             page + '\n';

    b += nl ? "\nMet vriendelijke groet,\n" : "\nKind regards,\n";
    const std::string programme = one_line(c.programme_name);
    if (!programme.empty()) b += programme + '\n';
    return out;
}

} // namespace copsched::scheduler
