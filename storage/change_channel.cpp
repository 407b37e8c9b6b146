#include "storage/change_channel.hpp"

#include "storage/sql.hpp"

#include <libpq-fe.h>
#include <sqlite3.h> // the result codes (storage/sql.hpp)

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace copsched::storage {

namespace {

constexpr const char* channel_listen = "LISTEN copsched_changes";

bool ok(PGresult* r) {
    const bool good = r && (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
    PQclear(r);
    return good;
}

} // namespace

change_channel::change_channel(std::string url, listener on_change)
    : url_(std::move(url)), on_change_(std::move(on_change)) {
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) throw database_error(SQLITE_IOERR, "change channel: eventfd failed");
    if (!connect()) {
        std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
        if (conn_) PQfinish(conn_);
        conn_ = nullptr;
        ::close(wake_fd_);
        throw database_error(SQLITE_CANTOPEN, "change channel: cannot listen on PostgreSQL: " + msg);
    }
    thread_ = std::thread([this] { run(); });
}

change_channel::~change_channel() {
    stopping_.store(true);
    wake();
    if (thread_.joinable()) thread_.join();
    if (conn_) PQfinish(conn_);
    ::close(wake_fd_);
}

void change_channel::publish(std::string payload) {
    if (payload.size() > max_payload) payload.clear();
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(payload));
    }
    wake();
}

void change_channel::wake() {
    const std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
}

bool change_channel::connect() {
    if (conn_) PQfinish(conn_);
    conn_ = PQconnectdb(url_.c_str());
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) return false;
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    return ok(PQexec(conn_, channel_listen));
}

void change_channel::send_queued() {
    std::deque<std::string> sending;
    {
        std::lock_guard lock(mutex_);
        sending.swap(queue_);
    }
    // What queued while the last ones were sent goes out in one statement, so in one
    // transaction (PostgreSQL then delivers each distinct payload once) and one round trip:
    // under a booking load a commit every few milliseconds queues two payloads each.
    constexpr std::size_t per_statement = 64;
    std::vector<std::string_view> distinct;
    for (const auto& payload : sending)
        if (std::find(distinct.begin(), distinct.end(), payload) == distinct.end()) distinct.push_back(payload);
    for (std::size_t from = 0; from < distinct.size(); from += per_statement) {
        const auto n = std::min(per_statement, distinct.size() - from);
        std::string sql = "SELECT pg_notify('copsched_changes', v) FROM (VALUES ";
        std::vector<std::string> values;
        std::vector<const char*> pointers;
        values.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            sql += (i ? ", ($" : "($") + std::to_string(i + 1) + "::text)";
            values.emplace_back(distinct[from + i]);
            pointers.push_back(values.back().c_str());
        }
        sql += ") AS t(v)";
        if (!ok(PQexecParams(conn_, sql.c_str(), static_cast<int>(n), nullptr, pointers.data(), nullptr, nullptr, 0)))
            return; // lost
        published_.fetch_add(n, std::memory_order_relaxed);
    }
}

void change_channel::take_notifications() {
    const int self = PQbackendPID(conn_);
    while (PGnotify* n = PQnotifies(conn_)) {
        if (n->be_pid != self) {
            received_.fetch_add(1, std::memory_order_relaxed);
            try {
                on_change_(n->extra ? n->extra : "");
            } catch (...) {} // a listener's failure must not end the channel
        }
        PQfreemem(n);
    }
}

void change_channel::run() {
    pthread_setname_np(pthread_self(), "db-changes");
    while (!stopping_.load()) {
        if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
            // Lost: retry every second; once back, everyone (this instance too) resyncs.
            if (!connect()) {
                pollfd w{wake_fd_, POLLIN, 0};
                (void)::poll(&w, 1, 1000);
                std::uint64_t drained;
                (void)!::read(wake_fd_, &drained, sizeof drained);
                continue;
            }
            reconnects_.fetch_add(1, std::memory_order_relaxed);
            {
                std::lock_guard lock(mutex_);
                queue_.clear();
                queue_.push_back(""); // the others may have missed this instance's changes
            }
            try {
                on_change_(""); // and this one may have missed theirs
            } catch (...) {}
        }
        pollfd fds[2] = {{PQsocket(conn_), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        (void)::poll(fds, 2, 1000);
        if (fds[1].revents & POLLIN) {
            std::uint64_t drained;
            (void)!::read(wake_fd_, &drained, sizeof drained);
        }
        if (stopping_.load()) break;
        send_queued();
        if (PQconsumeInput(conn_) == 0) {
            PQfinish(conn_);
            conn_ = nullptr;
            continue;
        }
        take_notifications();
    }
}

} // namespace copsched::storage
