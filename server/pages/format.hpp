#pragma once
// Dates and labels as the pages show them, in Dutch or English.

#include "scheduler/attendance.hpp"
#include "scheduler/model.hpp"
#include "server/pages/html.hpp"

#include <string>

namespace copsched::server::pages {

lang lang_of(scheduler::language l);

// "dinsdag 12 maart 2019, 10:00–12:00" / "Tuesday 12 March 2019, 10:00–12:00" (local times).
std::string when_text(const scheduler::event& e, lang l);
// "12 maart 2019" / "12 March 2019" for a YYYY-MM-DD date; the text itself when malformed.
std::string date_text(std::string_view date, lang l);
// "januari".."december" / "January".."December" for 1..12.
std::string month_name(int month, lang l);

std::string rsvp_label(scheduler::rsvp_answer a, lang l);
std::string presence_label(scheduler::presence_state p, lang l);
std::string kind_label(scheduler::event_kind k, lang l);

} // namespace copsched::server::pages
