#pragma once
// What one copsched instance tells the others that share its PostgreSQL database, and
// hears from them: PostgreSQL's LISTEN/NOTIFY on the channel "copsched_changes". Each
// instance keeps in-memory caches (feeds, tokens) of what is in the database; a change
// committed by one instance is published here right after its commit, and every other
// instance drops what the change made out of date, within milliseconds while the
// connections are up (the README states the bound: 1 s).
//
// One thread and one connection of its own per instance: publish() queues and wakes it;
// it sends each payload with pg_notify and hands every notification from another session
// to the listener. A change written by a CLI command (storage/database_file.cpp) notifies
// with no payload. A lost connection is retried every second; once back, the instance
// publishes "" (everyone may have missed something) and hears "" itself: a listener
// treats "" as "anything may have changed".

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

struct pg_conn;

namespace copsched::storage {

class change_channel {
public:
    // Called on the channel's thread, never concurrently with itself.
    using listener = std::function<void(std::string_view payload)>;
    // PostgreSQL's limit on a payload is 8,000 bytes; a longer one is sent as "".
    static constexpr std::size_t max_payload = 7900;

    // Connects and listens before it returns (throws database_error when it cannot), so a
    // change committed by another instance after the constructor is heard.
    change_channel(std::string url, listener on_change);
    change_channel(const change_channel&) = delete;
    change_channel& operator=(const change_channel&) = delete;
    ~change_channel();

    // Queues `payload` for the other instances. Thread-safe; does not block on the network.
    void publish(std::string payload);

    std::uint64_t published() const noexcept { return published_.load(std::memory_order_relaxed); }
    std::uint64_t received() const noexcept { return received_.load(std::memory_order_relaxed); }
    std::uint64_t reconnects() const noexcept { return reconnects_.load(std::memory_order_relaxed); }

private:
    void run();
    bool connect(); // on the channel's thread after the first time
    void send_queued();
    void take_notifications();
    void wake();

    const std::string url_;
    const listener on_change_;
    pg_conn* conn_ = nullptr; // only on the channel's thread after the constructor
    int wake_fd_ = -1;
    std::mutex mutex_;
    std::deque<std::string> queue_; // guarded by mutex_
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> published_{0}, received_{0}, reconnects_{0};
    std::thread thread_;
};

} // namespace copsched::storage
