#include "server/http/http_server.hpp"

#include "server/http/framing.hpp"
#include "server/http/http_date.hpp"

#include "server/http/problem.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>

#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <optional>
#include <utility>

namespace copsched::server {
namespace {

namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_chunk = 8192;

// Serialises a response's status line and header fields into `out` (reused, so no
// allocation once it has grown): the bytes Beast's serializer would write for a message
// with a Content-Length, written here so one gathered send carries header and body. Date
// comes first, the moment of sending (RFC 9110, 6.6.1: an origin server with a clock must
// send it), in place of any Date field of the message; the body's canned fields (http.hpp)
// follow the message's own.
void serialize_head(const response& res, std::string& out) {
    const auto reason = res.reason();
    const auto canned = res.body().canned_fields();
    const std::string_view date = http_date_now();
    // "HTTP/1.1 " "200 " reason CRLF "Date: " date CRLF ... CRLF
    std::size_t size = 9 + 4 + reason.size() + 2 + 6 + date.size() + 2 + canned.size() + 2;
    for (const auto& f : res)
        if (f.name() != http::field::date) size += f.name_string().size() + 2 + f.value().size() + 2;
    out.resize(size); // the capacity stays with the connection: no allocation after the first
    char* p = out.data();
    const auto put = [&p](std::string_view s) {
        if (s.empty()) return; // no canned fields: a null pointer, which memcpy may not take
        std::memcpy(p, s.data(), s.size());
        p += s.size();
    };
    put(res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    const auto code = res.result_int();
    *p++ = static_cast<char>('0' + code / 100 % 10);
    *p++ = static_cast<char>('0' + code / 10 % 10);
    *p++ = static_cast<char>('0' + code % 10);
    *p++ = ' ';
    put(reason);
    put("\r\nDate: ");
    put(date);
    put("\r\n");
    for (const auto& f : res) {
        if (f.name() == http::field::date) continue;
        put(f.name_string());
        put(": ");
        put(f.value());
        put("\r\n");
    }
    put(canned);
    put("\r\n");
}

} // namespace

// One connection. Its socket and everything below live on one io_context, which one
// thread runs (server/http/io_pool.hpp), so no strand is needed: handlers of a connection never
// run concurrently. Deadlines are checked by a watchdog timer that wakes every
// `tick_` and cancels the socket's operations once the current deadline has passed, so
// a request costs no timer operation at all.
class session : public std::enable_shared_from_this<session> {
public:
    session(http_server& server, tcp::socket socket)
        : server_(server), cfg_(server.cfg_), socket_(std::move(socket)), ex_(socket_.get_executor()), watchdog_(ex_),
          tick_(watchdog_tick(server.cfg_)) {
        beast::error_code ec;
        const auto remote = socket_.remote_endpoint(ec);
        client_ = ec ? std::string("unknown") : remote.address().to_string();
        server_.metrics_.connection_opened();
    }
    ~session() {
        server_.metrics_.connection_closed();
        server_.forget(this);
    }

    void start() {
        // However run() ends (also by an exception), the socket closes and the watchdog
        // stops, releasing the session.
        asio::co_spawn(
            ex_, [self = shared_from_this()] { return self->run(); },
            [self = shared_from_this()](std::exception_ptr) {
                beast::error_code ec;
                self->socket_.close(ec);
                self->closed_ = true;
                self->watchdog_.cancel();
            });
        asio::co_spawn(
            ex_, [self = shared_from_this()] { return self->watch(); }, asio::detached);
    }

    // From any thread: ends the connection once it has nothing in flight.
    void begin_shutdown() {
        asio::post(ex_, [self = shared_from_this()] {
            self->shutting_down_ = true;
            if (self->idle_) {
                beast::error_code ec;
                self->socket_.cancel(ec);
            }
        });
    }

    // From any thread: when the connection started waiting for a request (steady clock
    // ticks), 0 while it is reading, handling or writing one.
    std::int64_t idle_since() const { return idle_since_.load(std::memory_order_relaxed); }

private:
    using clock = std::chrono::steady_clock;

    // A quarter of the shortest timeout, between 50 ms and 1 s: how late a deadline (or a
    // too slow client) may be noticed.
    static clock::duration watchdog_tick(const connection_limits& c) {
        const auto shortest =
            std::min({c.header_timeout, c.body_timeout, c.idle_timeout, c.write_timeout, c.min_receive_grace});
        return std::clamp<clock::duration>(shortest / 4, std::chrono::milliseconds(50), std::chrono::seconds(1));
    }

    void expires_after(clock::duration d) { deadline_ = clock::now() + d; }

    task<void> watch() {
        while (!closed_) {
            watchdog_.expires_after(tick_);
            co_await watchdog_.async_wait(use_tuple);
            if (closed_) break;
            if (clock::now() >= deadline_ || receiving_too_slowly()) {
                beast::error_code ec;
                socket_.cancel(ec); // the pending read or write ends with operation_aborted
                deadline_ = clock::time_point::max();
            }
        }
    }

    // While a request is being received: true once min_receive_grace has passed since its
    // first byte and fewer than min_receive_rate bytes per second have come on average.
    bool receiving_too_slowly() const {
        if (!receiving_ || cfg_.min_receive_rate == 0) return false;
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - receive_started_);
        if (elapsed < cfg_.min_receive_grace) return false;
        return received_ * 1000 < cfg_.min_receive_rate * static_cast<std::size_t>(elapsed.count());
    }

    void set_idle(bool idle) {
        idle_ = idle;
        idle_since_.store(idle ? std::max<std::int64_t>(1, clock::now().time_since_epoch().count()) : 0,
                          std::memory_order_relaxed);
    }

    // Feeds buffered and newly received bytes to the parser until the header (or, with
    // `whole`, the message) is parsed. The header's bytes as received are checked by
    // raw_header_problem; its verdict is left in header_problem_.
    task<beast::error_code> receive(bool whole) {
        for (;;) {
            if (whole ? parser_->is_done() : parser_->is_header_done()) co_return beast::error_code{};
            beast::error_code ec;
            if (buffer_.size() > 0) {
                const bool had_header = parser_->is_header_done();
                const auto n = parser_->put(buffer_.data(), ec);
                if (!ec && !had_header && parser_->is_header_done())
                    header_problem_ = raw_header_problem({static_cast<const char*>(buffer_.data().data()), n});
                buffer_.consume(n);
                // Beast checks its header limit against the bytes of one put(), and parses
                // the fields that are complete: a header that arrives in several reads
                // would grow without bound. The bytes it took so far count here.
                if (!had_header) {
                    header_bytes_ += n;
                    const auto pending = parser_->is_header_done() ? 0 : buffer_.size();
                    if (header_bytes_ + pending > cfg_.header_limit)
                        co_return beast::error_code(http::error::header_limit);
                }
                if (!ec) continue;
                if (ec != http::error::need_more) co_return ec;
                // In the body, bytes stay unparsed only while a chunk-size line (with its
                // extensions) or the trailer section is incomplete; Beast bounds neither.
                if (parser_->is_header_done() && buffer_.size() > cfg_.header_limit)
                    co_return beast::error_code(asio::error::message_size);
            }
            auto [rec, n] = co_await socket_.async_read_some(buffer_.prepare(read_chunk), use_tuple);
            if (rec == asio::error::eof) {
                if (!parser_->got_some()) co_return beast::error_code(http::error::end_of_stream);
                parser_->put_eof(ec);
                if (ec) co_return ec;
                continue;
            }
            if (rec) co_return rec;
            buffer_.commit(n);
            received_ += n;
            // Also here: a byte arriving just before the watchdog's cancel would outlive it.
            if (receiving_too_slowly()) co_return beast::error_code(asio::error::timed_out);
        }
    }

    // One request's place in the response queue; filled by its handler.
    struct pending {
        explicit pending(const asio::any_io_executor& ex) : ready(ex, asio::steady_timer::time_point::max()) {}
        std::optional<response> res;
        asio::steady_timer ready; // cancelled when res is set
    };

    task<std::pair<beast::error_code, std::size_t>> write(const response& res) {
        serialize_head(res, head_);
        if (const auto& file = res.body().file()) co_return co_await send_file(*file);
        // The body's own bytes: a shared (cached) body is sent from where it lies, uncopied.
        const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), res.body().buffer()};
        auto [ec, n] = co_await asio::async_write(socket_, buffers, use_tuple);
        co_return std::pair{ec, n};
    }

    // The header (head_), then the body from `file` with sendfile(2): the kernel passes the
    // file's pages to the socket without copying the bytes in. The header goes with
    // MSG_MORE, so that it leaves in the same segment as the body's first bytes.
    task<std::pair<beast::error_code, std::size_t>> send_file(const sealed_file& file) {
        for (std::size_t sent = 0; sent < head_.size();) {
            auto [ec, n] = co_await socket_.async_send(asio::buffer(head_.data() + sent, head_.size() - sent), MSG_MORE,
                                                       use_tuple);
            if (ec) co_return std::pair{ec, sent};
            sent += n;
        }
        if (!socket_.native_non_blocking()) socket_.native_non_blocking(true);
        off_t offset = 0;
        const auto size = static_cast<off_t>(file.size());
        while (offset < size) {
            const auto n =
                ::sendfile(socket_.native_handle(), file.fd(), &offset, static_cast<std::size_t>(size - offset));
            if (n > 0) continue;
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                auto [ec] = co_await socket_.async_wait(tcp::socket::wait_write, use_tuple);
                if (ec) co_return std::pair{ec, head_.size() + static_cast<std::size_t>(offset)};
                continue;
            }
            // An error, or 0: the file ended early (it cannot: it is sealed).
            const beast::error_code ec(n < 0 ? errno : EIO, boost::system::system_category());
            co_return std::pair{ec, head_.size() + static_cast<std::size_t>(offset)};
        }
        co_return std::pair{beast::error_code{}, head_.size() + file.size()};
    }

    task<void> run() {
        bool first = true;
        expires_after(cfg_.header_timeout); // a new connection must send its header in time
        for (;;) {
            if (buffer_.size() == 0) {
                // Nothing buffered: answer what is queued, then wait for the next request.
                if (!co_await flush()) co_return co_await close(false);
                if (shutting_down_) break;
                if (!first) expires_after(cfg_.idle_timeout);
                set_idle(true);
                auto [ec, n] = co_await socket_.async_read_some(buffer_.prepare(read_chunk), use_tuple);
                set_idle(false);
                if (ec) co_return co_await close(false);
                buffer_.commit(n);
                if (!first) expires_after(cfg_.header_timeout);
            }
            first = false;

            parser_.emplace();
            parser_->header_limit(static_cast<std::uint32_t>(cfg_.header_limit));
            parser_->body_limit(cfg_.body_limit);
            const auto started = clock::now();
            receive_started_ = started; // this request's first byte is in the buffer
            received_ = buffer_.size();
            receiving_ = true;
            header_problem_.clear();
            header_bytes_ = 0;
            if (auto ec = co_await receive(false); ec) co_return co_await fail(ec, started);
            if (header_problem_.empty()) header_problem_ = framing_problem(parser_->get());
            if (!header_problem_.empty())
                co_return co_await refuse(problem(http::status::bad_request,
                                                  "The request is not valid HTTP/1.1: " + header_problem_, 11, false),
                                          started);
            if (!parser_->is_done()) {
                const auto expect = parser_->get()[http::field::expect];
                if (beast::iequals(expect, "100-continue")) {
                    receiving_ = false; // the client waits for us: the body's rate counts from the 100
                    if (!co_await flush()) co_return co_await close(false);
                    expires_after(cfg_.write_timeout);
                    static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
                    if (auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(cont), use_tuple); ec)
                        co_return co_await close(false);
                    receive_started_ = clock::now();
                    received_ = buffer_.size();
                    receiving_ = true;
                }
                expires_after(cfg_.body_timeout);
                if (auto ec = co_await receive(true); ec) co_return co_await fail(ec, started);
            }
            receiving_ = false;
            request req = parser_->release();
            const bool keep = req.keep_alive();

            if (queue_.empty() && buffer_.size() == 0) {
                // The common case, nothing pipelined behind it: answer inline.
                auto res = co_await server_.handler_.handle(std::move(req), client_);
                if (shutting_down_ || !keep) res.keep_alive(false);
                expires_after(cfg_.write_timeout);
                if (auto [ec, n] = co_await write(res); ec || !res.keep_alive()) co_return co_await close(false);
                continue;
            }

            auto slot = std::make_shared<pending>(ex_);
            queue_.push_back(slot);
            asio::co_spawn(ex_, server_.handler_.handle(std::move(req), client_),
                           [slot](std::exception_ptr e, response res) {
                               if (e)
                                   res = problem(http::status::internal_server_error, "The request failed.", 11, false);
                               slot->res = std::move(res);
                               slot->ready.cancel();
                           });
            if (!keep) break;
            expires_after(cfg_.header_timeout);
            if (queue_.size() >= cfg_.pipeline_limit && !co_await flush()) co_return co_await close(false);
        }
        closing_ = true;
        if (!co_await flush()) co_return co_await close(false);
        co_await close(false);
    }

    // Writes every queued response in order. False when the connection is broken.
    task<bool> flush() {
        while (!queue_.empty()) {
            auto slot = queue_.front();
            if (!slot->res) co_await slot->ready.async_wait(use_tuple);
            queue_.pop_front();
            auto& res = *slot->res;
            if (shutting_down_ || (closing_ && queue_.empty())) res.keep_alive(false);
            const bool last = !res.keep_alive();
            expires_after(cfg_.write_timeout);
            auto [ec, n] = co_await write(res);
            if (ec) co_return false;
            if (last) {
                closing_ = true;
                queue_.clear();
                buffer_.clear();
                shutting_down_ = true; // nothing more is read on this connection
                co_return true;
            }
        }
        co_return true;
    }

    // A request that could not be read: answer when the client deserves an answer.
    task<void> fail(beast::error_code ec, clock::time_point started) {
        std::optional<response> res;
        if (ec == http::error::header_limit) {
            res = problem(http::status::request_header_fields_too_large,
                          "The request header is larger than " + std::to_string(cfg_.header_limit) + " bytes.", 11,
                          false);
        } else if (ec == asio::error::message_size) {
            res = problem(http::status::bad_request,
                          "A chunk-size line or the trailer section of the chunked body is longer than " +
                              std::to_string(cfg_.header_limit) + " bytes.",
                          11, false);
        } else if (ec == http::error::body_limit) {
            res = problem(http::status::payload_too_large,
                          "The request body is larger than " + std::to_string(cfg_.body_limit) + " bytes.", 11, false);
        } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                   ec != http::error::end_of_stream && ec != http::error::partial_message) {
            res = problem(http::status::bad_request, "The request is not valid HTTP/1.1: " + ec.message() + ".", 11,
                          false);
        }
        if (!res) co_return co_await close(false);
        co_await refuse(std::move(*res), started);
    }

    // Answers a request that will not be handled (`res` says why) and closes.
    task<void> refuse(response res, clock::time_point started) {
        receiving_ = false;
        if (!co_await flush()) co_return co_await close(false);
        server_.handler_.record_rejected(res.result_int(), res.body().size(), clock::now() - started);
        expires_after(cfg_.write_timeout);
        if (auto [wec, n] = co_await write(res); wec) co_return co_await close(false);
        co_await close(true);
    }

    // Closes the connection. With `linger`, first reads and discards what the client
    // is still sending (briefly) so that it sees our answer instead of a reset.
    task<void> close(bool linger) {
        beast::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_send, ec);
        if (linger) {
            expires_after(std::chrono::seconds(1));
            std::size_t drained = 0;
            while (drained < cfg_.body_limit + 64 * 1024) {
                buffer_.clear();
                auto [rec, n] = co_await socket_.async_read_some(buffer_.prepare(read_chunk), use_tuple);
                if (rec) break;
                drained += n;
            }
        }
        socket_.close(ec);
        closed_ = true;
        watchdog_.cancel();
    }

    http_server& server_;
    const connection_limits& cfg_;
    // Everything below: only on the connection's io_context thread (ex_).
    tcp::socket socket_;
    asio::any_io_executor ex_;
    asio::steady_timer watchdog_;
    const clock::duration tick_;
    clock::time_point deadline_ = clock::time_point::max();
    beast::flat_buffer buffer_;
    std::string head_;             // the serialised header of the response being written
    std::size_t header_bytes_ = 0; // of the request being read, taken by the parser so far
    std::optional<http::request_parser<http::string_body, recycling_allocator<char>>> parser_;
    std::deque<std::shared_ptr<pending>> queue_;
    std::string client_;
    std::string header_problem_;              // why the request being read is refused, empty if it is not
    clock::time_point receive_started_;       // the first byte of the request being read
    std::size_t received_ = 0;                // its bytes received so far
    bool receiving_ = false;                  // reading a request (header or body)
    std::atomic<std::int64_t> idle_since_{0}; // see idle_since(); written here, read by the acceptor
    bool idle_ = false;
    bool closing_ = false;
    bool shutting_down_ = false;
    bool closed_ = false;
};

http_server::http_server(io_pool& pool, connection_limits limits, request_handler& handler, metrics& m)
    : pool_(pool), cfg_(std::move(limits)), handler_(handler), metrics_(m), acceptor_(pool.main()),
      acceptor_strand_(asio::make_strand(pool.main())),
      idle_evict_threshold_(cfg_.max_connections * std::min(cfg_.idle_evict_percent, 100u) / 100) {}

http_server::~http_server() = default;

unsigned short http_server::listen() {
    const tcp::endpoint ep(asio::ip::make_address(cfg_.host), cfg_.port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    return acceptor_.local_endpoint().port();
}

void http_server::start() {
    // sendfile(2) has no MSG_NOSIGNAL: a client that resets its connection while a body goes
    // out that way would raise SIGPIPE, whose default action ends the process (it did, in
    // tests/bench/feeds.sh). Asio's own sends pass MSG_NOSIGNAL; this covers the rest.
    std::signal(SIGPIPE, SIG_IGN);
    asio::co_spawn(acceptor_strand_, accept_loop(), asio::detached);
}

task<void> http_server::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(pool_.next(), use_tuple);
        if (ec) {
            if (!acceptor_.is_open() || ec == asio::error::operation_aborted) co_return;
            // Out of file descriptors or similar: back off instead of spinning.
            asio::steady_timer pause(acceptor_strand_, std::chrono::milliseconds(50));
            co_await pause.async_wait(use_tuple);
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        const auto remote = socket.remote_endpoint(ec);
        const auto address = ec ? asio::ip::address() : client_key(remote.address());
        std::shared_ptr<session> s, evicted;
        bool address_full = false;
        {
            std::lock_guard lock(mutex_);
            if (stopping_) co_return;
            auto& from_address = per_address_[address];
            if (from_address >= cfg_.max_connections_per_address) {
                address_full = true;
            } else {
                if (sessions_.size() - evicting_ >= idle_evict_threshold_) evicted = evict_longest_idle();
                if (sessions_.size() - evicting_ < cfg_.max_connections) {
                    s = std::make_shared<session>(*this, std::move(socket));
                    sessions_.emplace(s.get(), tracked{s, address, false});
                    ++from_address;
                }
            }
            if (from_address == 0) per_address_.erase(address);
        }
        if (evicted) evicted->begin_shutdown();
        if (s) {
            s->start();
        } else {
            metrics_.connection_rejected();
            asio::co_spawn(socket.get_executor(), reject(std::move(socket), address_full), asio::detached);
        }
    }
}

asio::ip::address http_server::client_key(const asio::ip::address& a) {
    if (!a.is_v6()) return a;
    const auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6);
    auto bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0); // one /64: what one client is usually given
    return asio::ip::address_v6(bytes);
}

std::shared_ptr<session> http_server::evict_longest_idle() {
    std::shared_ptr<session> oldest;
    tracked* entry = nullptr;
    std::int64_t since = 0;
    for (auto& [p, t] : sessions_) {
        if (t.evicting) continue;
        const auto idle = p->idle_since();
        if (idle == 0 || (entry && idle >= since)) continue;
        if (auto s = t.self.lock()) {
            oldest = std::move(s);
            entry = &t;
            since = idle;
        }
    }
    if (entry) {
        entry->evicting = true;
        ++evicting_;
    }
    return oldest;
}

task<void> http_server::reject(tcp::socket socket, bool address_full) {
    // Over a cap: a fixed 503, written without reading the request.
    static const auto message = [](std::string_view detail) {
        const std::string body =
            R"({"type":"https://copsched.invalid/problems/503","title":"Service Unavailable","status":503,)"
            R"("detail":")" +
            std::string(detail) + "\"}";
        return "HTTP/1.1 503 Service Unavailable\r\n"
               "Content-Type: application/problem+json\r\n"
               "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    };
    static const std::string server_full = message("Too many open connections; try again shortly.");
    static const std::string address_full_message =
        message("Too many open connections from your address; close some and try again.");
    const std::string& text = address_full ? address_full_message : server_full;
    asio::steady_timer deadline(socket.get_executor(), cfg_.write_timeout);
    deadline.async_wait([&socket](beast::error_code ec) {
        if (!ec) socket.close(ec);
    });
    co_await asio::async_write(socket, asio::buffer(text), use_tuple);
    deadline.cancel();
    beast::error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
}

void http_server::shutdown() {
    std::vector<std::shared_ptr<session>> live;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto& [p, t] : sessions_)
            if (auto s = t.self.lock()) live.push_back(std::move(s));
    }
    asio::post(acceptor_strand_, [this] {
        beast::error_code ec;
        acceptor_.close(ec);
    });
    for (auto& s : live) s->begin_shutdown();
}

std::size_t http_server::connections() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

void http_server::forget(session* s) {
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(s);
    if (it == sessions_.end()) return;
    if (it->second.evicting) --evicting_;
    if (const auto a = per_address_.find(it->second.address); a != per_address_.end() && --a->second == 0)
        per_address_.erase(a);
    sessions_.erase(it);
}

} // namespace copsched::server
