#pragma once
// The HTTP/1.1 listener and connections (Boost.Beast over Asio, C++20 coroutines).
//
// Each connection runs one coroutine on its own strand: it reads requests with a fresh
// parser (header and body limits, deadlines), starts each request's handler at once so
// pipelined requests are handled concurrently, and writes the responses in order,
// holding at most `pipeline_limit` unanswered requests. Reads and writes never overlap,
// so one stream timer serves both.

#include "server/http/io_pool.hpp"
#include "server/http/limits.hpp"
#include "server/http/metrics.hpp"
#include "server/http/request_handler.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace copsched::server {

class session;

class http_server {
public:
    http_server(io_pool& pool, connection_limits limits, request_handler& handler, metrics& m);
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;
    ~http_server();

    // Binds and listens; returns the bound port (useful with port 0). Throws
    // boost::system::system_error when the address cannot be bound.
    unsigned short listen();
    // Starts accepting on the I/O threads.
    void start();
    // Stops accepting, closes idle connections at once and lets in-flight requests
    // finish; their connections close after the response. Thread-safe.
    void shutdown();
    // Open connections (thread-safe).
    std::size_t connections() const;

private:
    friend class session;
    task<void> accept_loop();
    task<void> reject(asio::ip::tcp::socket socket);
    void forget(session* s);

    io_pool& pool_;
    const connection_limits cfg_;
    request_handler& handler_;
    metrics& metrics_;
    asio::ip::tcp::acceptor acceptor_; // only on acceptor_strand_
    asio::strand<asio::io_context::executor_type> acceptor_strand_;

    // Guarded by mutex_.
    mutable std::mutex mutex_;
    std::unordered_map<session*, std::weak_ptr<session>> sessions_;
    bool stopping_ = false;
};

} // namespace copsched::server
