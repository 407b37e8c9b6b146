#pragma once
// One io_context per I/O thread. A connection lives on one context for its whole life
// (on its own strand there), so its handlers never bounce between threads and the
// threads do not contend on one scheduler queue: what lets copsched keep up with nginx
// on two cores.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace copsched::server {

class io_pool {
public:
    explicit io_pool(unsigned threads);
    io_pool(const io_pool&) = delete;
    io_pool& operator=(const io_pool&) = delete;

    // The first context: signals, the acceptor and timers of the server itself.
    boost::asio::io_context& main() { return *contexts_.front(); }
    // The next context for a new connection (round robin). Thread-safe.
    boost::asio::io_context& next();

    // Runs every context, one thread each, the calling thread running main(); returns
    // after stop().
    void run();
    // Makes run() return. Thread-safe.
    void stop();

private:
    using guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<guard> guards_;
    std::atomic<std::size_t> next_{0};
};

} // namespace copsched::server
