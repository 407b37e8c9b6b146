#include "server/api/feed_handlers.hpp"

#include "server/http/content_coding.hpp"
#include "server/http/http_date.hpp"

#include "calendar/feed.hpp"
#include "scheduler/civil_time.hpp"
#include "scheduler/clock.hpp"
#include "server/api/attendance_handlers.hpp"
#include "server/api/auth.hpp"
#include "server/api/db_call.hpp"
#include "server/api/dispatch.hpp"
#include "server/api/feed_cache.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/services.hpp"
#include "server/options/config.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <mutex>
#include <set>
#include <utility>

namespace copsched::server {
namespace json = boost::json;
using scheduler::errc;
using scheduler::error;
using scheduler::result;
using scheduler::store;

namespace {

using clock = feed_cache::clock;

// IMF-fixdate only (RFC 9110 says recipients may; clients send it).
std::optional<clock::time_point> parse_http_date(std::string_view text) {
    std::tm tm{};
    const std::string s(text);
    const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end != '\0') return std::nullopt;
    // A date before 1970 or later than now is no date a feed was modified at (RFC 7232,
    // 3.3: a later one is invalid, and ignored); years like 9999 or 0 would also overflow
    // the clock's nanoseconds (found by tests/chaos/hostile_inputs.py under UBSan).
    const std::time_t t = timegm(&tm);
    if (t < 0 || t > std::time(nullptr) + 60) return std::nullopt;
    return clock::from_time_t(t);
}

std::optional<clock::time_point> instant(const std::string& text) {
    auto t = scheduler::parse_instant(text);
    if (!t) return std::nullopt;
    return clock::time_point(std::chrono::duration_cast<clock::duration>(t->time_since_epoch()));
}

struct texts {
    const char* cancelled;
    const char* group;
    const char* online;
    const char* personal;
};
constexpr texts dutch{"Geannuleerd: ", "Werkgroep: ", "Online: ", "persoonlijke agenda"};
constexpr texts english{"Cancelled: ", "Working group: ", "Online: ", "personal calendar"};
const texts& texts_for(scheduler::language l) { return l == scheduler::language::en ? english : dutch; }

// What a feed request resolved to in the database.
struct feed_data {
    std::string time_zone;
    std::string name;
    scheduler::language lang = scheduler::language::nl;
    bool is_public = true;
    std::vector<scheduler::feed_event> events;
    std::string last_deletion;
    std::vector<std::string> stamps; // other times the content depends on (programme, person)
    std::vector<std::string> depends_on;
    // Personal feeds: the person, and the events they are invited to, whose descriptions
    // get the person's RSVP link (cancelled ones do not).
    std::string rsvp_person_id;
    int person_generation = 0; // of rsvp_person_id: their page's link
    std::set<std::string> rsvp_event_ids;
};

// A strong ETag from the bytes themselves: the same data gives the same tag.
std::string strong_etag(const std::string& body) { return "\"" + sha256_hex(body).substr(0, 32) + "\""; }

// The request fields a feed answer depends on, found in one pass over the request's
// fields (a lookup by name searches them all, three times per request). The first of each,
// as a lookup by name finds.
struct feed_request {
    std::string_view accept_encoding;
    std::string_view if_none_match;
    std::string_view if_modified_since;
};

feed_request read_feed_request(const request_context& ctx) {
    feed_request out;
    for (const auto& f : ctx.req) {
        std::string_view* slot = nullptr;
        switch (f.name()) {
        case http::field::accept_encoding: slot = &out.accept_encoding; break;
        case http::field::if_none_match: slot = &out.if_none_match; break;
        case http::field::if_modified_since: slot = &out.if_modified_since; break;
        default: continue;
        }
        if (slot->empty()) *slot = f.value();
    }
    return out;
}

// Whether the request prefers the gzip encoding (Accept-Encoding, q-values honoured).
bool wants_gzip(const feed_request& r) { return preferred_coding(r.accept_encoding) == content_coding::gzip; }
bool wants_gzip(const request_context& ctx) { return wants_gzip(read_feed_request(ctx)); }

// The header fields of the answers with `e`'s bytes in one encoding, written once
// (feed_cache::entry::head): those calendar_response inserts otherwise, and Content-Length.
// A 304 carries the tail from ETag on (see calendar_response).
// Without the encoding's bytes (plain ones not held yet) only the 304's lines.
feed_cache::entry::head head_for(const feed_cache::entry& e, bool gzip) {
    std::string lines;
    if (const auto& bytes = gzip ? e.gzip : e.plain) {
        lines = "Content-Type: text/calendar; charset=utf-8\r\n";
        if (gzip) lines += "Content-Encoding: gzip\r\n";
        lines += "Content-Length: " + std::to_string(bytes->size()) + "\r\n";
    }
    const auto not_modified_from = lines.size();
    lines += "ETag: " + (gzip ? e.gzip_etag : e.etag) + "\r\n";
    lines += "Last-Modified: " + e.last_modified + "\r\n";
    lines += "Cache-Control: " + e.cache_control + "\r\n";
    lines += "Vary: Accept-Encoding\r\n";
    lines.shrink_to_fit();
    return {std::make_shared<const std::string>(std::move(lines)), not_modified_from};
}

// The answer with `e` in one encoding: its bytes shared, not copied. `vary`: the feed has
// both encodings, so caches must key on Accept-Encoding (on 304 and plain answers too).
response calendar_response(const request_context& ctx, const feed_cache::entry& e, bool gzip, bool not_modified,
                           bool vary) {
    response res{not_modified ? http::status::not_modified : http::status::ok, ctx.version()};
    if (const auto& head = gzip ? e.gzip_head : e.plain_head;
        vary && head.lines && (not_modified || head.not_modified_from > 0)) {
        // A cached feed: its fields as written once, the bytes shared. HTTP/1.1 keeps the
        // connection unless the request said close (http_server then says it); HTTP/1.0
        // needs its keep-alive said.
        if (ctx.version() < 11) res.keep_alive(ctx.keep_alive());
        std::string_view lines = *head.lines;
        if (not_modified)
            lines.remove_prefix(head.not_modified_from);
        else if (gzip)
            res.body().share(e.gzip);
        else
            res.body().share(e.plain, e.plain_file);
        res.body().set_canned_fields(head.lines, lines);
        return res;
    }
    // A new response has none of these fields: insert, which skips set's search for one. A
    // 304 carries no Content-Type: RFC 9110, 15.4.5 lists what it sends (ETag, Cache-Control,
    // Vary, Date) and asks for no other representation metadata; Last-Modified stays, as
    // nginx sends it, for caches that validate by date.
    if (!not_modified) res.insert(http::field::content_type, "text/calendar; charset=utf-8");
    res.insert(http::field::etag, gzip ? e.gzip_etag : e.etag);
    res.insert(http::field::last_modified, e.last_modified);
    res.insert(http::field::cache_control, e.cache_control);
    if (vary) res.insert(http::field::vary, "Accept-Encoding");
    res.keep_alive(ctx.keep_alive());
    if (!not_modified) {
        if (gzip) res.insert(http::field::content_encoding, "gzip");
        if (gzip)
            res.body().share(e.gzip);
        else
            res.body().share(e.plain, e.plain_file);
    }
    res.prepare_payload();
    return res;
}

// If-None-Match first; If-Modified-Since only without it (RFC 9110, 13.2.2). `etag` is
// the tag of the representation the request asked for: the other encoding's never matches.
bool not_modified(const feed_request& r, const feed_cache::entry& e, const std::string& etag) {
    if (const auto inm = r.if_none_match; !inm.empty()) {
        if (inm.find('*') != std::string_view::npos) return true;
        std::string_view rest = inm;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            auto tag = rest.substr(0, comma);
            while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
            while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
            if (tag.starts_with("W/")) tag.remove_prefix(2); // weak comparison for GET
            if (tag == etag) return true;
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
        return false;
    }
    if (const auto ims = r.if_modified_since; !ims.empty()) {
        if (auto t = parse_http_date(ims)) return e.last_modified_at <= *t;
    }
    return false;
}

// One event as a VEVENT: the working group in CATEGORIES and the description, the venue
// (or else the online URL) as LOCATION; a cancelled event's summary says so.
calendar::feed_item feed_item_for(const scheduler::feed_event& fe, const texts& t) {
    const auto& ev = fe.e;
    calendar::feed_item it;
    it.uid = ev.id + "@copsched";
    it.sequence = ev.sequence;
    it.stamp_utc = ev.updated_at;
    it.all_day = ev.all_day;
    it.start_local = ev.all_day ? ev.start_local.substr(0, 10) : ev.start_local;
    it.end_local = ev.all_day ? ev.end_local.substr(0, 10) : ev.end_local;
    it.summary = (ev.status == scheduler::event_status::cancelled ? t.cancelled : "") + ev.title;
    it.description = ev.description;
    if (!fe.working_group_name.empty()) {
        if (!it.description.empty()) it.description += "\n\n";
        it.description += t.group + fe.working_group_name;
        it.categories.push_back(fe.working_group_name);
    }
    if (!ev.online_url.empty()) {
        it.description += (it.description.empty() ? "" : "\n") + std::string(t.online) + ev.online_url;
        it.url = ev.online_url;
    }
    it.location = fe.venue_name;
    if (!fe.venue_address.empty()) it.location += (it.location.empty() ? "" : ", ") + fe.venue_address;
    if (it.location.empty()) it.location = ev.online_url;
    it.status = ev.status;
    return it;
}

// The plain bytes of a cached feed in a sealed file, sent with sendfile(2) instead of
// being copied into the socket (as nginx's `sendfile on`): for feeds of 16 KiB and more,
// where the copy costs more than the extra system call; at most --feed-sendfile-files.
std::shared_ptr<const sealed_file> plain_file_for(const services& svc, const std::string& plain) {
    constexpr std::size_t min_bytes = 16 * 1024;
    if (plain.size() < min_bytes) return nullptr;
    return sealed_file::create(plain, svc.cfg.feed_sendfile_files);
}

// Builds the entry: drops cancelled events past their grace period, renders, compresses,
// and works out ETag, Last-Modified and how long the bytes stay right. The plain bytes
// are kept only with `keep_plain`. Runs on a database reader thread.
result<std::shared_ptr<const feed_cache::entry>> render(
    const services& svc, const std::string& feed_id, const feed_data& d, const std::string& cache_control,
    const std::vector<std::pair<std::string, std::uint64_t>>& versions, bool keep_plain) {
    const auto now = clock::now();
    const auto grace = std::chrono::duration_cast<clock::duration>(svc.cfg.feed_cancelled_grace);
    const auto& t = texts_for(d.lang);
    auto e = std::make_shared<feed_cache::entry>();
    e->stale_at = clock::time_point::max();
    clock::time_point newest{};
    auto consider = [&](const std::string& stamp) {
        if (auto x = instant(stamp)) newest = std::max(newest, *x);
    };
    for (const auto& s : d.stamps) consider(s);
    consider(d.last_deletion);
    std::vector<calendar::feed_item> items;
    items.reserve(d.events.size());
    for (const auto& fe : d.events) {
        const auto& ev = fe.e;
        consider(ev.updated_at);
        if (ev.status == scheduler::event_status::cancelled && ev.cancelled_at) {
            if (auto at = instant(*ev.cancelled_at)) {
                if (*at + grace <= now) {
                    newest = std::max(newest, *at + grace); // it left the feed then
                    continue;
                }
                e->stale_at = std::min(e->stale_at, *at + grace);
            }
        }
        items.push_back(feed_item_for(fe, t));
        if (ev.status != scheduler::event_status::cancelled && d.rsvp_event_ids.contains(ev.id)) {
            auto& text = items.back().description;
            text += (text.empty() ? "" : "\n\n") +
                    rsvp_line(d.lang, rsvp_url(svc.cfg, svc.feed_secret, ev.id, d.rsvp_person_id));
        }
    }
    calendar::feed_header h;
    h.name = d.name;
    h.time_zone = d.time_zone;
    h.refresh_interval = "PT1H";
    if (!d.rsvp_person_id.empty()) // a personal feed: the way to the person's own page
        h.description = personal_page_line(
            d.lang, base_url(svc.cfg) + "/my/" + svc.feed_secret.page_token(d.rsvp_person_id, d.person_generation));
    auto body = calendar::render_feed(h, items);
    if (!body) return body.err();
    e->etag = strong_etag(*body);
    e->gzip_etag = feed_cache::gzip_etag_of(e->etag);
    e->gzip = std::make_shared<const std::string>(gzip_compress(*body));
    if (keep_plain) {
        body->shrink_to_fit(); // held for as long as the feed is cached
        e->plain = std::make_shared<const std::string>(std::move(*body));
        e->plain_file = plain_file_for(svc, *e->plain);
    }
    e->last_modified_at = svc.feeds.monotonic_last_modified(feed_id, std::chrono::floor<std::chrono::seconds>(newest));
    e->last_modified = http_date(clock::to_time_t(e->last_modified_at));
    e->cache_control = cache_control;
    e->depends_on = versions;
    e->gzip_head = head_for(*e, true);
    e->plain_head = head_for(*e, false);
    return std::shared_ptr<const feed_cache::entry>(std::move(e));
}

// The answer from a cached (or just rendered) entry in the encoding the request
// prefers. A request without gzip for an entry held compressed only inflates it once and
// keeps the plain bytes beside it, so later such requests are served from memory too.
response answer(request_context& ctx, const std::string& feed_id, std::shared_ptr<const feed_cache::entry> e) {
    const auto fields = read_feed_request(ctx);
    const bool gzip = wants_gzip(fields);
    const bool unchanged = not_modified(fields, *e, gzip ? e->gzip_etag : e->etag);
    if (!gzip && !unchanged && !e->plain) {
        auto with_plain = std::make_shared<feed_cache::entry>(*e);
        with_plain->plain = std::make_shared<const std::string>(gzip_decompress(*e->gzip));
        with_plain->plain_file = plain_file_for(ctx.svc, *with_plain->plain);
        with_plain->plain_head = head_for(*with_plain, false);
        ctx.svc.feeds.replace(feed_id, e, with_plain);
        e = std::move(with_plain);
    }
    return calendar_response(ctx, *e, gzip, unchanged, true);
}

// Resumes, on the caller's executor, with the entry the leader of `flight` rendered
// (null: render yourself). Not a coroutine: async_initiate builds the awaitable.
task<std::shared_ptr<const feed_cache::entry>> rendered_by_leader(std::shared_ptr<feed_cache::render_flight> flight) {
    using entry_ptr = std::shared_ptr<const feed_cache::entry>;
    auto initiate = [flight = std::move(flight)](auto handler) {
        using handler_t = decltype(handler);
        auto h = std::make_shared<handler_t>(std::move(handler));
        auto guard = std::make_shared<asio::executor_work_guard<asio::associated_executor_t<handler_t>>>(
            asio::make_work_guard(asio::get_associated_executor(*h)));
        flight->then([h, guard](entry_ptr e) {
            asio::post(guard->get_executor(), [h, guard, e = std::move(e)]() mutable { (*h)(std::move(e)); });
        });
    };
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(entry_ptr)>(std::move(initiate),
                                                                                 asio::use_awaitable);
}

// Ends the render flight a request leads: with the entry it cached, or with null (the
// waiters render themselves) when the render failed, was not kept, or the request ended.
class flight_landing {
public:
    flight_landing(feed_cache& cache, const std::string& feed, std::shared_ptr<feed_cache::render_flight> flight)
        : cache_(cache), feed_(feed), flight_(std::move(flight)) {}
    flight_landing(const flight_landing&) = delete;
    flight_landing& operator=(const flight_landing&) = delete;
    ~flight_landing() { land(nullptr); }
    void land(std::shared_ptr<const feed_cache::entry> e) {
        if (flight_) cache_.end_render(feed_, std::exchange(flight_, nullptr), std::move(e));
    }

private:
    feed_cache& cache_;
    const std::string feed_;
    std::shared_ptr<feed_cache::render_flight> flight_;
};

// Resumes with the entry the leader of `flight` rendered, or null when it failed or did
// not land within `wait`. The waiter is called on a database or I/O thread; it posts the
// timer's cancel to this coroutine's executor (one thread per io_context), so the timer is
// only touched there.
task<std::shared_ptr<const feed_cache::entry>> rendered_within(std::shared_ptr<feed_cache::render_flight> flight,
                                                               std::chrono::milliseconds wait) {
    struct state {
        explicit state(const asio::any_io_executor& ex) : timer(ex) {}
        asio::steady_timer timer;
        std::mutex mutex;
        bool landed = false;                        // guarded by mutex
        std::shared_ptr<const feed_cache::entry> e; // guarded by mutex
    };
    auto st = std::make_shared<state>(co_await asio::this_coro::executor);
    st->timer.expires_after(wait);
    // The flight keeps its waiters until it lands, which may be long after this request
    // gave up waiting, or after its io_context is gone (at shutdown): it holds the state
    // weakly, so the timer never outlives this coroutine and its io_context.
    flight->then([weak = std::weak_ptr<state>(st)](std::shared_ptr<const feed_cache::entry> e) {
        auto s = weak.lock();
        if (!s) return;
        {
            std::lock_guard lock(s->mutex);
            s->landed = true;
            s->e = std::move(e);
        }
        auto ex = s->timer.get_executor();
        asio::post(ex, [s = std::move(s)] { s->timer.cancel(); });
    });
    {
        std::lock_guard lock(st->mutex);
        if (st->landed) co_return st->e;
    }
    boost::system::error_code ec;
    co_await st->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    std::lock_guard lock(st->mutex);
    co_return st->landed ? st->e : nullptr;
}

// The database read and render of one feed, as a job for a reader thread: `load` gives
// its feed_data. The plain bytes are kept with `keep_plain`.
template <class Load>
auto render_job(const services& svc, feed_kind kind, const std::string& feed_id, bool keep_plain, Load load) {
    return [svc, kind, feed_id, keep_plain,
            load = std::move(load)](store& s) mutable -> result<std::shared_ptr<const feed_cache::entry>> {
        const auto started = std::chrono::steady_clock::now();
        auto data = load(s);
        if (!data) return data.err();
        const std::string cache_control = data->is_public ? "public, max-age=300" : "private, max-age=300";
        auto e = render(svc, feed_id, *data, cache_control, svc.feeds.versions(data->depends_on), keep_plain);
        svc.feeds.record_render(kind, std::chrono::steady_clock::now() - started);
        return e;
    };
}

// Renders `feed_id` anew in the background (feed_cache::background(), at most
// --feed-background-renders at once) and ends `flight` with the result. A render that
// fails (the feed is gone) drops the previous version, so it is not served again.
template <class Load>
void render_in_background(const services& svc, feed_kind kind, const std::string& feed_id, Load load,
                          std::shared_ptr<feed_cache::render_flight> flight) {
    svc.feeds.background().submit([svc, kind, feed_id, flight, load = std::move(load)](std::function<void()> done) {
        flight->mark_started();
        const auto changes_before = svc.feeds.changes();
        svc.db.read([svc, kind, feed_id, flight, changes_before, done = std::move(done),
                     job = render_job(svc, kind, feed_id, false, load)](store& s) mutable {
            std::shared_ptr<const feed_cache::entry> kept;
            if (auto e = job(s); !e) {
                svc.feeds.forget(feed_id);
            } else if (svc.feeds.changes() == changes_before) { // else it may have read data from before a change
                svc.feeds.put(kind, feed_id, *e);
                kept = *e;
            }
            svc.feeds.end_render(feed_id, flight, std::move(kept));
            done();
        });
    });
}

// Serves `feed_id` from the cache or, when out of date, loads it with the read job
// `make_load()` gives (a job giving feed_data; made only then, as a hit needs none) and
// renders it, on the database reader thread, once however many requests miss it at the
// same time: the first renders, the others wait for its entry.
template <class MakeLoad>
task<response> serve_feed(request_context& ctx, feed_kind kind, std::string feed_id, MakeLoad make_load) {
    auto& cache = ctx.svc.feeds;
    if (auto hit = cache.find(kind, feed_id)) co_return answer(ctx, feed_id, std::move(hit));
    if (auto before = cache.previous(feed_id)) {
        // Out of date after a content change: the new version renders in the background,
        // and this request waits --feed-refresh-wait for it when its render has begun,
        // else (a change that touched many feeds keeps the renders queued) it gets the
        // version it would have got a moment earlier.
        auto ticket = cache.join_render(feed_id);
        if (ticket.leader) render_in_background(ctx.svc, kind, feed_id, make_load(), ticket.flight);
        const auto wait = ctx.svc.cfg.feed_refresh_wait;
        if (wait.count() > 0 && ticket.flight->started())
            if (auto e = co_await rendered_within(ticket.flight, wait)) co_return answer(ctx, feed_id, std::move(e));
        cache.record_previous_served(kind);
        co_return answer(ctx, feed_id, std::move(before));
    }
    auto ticket = cache.join_render(feed_id);
    if (!ticket.leader) {
        if (auto e = co_await rendered_by_leader(ticket.flight)) co_return answer(ctx, feed_id, std::move(e));
        ticket.flight = nullptr; // the leader's render is not for us: render alone
    } else {
        ticket.flight->mark_started();
    }
    flight_landing landing(cache, feed_id, std::move(ticket.flight));
    const auto changes_before = cache.changes();
    auto job = render_job(ctx.svc, kind, feed_id, !wants_gzip(ctx), make_load());
    auto e = co_await db_read(ctx.svc.db, std::move(job));
    if (!e) co_return fail(ctx, e.err());
    // A change committed while we read may be missing from what we read: serve, don't keep
    // (and don't hand it to requests that came after the change).
    if (cache.changes() == changes_before) {
        cache.put(kind, feed_id, *e);
        landing.land(*e);
    }
    co_return answer(ctx, feed_id, std::move(*e));
}

// The programme's facts every feed needs, and its protection: a protected programme's
// group, organisation and programme feeds need ?token= with a personal feed token of
// one of its people.
result<feed_data> programme_feed_data(store& s, const scheduler::programme& p,
                                      const std::optional<std::string>& token) {
    feed_data d;
    d.time_zone = p.timezone;
    d.lang = p.lang;
    d.is_public = p.feeds_public;
    d.stamps.push_back(p.updated_at);
    d.depends_on.push_back(programme_content_key(p.id));
    if (!p.feeds_public) {
        if (!token) return error{errc::not_found, "No such feed (this programme's feeds need ?token=).", {}};
        auto who = s.find_person_by_feed_hash(sha256_hex(*token));
        if (!who || who->programme_id != p.id || !who->active) return error{errc::not_found, "No such feed.", {}};
        // Cached under the token: when its person leaves or gets a new token, this goes.
        d.depends_on.push_back(person_content_key(who->id));
    }
    auto deleted = s.last_event_deletion(p.id);
    if (!deleted) return deleted.err();
    d.last_deletion = *deleted;
    return d;
}

// A scope's feed: the programme's facts (programme_feed_data) and the scope's events.
result<feed_data> scoped_feed(store& s, const scheduler::programme& p, const std::optional<std::string>& token,
                              scheduler::feed_scope scope, const std::string& id, std::string name, std::string stamp,
                              std::string depends_on) {
    auto d = programme_feed_data(s, p, token);
    if (!d) return d;
    d->name = std::move(name);
    if (!stamp.empty()) d->stamps.push_back(std::move(stamp));
    d->depends_on.push_back(std::move(depends_on));
    auto events = s.feed_events({scope, p.id, id});
    if (!events) return events.err();
    d->events = std::move(*events);
    return d;
}

// The feed handlers are not coroutines: they hand over serve_feed's task (one coroutine
// frame and resumption less per poll). Their loads take what they need from ctx, which
// outlives the task, or own it.
task<response> personal_feed(request_context& ctx) {
    // Cached under the token itself (as group feeds are under theirs): a hit costs no
    // hash; the database only ever sees the token's hash.
    std::string feed_id = "person:";
    feed_id += ctx.param("token");
    auto make_load = [&ctx] {
        return [token = std::string(ctx.param("token"))](store& s) -> result<feed_data> {
            auto who = s.find_person_by_feed_hash(sha256_hex(token));
            if (!who || !who->active) return error{errc::not_found, "No such feed.", {}};
            auto p = s.get_programme_by_id(who->programme_id);
            if (!p) return p.err();
            auto d = programme_feed_data(s, *p, std::nullopt);
            if (!d) return d;
            d->is_public = false;
            d->lang = who->lang;
            d->name = p->name + " - " + who->name + " (" + texts_for(who->lang).personal + ")";
            d->stamps.push_back(who->updated_at);
            d->depends_on.push_back(person_content_key(who->id));
            // The groups the person belongs to (at any date): their changes change this feed.
            auto groups = s.person_working_group_ids(who->id);
            if (!groups) return groups.err();
            for (const auto& g : *groups) d->depends_on.push_back(group_content_key(g));
            auto events = s.feed_events({scheduler::feed_scope::person, p->id, who->id});
            if (!events) return events.err();
            d->events = std::move(*events);
            auto invited = s.person_invitations(who->id, "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z");
            if (!invited) return invited.err();
            d->rsvp_person_id = who->id;
            d->person_generation = who->feed_generation;
            for (const auto& i : *invited) d->rsvp_event_ids.insert(i.event_id);
            return d;
        };
    };
    return serve_feed(ctx, feed_kind::person, std::move(feed_id), make_load);
}

task<response> group_feed(request_context& ctx) {
    const std::string id(ctx.param("id"));
    auto make_load = [&ctx] {
        return [id = std::string(ctx.param("id")), token = ctx.query("token")](store& s) -> result<feed_data> {
            auto g = s.get_working_group(id);
            if (!g) return error{errc::not_found, "No such feed.", {}};
            auto p = s.get_programme_by_id(g->programme_id);
            if (!p) return p.err();
            return scoped_feed(s, *p, token, scheduler::feed_scope::working_group, g->id, p->name + " - " + g->name,
                               g->updated_at, group_content_key(g->id));
        };
    };
    return serve_feed(ctx, feed_kind::working_group, "group:" + id + "?" + ctx.query("token").value_or(""), make_load);
}

task<response> organisation_feed(request_context& ctx) {
    const std::string id(ctx.param("id"));
    auto make_load = [&ctx] {
        return [id = std::string(ctx.param("id")), token = ctx.query("token")](store& s) -> result<feed_data> {
            auto o = s.get_organisation(id);
            if (!o) return error{errc::not_found, "No such feed.", {}};
            auto p = s.get_programme_by_id(o->programme_id);
            if (!p) return p.err();
            return scoped_feed(s, *p, token, scheduler::feed_scope::organisation, o->id, p->name + " - " + o->name,
                               o->updated_at, programme_anything_key(p->id));
        };
    };
    return serve_feed(ctx, feed_kind::organisation, "organisation:" + id + "?" + ctx.query("token").value_or(""),
                      make_load);
}

task<response> programme_feed(request_context& ctx) {
    const std::string slug(ctx.param("slug"));
    auto make_load = [&ctx] {
        return [slug = std::string(ctx.param("slug")), token = ctx.query("token")](store& s) -> result<feed_data> {
            auto p = s.get_programme(slug);
            if (!p) return error{errc::not_found, "No such feed.", {}};
            return scoped_feed(s, *p, token, scheduler::feed_scope::programme, {}, p->name, {},
                               programme_anything_key(p->id));
        };
    };
    return serve_feed(ctx, feed_kind::programme, "programme:" + slug + "?" + ctx.query("token").value_or(""),
                      make_load);
}

// GET /api/v1/events/{id}.ics: one event, for whoever may read it (API token).
task<response> event_file(request_context& ctx) {
    const std::string id(ctx.param("id"));
    auto load = [id, caller = *ctx.caller](store& s) -> result<feed_data> {
        auto e = visible_event(s, id, caller);
        if (!e) return e.err();
        auto p = s.get_programme_by_id(e->programme_id);
        if (!p) return p.err();
        feed_data d;
        d.time_zone = p->timezone;
        d.lang = p->lang;
        d.is_public = false;
        d.name = p->name;
        scheduler::feed_event fe;
        fe.e = *e;
        if (e->working_group_id) {
            if (auto g = s.get_working_group(*e->working_group_id)) fe.working_group_name = g->name;
        }
        if (e->venue_id) {
            if (auto v = s.get_venue(*e->venue_id)) {
                fe.venue_name = v->name;
                fe.venue_address = v->address;
            }
        }
        d.events.push_back(std::move(fe));
        return d;
    };
    const auto started = std::chrono::steady_clock::now();
    auto data = co_await db_read(ctx.svc.db, std::move(load));
    if (!data) co_return fail(ctx, data.err());
    // One event is cheap to render and its cancelled state must show however old: no
    // cache and no grace period here.
    auto d = std::move(*data);
    calendar::feed_header h;
    h.name = d.name;
    h.time_zone = d.time_zone;
    const auto& ev = d.events.front().e;
    feed_cache::entry e;
    auto body = calendar::render_event(h, feed_item_for(d.events.front(), texts_for(d.lang)));
    if (!body) co_return fail(ctx, body.err());
    e.etag = strong_etag(*body);
    e.plain = std::make_shared<const std::string>(std::move(*body));
    e.last_modified_at = instant(ev.updated_at).value_or(clock::time_point{});
    e.last_modified = http_date(clock::to_time_t(e.last_modified_at));
    e.cache_control = "private, no-cache";
    ctx.svc.feeds.record_render(feed_kind::event, std::chrono::steady_clock::now() - started);
    auto res = calendar_response(ctx, e, false, not_modified(read_feed_request(ctx), e, e.etag), false);
    res.set(http::field::content_disposition, "inline; filename=\"" + ev.id + ".ics\"");
    co_return res;
}

// POST /api/v1/people/{id}/feed-token: a new personal feed URL; the old one answers 404
// from now on. For the person (participant token) and admins.
task<response> rotate_feed_token(request_context& ctx) {
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller, key = &ctx.svc.feed_secret,
                a = audit(ctx, "person.feed_rotate", "person", std::string(ctx.param("id")))](
                   store& s) -> result<scheduler::person> {
        auto p = visible_person(s, id, caller);
        if (!p) return p.err();
        const bool self = caller.role == scheduler::token_role::participant && caller.person_id == p->id;
        if (caller.role != scheduler::token_role::admin && !self)
            return error{errc::forbidden, "Only the person and admins can rotate a feed URL.", {}};
        const int next = p->feed_generation + 1;
        if (auto st = s.set_feed_token(p->id, next, key->token_hash(p->id, next)); !st) return st.err();
        if (auto st = s.append_audit(a, scheduler::now_utc()); !st) return st.err();
        p->feed_generation = next;
        return p;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    ctx.svc.feeds.changed(r->programme_id, {person_content_key(r->id)});
    co_return ok_json(ctx, http::status::ok, feed_links(ctx.svc, *r));
}

} // namespace

calendar::feed_item event_feed_item(const scheduler::feed_event& fe, scheduler::language lang) {
    return feed_item_for(fe, texts_for(lang));
}

std::string personal_page_line(scheduler::language lang, const std::string& url) {
    return (lang == scheduler::language::en ? "Your page (answers, working groups, reminders): "
                                            : "Uw pagina (antwoorden, werkgroepen, herinneringen): ") +
           url;
}

json::object feed_links(const services& svc, const scheduler::person& p) {
    const auto token = svc.feed_secret.token(p.id, p.feed_generation);
    const auto url = base_url(svc.cfg) + "/feeds/people/" + token + ".ics";
    const auto colon = url.find("://");
    const auto webcal = "webcal" + url.substr(colon);
    const bool en = p.lang == scheduler::language::en;
    return json::object{
        {"feed_url", url},
        {"webcal_url", webcal},
        {"page_url", base_url(svc.cfg) + "/my/" + svc.feed_secret.page_token(p.id, p.feed_generation)},
        {"subscribe_google",
         en ? "Google Calendar on a computer: Other calendars, +, From URL; paste the feed_url and choose Add "
              "calendar. "
              "Google refreshes it every few hours."
            : "Google Agenda op een computer: Andere agenda's, +, Via URL; plak de feed_url en kies Agenda toevoegen. "
              "Google ververst hem om de paar uur."},
    };
}

void add_feed_routes(router& r) {
    using v = http::verb;
    r.add(v::get, "/feeds/people/{token}.ics", access::public_route, personal_feed);
    r.add(v::get, "/feeds/working-groups/{id}.ics", access::public_route, group_feed);
    r.add(v::get, "/feeds/organisations/{id}.ics", access::public_route, organisation_feed);
    r.add(v::get, "/feeds/programmes/{slug}.ics", access::public_route, programme_feed);
    r.add(v::get, "/api/v1/events/{id}.ics", access::any_token, event_file);
    r.add(v::post, "/api/v1/people/{id}/feed-token", access::any_token, rotate_feed_token);
}

} // namespace copsched::server
