#pragma once
// Awaitable bridges from a coroutine on an I/O strand to the database threads. The
// blocking work runs on a store_executor thread; the coroutine resumes on its own
// executor. If the executor is stopped before the job runs, the coroutine is
// destroyed without resuming (only happens at shutdown, after the I/O threads end).

#include "scheduler/store.hpp"
#include "server/http/http.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <optional>
#include <type_traits>

namespace copsched::server {

// GCC 12 relocates lambda temporaries that live across a co_await bitwise, which
// breaks captured std::strings. So: name the job first, then move it in:
//   auto job = [](scheduler::store& s) { return s.list_tokens(); };
//   auto tokens = co_await db_read(db, std::move(job));
// These functions are not coroutines themselves: async_initiate builds the awaitable.
template <class F, class R = std::invoke_result_t<F&, scheduler::store&>>
task<R> db_read(scheduler::store_executor& db, F&& job) {
    static_assert(!std::is_lvalue_reference_v<F>, "move the named job in");
    auto initiate = [&db, f = std::move(job)](auto handler) mutable {
        using handler_t = decltype(handler);
        auto h = std::make_shared<handler_t>(std::move(handler));
        auto guard = asio::make_work_guard(asio::get_associated_executor(*h));
        db.read([h, guard = std::move(guard), f = std::move(f)](scheduler::store& s) mutable {
            auto r = std::make_shared<std::optional<R>>();
            r->emplace(f(s));
            auto ex = guard.get_executor();
            asio::post(ex, [h, r, guard = std::move(guard)]() mutable { (*h)(std::move(**r)); });
        });
    };
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(R)>(std::move(initiate), asio::use_awaitable);
}

// Resumes after the group commit that contains this write is durable, with the job's
// result; errc::unavailable if the commit failed.
template <class F, class R = std::invoke_result_t<F&, scheduler::store&>>
task<R> db_write(scheduler::store_executor& db, F&& job) {
    static_assert(!std::is_lvalue_reference_v<F>, "move the named job in");
    auto initiate = [&db, f = std::move(job)](auto handler) mutable {
        using handler_t = decltype(handler);
        auto h = std::make_shared<handler_t>(std::move(handler));
        auto guard = std::make_shared<asio::executor_work_guard<asio::associated_executor_t<handler_t>>>(
            asio::make_work_guard(asio::get_associated_executor(*h)));
        auto slot = std::make_shared<std::optional<R>>();
        db.write(
            [slot, f = std::move(f)](scheduler::store& s) mutable -> scheduler::status {
                slot->emplace(f(s));
                if ((*slot)->ok()) return scheduler::ok();
                return (*slot)->err();
            },
            [h, slot, guard](const scheduler::status& st) mutable {
                auto out = std::make_shared<std::optional<R>>();
                if (st.ok() || (slot->has_value() && !(*slot)->ok()))
                    out->emplace(std::move(**slot));
                else
                    out->emplace(st.err());
                asio::post(guard->get_executor(), [h, out, guard]() mutable { (*h)(std::move(**out)); });
            });
    };
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(R)>(std::move(initiate), asio::use_awaitable);
}

} // namespace copsched::server
