#pragma once
// The HTTP/1.1 listener and connections (Boost.Beast over Asio, C++20 coroutines).
//
// Each connection runs one coroutine on its own strand: it reads requests with a fresh
// parser (header and body limits, deadlines), starts each request's handler at once so
// pipelined requests are handled concurrently, and writes the responses in order,
// holding at most `pipeline_limit` unanswered requests. Reads and writes never overlap,
// so one stream timer serves both.
//
// No client can take the service off the air alone: a request whose framing is in doubt
// (server/http/framing.hpp) is answered 400 and its connection closed; one address holds
// at most `max_connections_per_address` connections (more: 503); a client sending a
// request slower than `min_receive_rate` is disconnected; and from `idle_evict_percent`
// of `max_connections` on, every new connection closes the longest-idle one, so idle
// keep-alive connections make room before anyone is refused. Connections being closed
// that way no longer count towards the cap.

#include "server/http/io_pool.hpp"
#include "server/http/limits.hpp"
#include "server/http/metrics.hpp"
#include "server/http/request_handler.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include <cstddef>
#include <map>
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
    // Answers 503 and closes: the server is at max_connections, or with `address_full`
    // the client's address at max_connections_per_address.
    task<void> reject(asio::ip::tcp::socket socket, bool address_full);
    void forget(session* s);
    // The address a client's connections are counted under: IPv4 (also when mapped into
    // IPv6) as is, IPv6 by its /64 prefix.
    static asio::ip::address client_key(const asio::ip::address& a);
    // Marks the connection idle longest (waiting for a request) for closing and returns
    // it, or null when none is idle. Caller holds mutex_.
    std::shared_ptr<session> evict_longest_idle();

    struct tracked {
        std::weak_ptr<session> self;
        asio::ip::address address; // client_key of its peer
        bool evicting = false;     // told to close to make room
    };

    io_pool& pool_;
    const connection_limits cfg_;
    request_handler& handler_;
    metrics& metrics_;
    asio::ip::tcp::acceptor acceptor_; // only on acceptor_strand_
    asio::strand<asio::io_context::executor_type> acceptor_strand_;

    // Guarded by mutex_.
    mutable std::mutex mutex_;
    std::unordered_map<session*, tracked> sessions_;
    std::map<asio::ip::address, std::size_t> per_address_; // open connections per client_key
    std::size_t evicting_ = 0;                             // sessions told to close to make room, not yet gone
    bool stopping_ = false;
    // Constant after construction: open connections from which idle ones are evicted.
    const std::size_t idle_evict_threshold_;
};

} // namespace copsched::server
