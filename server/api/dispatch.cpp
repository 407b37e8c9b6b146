#include "server/api/dispatch.hpp"

#include "scheduler/clock.hpp"
#include "server/api/auth.hpp"
#include "server/api/db_call.hpp"
#include "server/api/errors.hpp"
#include "server/http/metrics.hpp"
#include "server/http/text.hpp"
#include "server/options/config.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <utility>

#include <cstdio>
#include <ctime>
#include <iostream>

namespace copsched::server {

using scheduler::errc;
using scheduler::error;

namespace {

// The answer stored for an Idempotency-Key, replayed to a retry of the same request.
response replayed(const request& req, const scheduler::idempotency_record& previous) {
    response res{static_cast<http::status>(previous.status), req.version()};
    boost::system::error_code ec;
    const auto stored = boost::json::parse(previous.response, ec);
    if (!ec && stored.is_object()) {
        if (const auto* h = stored.as_object().if_contains("headers"); h && h->is_object())
            for (const auto& [name, value] : h->as_object())
                if (value.is_string()) res.set(std::string_view(name), std::string_view(value.as_string()));
        if (const auto* b = stored.as_object().if_contains("body"); b && b->is_string())
            res.body() = std::string(b->as_string());
    }
    res.set("Idempotent-Replayed", "true");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

// An answer as stored for replay: the headers a client relies on, and the body.
std::string stored_answer(const response& res) {
    boost::json::object headers;
    for (const auto field :
         {http::field::content_type, http::field::location, http::field::etag, http::field::cache_control})
        if (const auto v = res[field]; !v.empty()) headers[http::to_string(field)] = v;
    return boost::json::serialize(boost::json::object{{"headers", std::move(headers)}, {"body", res.body()}});
}

// Answers that must not be kept (a new token's secret) are not stored: the key stays free
// and a retry runs afresh.
bool kept(const response& res) { return res[http::field::cache_control].find("no-store") == std::string_view::npos; }

// Behind a proxy that appends the address it saw to X-Forwarded-For, the last entry is
// the one to trust; `seen` (the socket's peer) when there is none.
std::string forwarded_client(const request& req, std::string seen) {
    const auto forwarded = req["X-Forwarded-For"];
    if (forwarded.empty()) return seen;
    auto last = forwarded.substr(forwarded.rfind(',') == std::string_view::npos ? 0 : forwarded.rfind(',') + 1);
    while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
    while (!last.empty() && last.back() == ' ') last.remove_suffix(1);
    if (!last.empty() && last.size() <= 64) seen.assign(last);
    return seen;
}

// 405 with the Allow header (HEAD beside every GET).
response method_not_allowed(const request& req, std::span<const http::verb> allowed) {
    std::string allow;
    for (auto v : allowed) {
        if (!allow.empty()) allow += ", ";
        allow += std::string(http::to_string(v));
        if (v == http::verb::get) allow += ", HEAD";
    }
    auto res = problem(http::status::method_not_allowed,
                       "This resource does not support " + std::string(req.method_string()) + ".", req.version(),
                       req.keep_alive());
    res.set(http::field::allow, allow);
    return res;
}

// A query parameter whose name or decoded value is not UTF-8 or holds a control
// character (%00, %0a): refused before any handler reads it, naming the parameter.
std::optional<error> query_problem(const request_context& ctx) {
    const auto bad = [](std::string field, std::string what) {
        return error{
            errc::invalid_input, "The request has an invalid query parameter.", {{std::move(field), std::move(what)}}};
    };
    if (!ctx.target.has_query()) return std::nullopt; // most requests: no parameter to check
    for (const auto& p : ctx.target.params()) {
        if (!text_problem(p.key, p.key.size(), false).empty())
            return bad("query", "a parameter name is not UTF-8 text without control characters");
        if (auto what = text_problem(p.value, p.value.size(), false); !what.empty()) return bad(p.key, std::move(what));
    }
    return std::nullopt;
}

} // namespace

dispatcher::dispatcher(services& svc, router routes)
    : svc_(svc), routes_(std::move(routes)), running_(std::make_unique<running_keys>()) {}

dispatcher::~dispatcher() = default;

std::string_view request_context::param(std::string_view name) const {
    for (const auto& [k, v] : params)
        if (k == name) return v;
    return {};
}

std::optional<std::string> request_context::query(std::string_view name) const {
    auto it = target.params().find(name);
    if (it == target.params().end()) return std::nullopt;
    return std::string((*it).value);
}

void dispatcher::log_access(std::string_view method, std::string_view route, unsigned status, std::size_t bytes,
                            std::chrono::nanoseconds duration, const std::string& client) const {
    if (!svc_.cfg.access_log) return;
    // The route template, never the raw target: tokens in paths and queries stay out.
    char line[512];
    const int n =
        std::snprintf(line, sizeof line, "%s access %s %.*s %.*s %u %.3fms %zuB\n", scheduler::now_utc().c_str(),
                      client.c_str(), static_cast<int>(method.size()), method.data(), static_cast<int>(route.size()),
                      route.data(), status, std::chrono::duration<double, std::milli>(duration).count(), bytes);
    if (n > 0) std::fwrite(line, 1, static_cast<std::size_t>(std::min<int>(n, sizeof line - 1)), stderr);
}

void dispatcher::record_rejected(unsigned status, std::size_t bytes, std::chrono::nanoseconds duration) const {
    svc_.stats.record_request("-", "(rejected)", status, duration);
    log_access("-", "(rejected)", status, bytes, duration, "-");
}

task<response> dispatcher::authenticate_and_run(const route& r, request_context& ctx) {
    const auto& req = ctx.req;
    if (r.who == access::public_route) co_return co_await r.fn(ctx);

    const auto now = auth_throttle::clock::now();
    if (auto wait = svc_.throttle.blocked(ctx.client_address, now)) {
        auto res = problem(http::status::too_many_requests,
                           "Too many failed authentication attempts from this address; try again later.", req.version(),
                           req.keep_alive());
        res.set(http::field::retry_after, std::to_string(wait->count()));
        co_return res;
    }
    auto unauthorized = [&](std::string detail) {
        svc_.throttle.record_failure(ctx.client_address, now);
        auto res = problem(http::status::unauthorized, std::move(detail), req.version(), req.keep_alive());
        res.set(http::field::www_authenticate, "Bearer realm=\"copsched\"");
        return res;
    };
    const auto presented = bearer_token(req[http::field::authorization]);
    if (!presented) co_return unauthorized("This route needs an API token: send Authorization: Bearer <token>.");
    const auto prefix = token_prefix(*presented);
    if (!prefix) co_return unauthorized("The API token is not valid.");

    const auto hash = sha256_hex(*presented);
    auto found = svc_.tokens.find(*prefix);
    if (!found) {
        const auto generation = svc_.tokens.generation();
        auto job = [p = *prefix](scheduler::store& s) { return s.find_tokens_by_prefix(p); };
        auto read = co_await db_read(svc_.db, std::move(job));
        if (!read) co_return problem(read.err(), req.version(), req.keep_alive());
        svc_.tokens.put(*prefix, *read, generation);
        found = std::move(*read);
    }
    std::optional<scheduler::api_token> caller;
    for (auto& c : *found)
        if (constant_time_equal(c.secret_hash, hash) && !c.token.revoked_at) caller = std::move(c.token);
    if (!caller) co_return unauthorized("The API token is not valid or has been revoked.");

    if (svc_.touches.due(caller->id, now)) {
        // At most once per token and interval, so awaiting the commit costs little and
        // last_used_at is true by the time the response is read.
        auto touch = [id = caller->id, at = scheduler::now_utc()](scheduler::store& s) {
            return s.touch_token(id, at);
        };
        (void)co_await db_write(svc_.db, std::move(touch));
    }
    if (r.who == access::admin && caller->role != scheduler::token_role::admin)
        co_return problem(http::status::forbidden, "This route is for admin tokens only.", req.version(),
                          req.keep_alive());
    ctx.caller = std::move(caller);
    if (req.method() == http::verb::post) {
        if (const auto key = req["Idempotency-Key"]; !key.empty())
            co_return co_await run_idempotent(r, ctx, std::string(key));
    }
    co_return co_await r.fn(ctx);
}

namespace {

// One idempotent request's view of the database, so that its work and its answer commit
// in one transaction (a crash leaves the key answered, or free with nothing done).
// The handler runs on a private io_context: on the calling I/O thread until it submits
// its first write; that write job runs the work, then runs the rest of the handler on
// the writer thread (its further reads and writes go inline to the writer's store, inside
// the same transaction) and stores the answer beside the work before the batch commits.
// Its own writes and reads only; queue_depth is the real executor's.
class idempotent_run final : public scheduler::store_executor, public std::enable_shared_from_this<idempotent_run> {
public:
    idempotent_run(scheduler::store_executor& db, std::string token, std::string key, std::string hash, std::string now,
                   std::string expired_before)
        : db_(db), token_(std::move(token)), key_(std::move(key)), hash_(std::move(hash)), now_(std::move(now)),
          expired_before_(std::move(expired_before)) {}

    void read(read_job job) override {
        if (on_writer_) return job(*writer_store_); // the writer's view: sees this request's work
        db_.read(std::move(job));
    }

    void write(write_work work, write_done done) override {
        if (on_writer_) {
            // A further write of the same request: inside its transaction. Without a
            // savepoint of its own, a failure rolls the whole request back (see below).
            auto st = work(*writer_store_);
            if (!st) nested_failed_ = true;
            done(st);
            return;
        }
        wrote_ = true;
        auto self = shared_from_this();
        db_.write([self, work = std::move(work), done = std::move(done)](
                      scheduler::store& s) mutable -> scheduler::status { return self->run_on_writer(s, work, done); },
                  [self](const scheduler::status& st) {
                      self->outcome_ = st;
                      self->resume_();
                  });
    }

    std::size_t queue_depth() const override { return db_.queue_depth(); }

    // Runs the handler: on this thread up to its first write (or its end), then on the
    // writer. `resume` is called once: when the handler ended without writing, or when
    // the transaction of its work is over (outcome()).
    void start(task<response> handler, std::function<void()> resume) {
        resume_ = std::move(resume);
        asio::co_spawn(io_, std::move(handler), [this](std::exception_ptr e, response res) {
            if (e)
                failure_ = e;
            else
                answer_ = std::move(res);
            handler_done_ = true;
        });
        while (!wrote_ && !handler_done_) io_.run_one();
        if (!wrote_) resume_();
    }

    bool wrote() const noexcept { return wrote_; }
    bool failed() const noexcept { return failure_ != nullptr || !answer_; }
    response& answer() { return *answer_; }
    // The write job's outcome: an error when the work failed (rolled back, the handler's
    // answer tells why) or when the request or its commit failed (work_failed() false).
    const scheduler::status& outcome() const noexcept { return outcome_; }
    bool work_failed() const noexcept { return work_failed_; }
    bool answer_stored() const noexcept { return answer_stored_; }
    // The answer another instance stored for the key while this request was on its way.
    const std::optional<scheduler::idempotency_record>& replay() const noexcept { return replay_; }

private:
    scheduler::status run_on_writer(scheduler::store& s, write_work& work, write_done& done) {
        // Another instance sharing the database may be working under the same key (a
        // retry that reached it), or have answered it since this request looked: wait for
        // it, and replay its answer rather than doing the work twice.
        auto claimed = s.claim_idempotency_key(token_, key_, expired_before_);
        scheduler::status st = scheduler::ok();
        if (!claimed) {
            st = claimed.err();
        } else if (*claimed) {
            replay_ = std::move(**claimed);
            st = scheduler::error{errc::conflict, "The Idempotency-Key was answered meanwhile.", {}};
        } else {
            st = work(s);
        }
        work_failed_ = !st && !replay_;
        writer_store_ = &s;
        on_writer_ = true;
        {
            // The handler reports its feed changes before the commit: they are reported
            // again after it (serve.cpp's after_commit), see feed_cache::record_changes.
            const feed_cache::record_changes recording;
            done(st); // resumes the handler on io_
            while (!handler_done_) io_.run_one();
        }
        on_writer_ = false;
        writer_store_ = nullptr;
        if (replay_) return st; // nothing of this request is kept
        if (!st) return st;
        if (nested_failed_ || failed() || answer_->result_int() >= 500)
            return scheduler::error{errc::internal, "The request failed; its changes were rolled back.", {}};
        expand_canned_fields(*answer_); // stored_answer and kept read its fields
        if (kept(*answer_)) {
            auto stored = s.store_idempotency_answer(
                token_, key_, {hash_, static_cast<int>(answer_->result_int()), stored_answer(*answer_)}, now_,
                expired_before_);
            if (!stored) return stored;
            answer_stored_ = true;
        }
        return scheduler::ok();
    }

    scheduler::store_executor& db_;
    const std::string token_, key_, hash_, now_, expired_before_;
    asio::io_context io_{1};
    asio::executor_work_guard<asio::io_context::executor_type> busy_ = asio::make_work_guard(io_);
    std::function<void()> resume_;
    // Touched by the I/O thread until the first write is queued, then only by the writer
    // until the job's done callback, then by the I/O thread again: the writer's queue and
    // asio::post order these hand-overs.
    std::optional<response> answer_;
    std::exception_ptr failure_;
    std::atomic<bool> handler_done_{false};
    bool wrote_ = false;
    bool on_writer_ = false;
    bool nested_failed_ = false;
    bool work_failed_ = false;
    bool answer_stored_ = false;
    scheduler::store* writer_store_ = nullptr;
    scheduler::status outcome_ = scheduler::ok();
    std::optional<scheduler::idempotency_record> replay_;
};

} // namespace

// The keys whose first request is running in this process. In memory on purpose: after a
// crash no request runs, so no key can stay "still running".
struct dispatcher::running_keys {
    std::mutex mutex;
    std::set<std::pair<std::string, std::string>> keys; // (token id, key), guarded by mutex
};

task<response> dispatcher::run_idempotent(const route& r, request_context& ctx, std::string key) {
    const auto& req = ctx.req;
    constexpr std::size_t key_max_chars = 200;
    const bool printable = std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    if (key.size() > key_max_chars || !printable)
        co_return problem(error::invalid("Idempotency-Key", "must be 1 to 200 printable ASCII characters"),
                          req.version(), req.keep_alive());
    const auto hash = sha256_hex(std::string(req.method_string()) + " " + std::string(req.target()) + "\n" +
                                 std::string(req[http::field::content_type]) + "\n" + req.body());
    const auto now = std::chrono::system_clock::now();
    const auto expired = scheduler::format_utc(now - svc_.cfg.idempotency_ttl);

    auto running_key = std::pair{ctx.caller->id, key};
    {
        std::lock_guard lock(running_->mutex);
        if (!running_->keys.insert(running_key).second) {
            auto res = problem(http::status::conflict, "A request with this Idempotency-Key is still running.",
                               req.version(), req.keep_alive());
            res.set(http::field::retry_after, "1");
            co_return res;
        }
    }
    struct release_key {
        running_keys& running;
        std::pair<std::string, std::string> key;
        ~release_key() {
            std::lock_guard lock(running.mutex);
            running.keys.erase(key);
        }
    } release{*running_, running_key};

    auto find = [token = ctx.caller->id, key, expired](scheduler::store& s) {
        return s.find_idempotency_key(token, key, expired);
    };
    auto found = co_await db_read(svc_.db, std::move(find));
    if (!found) co_return problem(found.err(), req.version(), req.keep_alive());
    if (const auto& previous = *found) {
        if (previous->request_hash != hash)
            co_return problem(error::invalid("Idempotency-Key", "was used for a different request; use a new key"),
                              req.version(), req.keep_alive());
        co_return replayed(req, *previous);
    }

    auto run =
        std::make_shared<idempotent_run>(svc_.db, ctx.caller->id, key, hash, scheduler::format_utc(now), expired);
    services scoped{svc_.cfg, *run, svc_.stats, svc_.throttle, svc_.touches, svc_.tokens, svc_.feed_secret, svc_.feeds};
    request_context inner{ctx.req, scoped, ctx.params, ctx.target, ctx.client_address, ctx.caller};
    auto initiate = [&run, &r, &inner](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto guard = std::make_shared<asio::executor_work_guard<asio::associated_executor_t<decltype(handler)>>>(
            asio::make_work_guard(asio::get_associated_executor(*h)));
        run->start(r.fn(inner), [h, guard]() { asio::post(guard->get_executor(), [h, guard]() { (*h)(); }); });
    };
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(std::move(initiate), asio::use_awaitable);

    const auto internal = [&] {
        return problem(error{errc::internal, "The request failed.", {}}, req.version(), req.keep_alive());
    };
    if (const auto& other = run->replay()) {
        if (other->request_hash != hash)
            co_return problem(error::invalid("Idempotency-Key", "was used for a different request; use a new key"),
                              req.version(), req.keep_alive());
        co_return replayed(req, *other);
    }
    if (run->wrote() && !run->outcome() && !run->work_failed()) {
        // Rolled back with its work (or not committed): nothing done, the key stays free.
        if (run->outcome().err().code == errc::internal) co_return internal();
        co_return problem(run->outcome().err(), req.version(), req.keep_alive());
    }
    if (run->failed()) co_return internal();
    response res = std::move(run->answer());
    if (!run->answer_stored() && kept(res) && res.result_int() < 500) {
        // Nothing was written (the work failed or there was none): the answer is stored
        // alone; a crash before it leaves the key free and nothing done.
        auto store =
            [token = ctx.caller->id, key,
             record = scheduler::idempotency_record{hash, static_cast<int>(res.result_int()), stored_answer(res)},
             at = scheduler::format_utc(now),
             expired](scheduler::store& s) { return s.store_idempotency_answer(token, key, record, at, expired); };
        (void)co_await db_write(svc_.db, std::move(store));
    }
    co_return res;
}

task<response> dispatcher::handle(request req, std::string client_address) {
    const auto started = std::chrono::steady_clock::now();
    if (svc_.cfg.trust_forwarded_for) client_address = forwarded_client(req, std::move(client_address));
    std::string_view route_name = "(unmatched)";
    response res;
    try {
        const auto target = split_origin_form(req.target());
        if (!target) {
            res = problem(http::status::bad_request, "The request target is not a valid path.", req.version(),
                          req.keep_alive());
        } else {
            auto m = routes_.match(req.method(), target->path);
            if (m.found) {
                route_name = m.found->path;
                // split_origin_form accepted the target, so Boost.URL does (router_test.cpp).
                const auto url = target->query.empty() ? boost::urls::url_view()
                                                       : boost::urls::parse_origin_form(req.target()).value();
                request_context ctx{req, svc_, std::move(m.params), url, client_address, std::nullopt};
                try {
                    if (auto bad = query_problem(ctx))
                        res = problem(std::move(*bad), req.version(), req.keep_alive());
                    else if (m.found->who == access::public_route) // skips a coroutine frame
                        res = co_await m.found->fn(ctx);
                    else
                        res = co_await authenticate_and_run(*m.found, ctx);
                } catch (const std::exception& e) {
                    std::fprintf(stderr, "%s error %s %s: %s\n", scheduler::now_utc().c_str(),
                                 std::string(req.method_string()).c_str(), m.found->path.c_str(), e.what());
                    res = problem(error{errc::internal, e.what(), {}}, req.version(), req.keep_alive());
                }
            } else if (!m.allowed.empty()) {
                res = method_not_allowed(req, m.allowed);
            } else {
                res = problem(http::status::not_found, "No resource at this path.", req.version(), req.keep_alive());
            }
        }
    } catch (const std::exception& e) {
        res = problem(error{errc::internal, e.what(), {}}, req.version(), req.keep_alive());
    }
    if (req.method() == http::verb::head) {
        // Same headers as GET, no body.
        expand_canned_fields(res);
        const auto length = res.body().size();
        res.body().clear();
        res.content_length(length);
    }
    const auto elapsed = std::chrono::steady_clock::now() - started;
    // A static name: metrics keep the view. Unknown methods are counted together.
    const std::string_view method_name = req.method() == http::verb::unknown ? "OTHER" : http::to_string(req.method());
    svc_.stats.record_request(method_name, route_name, res.result_int(), elapsed);
    log_access(req.method_string(), route_name, res.result_int(), res.body().size(), elapsed, client_address);
    co_return res;
}

} // namespace copsched::server
