#include "scheduler/messages.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

using namespace copsched::scheduler;

namespace {

// A CoP meeting on Tuesday 12 March 2019, 10:00 to 13:00, at a venue, with an RSVP link.
message_context context(message_kind kind, language lang) {
    message_context c;
    c.kind = kind;
    c.lang = lang;
    c.programme_name = "Green Deal Circulair Inkopen 2.0";
    c.recipient_name = "Anna de Vries";
    c.ev.kind = event_kind::cop_meeting;
    c.ev.title = "CoP voorjaar";
    c.ev.description = "Agenda:\r\n1. Opening\r\n\r\n2. Rondvraag";
    c.ev.start_local = "2019-03-12T10:00";
    c.ev.end_local = "2019-03-12T13:00";
    c.ev.status = event_status::confirmed;
    c.working_group_name = "Werkgroep Textiel";
    c.venue_name = "Rijksgebouw";
    c.venue_address = "Rijnstraat 8, Den Haag";
    c.rsvp_url = "https://copsched.example/rsvp/abc";
    c.days_before = 7;
    return c;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// The body's lines, checking that every line ends in "\n" and no CR appears.
std::vector<std::string> lines_of(const std::string& body) {
    CHECK(body.find('\r') == std::string::npos);
    REQUIRE_FALSE(body.empty());
    CHECK(body.back() == '\n');
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t nl = body.find('\n'); nl != std::string::npos; nl = body.find('\n', start)) {
        out.push_back(body.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

bool has_line(const std::string& body, std::string_view line) {
    for (const auto& l : lines_of(body))
        if (l == line) return true;
    return false;
}

// No control character but the body's "\n" (and a tab the user typed).
bool clean_text(std::string_view s, bool allow_newline) {
    for (const char ch : s) {
        const auto b = static_cast<unsigned char>(ch);
        if (ch == '\n' && allow_newline) continue;
        if (ch == '\t' && allow_newline) continue;
        if (b < 0x20 || b == 0x7F) return false;
    }
    return true;
}

constexpr message_kind all_kinds[] = {message_kind::invitation, message_kind::update, message_kind::cancellation,
                                      message_kind::reminder};

} // namespace

TEST_CASE("message kinds have their API names", "[messages]") {
    for (const auto k : all_kinds) CHECK(parse<message_kind>(to_string(k)) == k);
    CHECK(to_string(message_kind::invitation) == "invitation");
    CHECK(to_string(message_kind::update) == "update");
    CHECK(to_string(message_kind::cancellation) == "cancellation");
    CHECK(to_string(message_kind::reminder) == "reminder");
    CHECK_FALSE(parse<message_kind>("Reminder").has_value());
    CHECK_FALSE(parse<message_kind>("").has_value());
}

TEST_CASE("a Dutch invitation reads as Dutch, with Dutch dates", "[messages]") {
    const auto m = render_message(context(message_kind::invitation, language::nl));
    CHECK(m.subject == "Uitnodiging: CoP voorjaar op dinsdag 12 maart 2019");
    CHECK(m.body == "Beste Anna de Vries,\n"
                    "\n"
                    "U bent uitgenodigd voor de volgende CoP-bijeenkomst.\n"
                    "\n"
                    "Wat: CoP voorjaar\n"
                    "Werkgroep: Werkgroep Textiel\n"
                    "Wanneer: dinsdag 12 maart 2019, 10:00–13:00 (Europe/Amsterdam)\n"
                    "Waar: Rijksgebouw, Rijnstraat 8, Den Haag\n"
                    "\n"
                    "Agenda:\n"
                    "1. Opening\n"
                    "\n"
                    "2. Rondvraag\n"
                    "\n"
                    "Laat ons weten of u komt: https://copsched.example/rsvp/abc\n"
                    "\n"
                    "Met vriendelijke groet,\n"
                    "Green Deal Circulair Inkopen 2.0\n");
}

TEST_CASE("an English invitation reads as English", "[messages]") {
    const auto m = render_message(context(message_kind::invitation, language::en));
    CHECK(m.subject == "Invitation: CoP voorjaar on Tuesday 12 March 2019");
    CHECK(m.body == "Dear Anna de Vries,\n"
                    "\n"
                    "You are invited to the following CoP meeting.\n"
                    "\n"
                    "What: CoP voorjaar\n"
                    "Working group: Werkgroep Textiel\n"
                    "When: Tuesday 12 March 2019, 10:00–13:00 (Europe/Amsterdam)\n"
                    "Where: Rijksgebouw, Rijnstraat 8, Den Haag\n"
                    "\n"
                    "Agenda:\n"
                    "1. Opening\n"
                    "\n"
                    "2. Rondvraag\n"
                    "\n"
                    "Please let us know whether you will attend: https://copsched.example/rsvp/abc\n"
                    "\n"
                    "Kind regards,\n"
                    "Green Deal Circulair Inkopen 2.0\n");
}

TEST_CASE("every kind has its subject in both languages", "[messages]") {
    struct expectation {
        message_kind kind;
        language lang;
        const char* subject;
        const char* intro;
    };
    const expectation cases[] = {
        {message_kind::invitation, language::nl, "Uitnodiging: CoP voorjaar op dinsdag 12 maart 2019",
         "U bent uitgenodigd voor de volgende CoP-bijeenkomst."},
        {message_kind::update, language::nl, "Gewijzigd: CoP voorjaar op dinsdag 12 maart 2019",
         "De volgende CoP-bijeenkomst is gewijzigd. Dit zijn de nieuwe gegevens."},
        {message_kind::cancellation, language::nl, "Geannuleerd: CoP voorjaar op dinsdag 12 maart 2019",
         "De volgende CoP-bijeenkomst is geannuleerd."},
        {message_kind::reminder, language::nl, "Herinnering: CoP voorjaar over 7 dagen",
         "Ter herinnering: de volgende CoP-bijeenkomst is over 7 dagen."},
        {message_kind::invitation, language::en, "Invitation: CoP voorjaar on Tuesday 12 March 2019",
         "You are invited to the following CoP meeting."},
        {message_kind::update, language::en, "Updated: CoP voorjaar on Tuesday 12 March 2019",
         "The following CoP meeting has changed. These are the new details."},
        {message_kind::cancellation, language::en, "Cancelled: CoP voorjaar on Tuesday 12 March 2019",
         "The following CoP meeting has been cancelled."},
        {message_kind::reminder, language::en, "Reminder: CoP voorjaar in 7 days",
         "A reminder: the following CoP meeting is in 7 days."},
    };
    for (const auto& e : cases) {
        INFO(to_string(e.kind) << " " << to_string(e.lang));
        const auto m = render_message(context(e.kind, e.lang));
        CHECK(m.subject == e.subject);
        CHECK(has_line(m.body, e.intro));
        CHECK(has_line(m.body, e.lang == language::nl ? "Beste Anna de Vries," : "Dear Anna de Vries,"));
        CHECK(has_line(m.body, "Green Deal Circulair Inkopen 2.0"));
        CHECK(contains(m.body, "Rijksgebouw, Rijnstraat 8, Den Haag"));
        CHECK(has_line(m.body, "1. Opening"));
    }
}

TEST_CASE("reminders say tomorrow and today", "[messages]") {
    auto c = context(message_kind::reminder, language::nl);
    c.days_before = 1;
    CHECK(render_message(c).subject == "Herinnering: CoP voorjaar morgen");
    CHECK(has_line(render_message(c).body, "Ter herinnering: de volgende CoP-bijeenkomst is morgen."));
    c.days_before = 0;
    CHECK(render_message(c).subject == "Herinnering: CoP voorjaar vandaag");
    c.lang = language::en;
    CHECK(render_message(c).subject == "Reminder: CoP voorjaar today");
    c.days_before = 1;
    CHECK(render_message(c).subject == "Reminder: CoP voorjaar tomorrow");
    c.days_before = 14;
    CHECK(render_message(c).subject == "Reminder: CoP voorjaar in 14 days");
}

TEST_CASE("a cancellation gives its reason and no RSVP line", "[messages]") {
    for (const auto lang : {language::nl, language::en}) {
        auto c = context(message_kind::cancellation, lang);
        c.ev.status = event_status::cancelled;
        c.ev.cancel_reason = "Te weinig aanmeldingen.\r\nWe plannen opnieuw.";
        const auto m = render_message(c);
        CHECK_FALSE(contains(m.body, "rsvp"));
        CHECK_FALSE(contains(m.body, "Laat ons weten"));
        CHECK_FALSE(contains(m.body, "let us know"));
        CHECK(has_line(m.body,
                       lang == language::nl ? "Reden: Te weinig aanmeldingen." : "Reason: Te weinig aanmeldingen."));
        CHECK(has_line(m.body, "We plannen opnieuw."));

        c.ev.cancel_reason.reset();
        const auto without = render_message(c);
        CHECK_FALSE(contains(without.body, "Reden"));
        CHECK_FALSE(contains(without.body, "Reason"));
    }
    // Only a cancellation shows the reason.
    auto c = context(message_kind::update, language::nl);
    c.ev.cancel_reason = "oud";
    CHECK_FALSE(contains(render_message(c).body, "Reden"));
}

TEST_CASE("the RSVP line appears only when there is a link", "[messages]") {
    for (const auto kind : {message_kind::invitation, message_kind::update, message_kind::reminder}) {
        auto c = context(kind, language::nl);
        CHECK(contains(render_message(c).body, "Laat ons weten of u komt: https://copsched.example/rsvp/abc\n"));
        c.rsvp_url.clear();
        CHECK_FALSE(contains(render_message(c).body, "Laat ons weten"));
    }
}

TEST_CASE("an all-day event on one day shows just the date", "[messages]") {
    auto c = context(message_kind::invitation, language::nl);
    c.ev.all_day = true;
    c.ev.start_local = "2019-03-12T00:00"; // model.hpp: the first day's 00:00 ...
    c.ev.end_local = "2019-03-13T00:00";   // ... and the 00:00 after the last
    auto m = render_message(c);
    CHECK(m.subject == "Uitnodiging: CoP voorjaar op dinsdag 12 maart 2019");
    CHECK(has_line(m.body, "Wanneer: dinsdag 12 maart 2019"));
    CHECK_FALSE(contains(m.body, "00:00"));
    CHECK_FALSE(contains(m.body, "Europe/Amsterdam"));

    c.lang = language::en;
    c.ev.start_local = "2019-03-12"; // plain dates are read too
    c.ev.end_local = "2019-03-13";
    m = render_message(c);
    CHECK(m.subject == "Invitation: CoP voorjaar on Tuesday 12 March 2019");
    CHECK(has_line(m.body, "When: Tuesday 12 March 2019"));
}

TEST_CASE("multi-day events show their range", "[messages]") {
    auto c = context(message_kind::invitation, language::nl);
    c.ev.all_day = true;
    c.ev.start_local = "2019-03-12T00:00";
    c.ev.end_local = "2019-03-14T00:00";
    auto m = render_message(c);
    CHECK(m.subject == "Uitnodiging: CoP voorjaar op 12–13 maart 2019");
    CHECK(has_line(m.body, "Wanneer: 12–13 maart 2019"));

    c.ev.start_local = "2019-03-30T00:00";
    c.ev.end_local = "2019-04-03T00:00";
    CHECK(has_line(render_message(c).body, "Wanneer: 30 maart – 2 april 2019"));
    c.ev.start_local = "2019-12-30T00:00";
    c.ev.end_local = "2020-01-02T00:00";
    CHECK(has_line(render_message(c).body, "Wanneer: 30 december 2019 – 1 januari 2020"));
    c.lang = language::en;
    CHECK(has_line(render_message(c).body, "When: 30 December 2019 – 1 January 2020"));
    CHECK(render_message(c).subject == "Invitation: CoP voorjaar on 30 December 2019 – 1 January 2020");

    // A timed event over two days names both days; one that ends at midnight does not.
    c = context(message_kind::invitation, language::nl);
    c.ev.start_local = "2019-03-12T10:00";
    c.ev.end_local = "2019-03-13T16:30";
    m = render_message(c);
    CHECK(has_line(m.body, "Wanneer: dinsdag 12 maart 2019, 10:00 – woensdag 13 maart 2019, 16:30 (Europe/Amsterdam)"));
    CHECK(m.subject == "Uitnodiging: CoP voorjaar op dinsdag 12 maart 2019");
    c.ev.start_local = "2019-03-12T19:00";
    c.ev.end_local = "2019-03-13T00:00";
    CHECK(has_line(render_message(c).body, "Wanneer: dinsdag 12 maart 2019, 19:00–24:00 (Europe/Amsterdam)"));
}

TEST_CASE("weekday and month names in both languages", "[messages]") {
    const char* nl_days[] = {"maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"};
    const char* en_days[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    for (int d = 0; d < 7; ++d) { // 11 March 2019 was a Monday
        auto c = context(message_kind::invitation, language::nl);
        const std::string date = "2019-03-" + std::to_string(11 + d);
        c.ev.start_local = date + "T10:00";
        c.ev.end_local = date + "T11:00";
        CHECK(render_message(c).subject ==
              std::string("Uitnodiging: CoP voorjaar op ") + nl_days[d] + " " + std::to_string(11 + d) + " maart 2019");
        c.lang = language::en;
        CHECK(render_message(c).subject ==
              std::string("Invitation: CoP voorjaar on ") + en_days[d] + " " + std::to_string(11 + d) + " March 2019");
    }
    const char* nl_months[] = {"januari", "februari", "maart",     "april",   "mei",      "juni",
                               "juli",    "augustus", "september", "oktober", "november", "december"};
    for (int month = 1; month <= 12; ++month) {
        auto c = context(message_kind::update, language::nl);
        char date[16];
        std::snprintf(date, sizeof date, "2024-%02d-01", month);
        c.ev.start_local = std::string(date) + "T10:00";
        c.ev.end_local = std::string(date) + "T11:00";
        CHECK(contains(render_message(c).subject, std::string(" 1 ") + nl_months[month - 1] + " 2024"));
    }
}

TEST_CASE("no venue, online only, and more information", "[messages]") {
    auto c = context(message_kind::invitation, language::nl);
    c.venue_name.clear();
    c.venue_address.clear();
    c.working_group_name.clear();
    c.ev.online_url = "https://meet.example/abc";
    c.event_url = "https://copsched.example/events/7";
    auto m = render_message(c);
    CHECK_FALSE(contains(m.body, "Waar:"));
    CHECK_FALSE(contains(m.body, "Werkgroep:"));
    CHECK(has_line(m.body, "Online: https://meet.example/abc"));
    CHECK(has_line(m.body, "Meer informatie: https://copsched.example/events/7"));

    c.lang = language::en;
    m = render_message(c);
    CHECK_FALSE(contains(m.body, "Where:"));
    CHECK(has_line(m.body, "Online: https://meet.example/abc"));
    CHECK(has_line(m.body, "More information: https://copsched.example/events/7"));

    // Neither venue nor link: no "where" at all; a venue without address is its name.
    c.ev.online_url.clear();
    CHECK_FALSE(contains(render_message(c).body, "Online:"));
    c.venue_name = "Rijksgebouw";
    CHECK(has_line(render_message(c).body, "Where: Rijksgebouw"));
    c.venue_name.clear();
    c.venue_address = "Rijnstraat 8";
    CHECK(has_line(render_message(c).body, "Where: Rijnstraat 8"));
}

TEST_CASE("a title with line breaks keeps the subject on one line", "[messages]") {
    for (const auto kind : all_kinds) {
        auto c = context(kind, language::nl);
        c.ev.title = "CoP\r\nBcc: evil@example.org\n\n  voorjaar\t\x01\x7F!";
        c.recipient_name = "Anna\r\nX-Evil: 1";
        const auto m = render_message(c);
        INFO(m.subject);
        CHECK(clean_text(m.subject, false));
        CHECK(contains(m.subject, "CoP Bcc: evil@example.org voorjaar !"));
        CHECK_FALSE(contains(m.subject, "  "));
        CHECK(has_line(m.body, "Wat: CoP Bcc: evil@example.org voorjaar !"));
        CHECK(has_line(m.body, "Beste Anna X-Evil: 1,"));
        CHECK(clean_text(m.body, true));
        lines_of(m.body);
    }
}

TEST_CASE("the body keeps the user's line breaks and drops other control characters", "[messages]") {
    auto c = context(message_kind::invitation, language::en);
    c.ev.description = "\n\nline 1\rline 2\r\nline\x1B 3\u2028line 4\n\tindented\n\n";
    c.ev.title = "  ";
    c.ev.kind = event_kind::working_group_session;
    c.recipient_name.clear();
    c.programme_name = "GDCI \xFF 2.0";
    const auto m = render_message(c);
    CHECK(contains(m.body, "\n\nline 1\nline 2\nline 3\nline 4\n\tindented\n\nPlease let us know"));
    CHECK(clean_text(m.body, true));
    CHECK(has_line(m.body, "Dear participant,"));
    CHECK(has_line(m.body, "You are invited to the following working group session."));
    CHECK(has_line(m.body, "What: working group session")); // an empty title falls back to the kind
    CHECK(has_line(m.body, "GDCI \xEF\xBF\xBD 2.0"));
    CHECK(m.subject == "Invitation: working group session on Tuesday 12 March 2019");
}

TEST_CASE("a tentative event is flagged, and unreadable times are shown as given", "[messages]") {
    auto c = context(message_kind::invitation, language::nl);
    c.ev.status = event_status::tentative;
    CHECK(has_line(render_message(c).body, "Status: onder voorbehoud"));
    c.lang = language::en;
    CHECK(has_line(render_message(c).body, "Status: tentative"));

    c.ev.start_local = "soon";
    c.ev.end_local = "later";
    const auto m = render_message(c);
    CHECK(m.subject == "Invitation: CoP voorjaar on soon");
    CHECK(has_line(m.body, "When: soon – later"));
}

TEST_CASE("every message carries the recipient's own page when there is one", "[messages]") {
    for (const auto k : all_kinds) {
        auto c = context(k, language::nl);
        c.page_url = "https://copsched.example/my/per_1.0.mac";
        const auto nl = render_message(c);
        CHECK(nl.body.find("Uw pagina (antwoorden, agenda-abonnement, werkgroepen, herinneringen): "
                           "https://copsched.example/my/per_1.0.mac\n") != std::string::npos);
        c.lang = language::en;
        const auto en = render_message(c);
        CHECK(en.body.find("Your page (answers, calendar subscription, working groups, reminders): "
                           "https://copsched.example/my/per_1.0.mac\n") != std::string::npos);
        c.page_url.clear();
        CHECK(render_message(c).body.find("/my/") == std::string::npos);
    }
}
