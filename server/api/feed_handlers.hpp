#pragma once
// iCalendar feeds over HTTP: personal (/feeds/people/{token}.ics), per working group,
// organisation and programme, and one event (/api/v1/events/{id}.ics). Each feed is
// rendered once per change of the data it shows and served from server/api/feed_cache.hpp.

#include "calendar/feed.hpp"
#include "scheduler/model.hpp"
#include "scheduler/store/feed_store.hpp"
#include "server/api/feed_cache.hpp"
#include "server/http/router.hpp"

#include <boost/json/object.hpp>

namespace copsched::server {

struct services;

// The line a personal feed's description carries: the person's own page, in `lang`.
std::string personal_page_line(scheduler::language lang, const std::string& url);

// feed_url, webcal_url, page_url (the person's own page) and the steps to subscribe in Google Calendar, for the person.
boost::json::object feed_links(const services& svc, const scheduler::person& p);

// One event as feeds show it (UID, SEQUENCE, LOCATION, CATEGORIES...), labels in `lang`;
// iMIP messages carry the same VEVENT.
calendar::feed_item event_feed_item(const scheduler::feed_event& fe, scheduler::language lang);

// Registers the feed routes; call before the event routes ("{id}.ics" before "{id}").
void add_feed_routes(router& r);

} // namespace copsched::server
