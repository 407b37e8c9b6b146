#include "server/cli/serve.hpp"

#include "scheduler/clock.hpp"
#include "server/api/auth.hpp"
#include "server/api/dispatch.hpp"
#include "server/api/instance_sync.hpp"
#include "server/api/services.hpp"
#include "server/cli/command_support.hpp"
#include "server/http/http_server.hpp"
#include "server/http/io_pool.hpp"
#include "server/http/metrics.hpp"
#include "server/pages/site.hpp"
#include "storage/change_channel.hpp"
#include "storage/database_file.hpp"
#include "storage/sql_database.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <set>

namespace copsched::server {
namespace {

// Where the HTTP layer listens and the limits of its connections.
connection_limits connection_limits_of(const config& c) {
    connection_limits l;
    l.host = c.host;
    l.port = c.port;
    l.body_limit = c.body_limit;
    l.header_limit = c.header_limit;
    l.header_timeout = c.header_timeout;
    l.body_timeout = c.body_timeout;
    l.idle_timeout = c.idle_timeout;
    l.write_timeout = c.write_timeout;
    l.max_connections = c.max_connections;
    l.max_connections_per_address = connections_per_address(c);
    l.idle_evict_percent = c.idle_evict_percent;
    l.min_receive_rate = c.min_receive_rate;
    l.min_receive_grace = c.min_receive_grace;
    l.pipeline_limit = c.pipeline_limit;
    return l;
}

// Every connection is a file descriptor: raises the soft open-file limit to the hard one,
// sizes --max-connections from it when not given (default_max_connections) and says so
// on standard error.
void size_connections(config& cfg) {
    rlimit lim{};
    std::uint64_t open_files = 1024;
    std::string limit_note = "open-file limit unknown";
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
        const auto before = lim.rlim_cur;
        std::string outcome;
        if (lim.rlim_cur < lim.rlim_max) {
            auto raised = lim;
            raised.rlim_cur = lim.rlim_max;
            if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
                lim = raised;
            else
                outcome = " (raising it failed: " + std::string(std::strerror(errno)) + ")";
        }
        const auto show = [](rlim_t v) { return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v); };
        open_files = lim.rlim_cur == RLIM_INFINITY ? std::numeric_limits<std::uint64_t>::max() : lim.rlim_cur;
        limit_note = lim.rlim_cur == before
                         ? "open-file limit " + show(before) + " (hard limit " + show(lim.rlim_max) + ")" + outcome
                         : "open-file limit raised from " + show(before) + " to the hard limit " + show(lim.rlim_cur);
    }
    const bool derived = cfg.max_connections == 0;
    if (derived) cfg.max_connections = default_max_connections(open_files);
    std::cerr << scheduler::now_utc() << " " << limit_note << "; max-connections " << cfg.max_connections
              << (derived ? " (min(10000, open-file limit - 128))" : "") << ", per address "
              << connections_per_address(cfg) << '\n';
}

// Personal feed URLs come from the feed key; the stored hashes follow it (people added
// by seed-demo or the CLI, or every URL when the key file was lost and made anew).
scheduler::status sync_feed_tokens(const config& cfg, const feed_key& secret) {
    int rehashed = 0;
    auto synced =
        storage::write_once(cfg.database, cfg.db_busy_timeout_ms, [&](scheduler::store& s) -> scheduler::status {
            auto states = s.feed_token_states();
            if (!states) return states.err();
            for (const auto& st : *states) {
                const auto hash = secret.token_hash(st.person_id, st.generation);
                if (st.hash == hash) continue;
                if (auto r = s.set_feed_token(st.person_id, st.generation, hash); !r) return r;
                ++rehashed;
            }
            return scheduler::ok();
        });
    if (synced && rehashed > 0) std::cerr << "personal feed URLs set for " << rehashed << " people\n";
    return synced;
}

// On SIGINT/SIGTERM: stop accepting, give open connections up to shutdown_timeout, then
// stop the pool (pool.run() returns).
void stop_on_signal(asio::signal_set& signals, http_server& server, io_pool& pool, const config& cfg) {
    auto& ioc = pool.main();
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        std::cerr << scheduler::now_utc() << " received signal " << sig << ", shutting down (in-flight requests get "
                  << std::chrono::duration_cast<std::chrono::seconds>(cfg.shutdown_timeout).count() << "s)\n";
        server.shutdown();
        asio::co_spawn(
            ioc,
            [&]() -> task<void> {
                const auto deadline = std::chrono::steady_clock::now() + cfg.shutdown_timeout;
                asio::steady_timer tick(ioc);
                while (server.connections() > 0 && std::chrono::steady_clock::now() < deadline) {
                    tick.expires_after(std::chrono::milliseconds(20));
                    co_await tick.async_wait(asio::use_awaitable);
                }
                if (server.connections() > 0)
                    std::cerr << scheduler::now_utc() << " shutdown deadline passed with " << server.connections()
                              << " connection(s) open\n";
                pool.stop();
            },
            asio::detached);
    });
}

// Listens and answers until a signal stops the pool; closes the database cleanly.
int run_service(config& cfg, const feed_key& secret) {
    feed_cache feeds(cfg.feed_cache_mib << 20, cfg.feed_background_renders == 0
                                                   ? static_cast<std::size_t>(cfg.db_readers)
                                                   : cfg.feed_background_renders);
    token_cache tokens;
    // Instances sharing a PostgreSQL database tell each other what they changed
    // (server/api/instance_sync.hpp); declared before the database, which publishes into it
    // until it stops.
    std::unique_ptr<storage::change_channel> channel;
    const bool shared_database = storage::is_postgresql_url(cfg.database);
    std::unique_ptr<storage::sql_database> db;
    try {
        storage::sql_database::options o{cfg.database,
                                         cfg.db_readers,
                                         cfg.db_busy_timeout_ms,
                                         cfg.db_write_batch,
                                         cfg.db_cache_mib,
                                         cfg.db_checkpoint_pages,
                                         [&tokens, &feeds, &channel](const std::set<std::string>& tables) {
                                             tokens.tables_changed(tables);
                                             if (channel) channel->publish(tables_payload(tables));
                                             // Feed changes reported inside the committed transaction, reported again now
                                             // that the data is visible (server/api/feed_cache.hpp, record_changes).
                                             feeds.replay_recorded_changes();
                                         }};
        o.max_mib = cfg.db_max_mib;
        o.reader_cache_mib = cfg.db_reader_cache_mib;
        if (shared_database) {
            // Listening before the database opens: nothing another instance commits after
            // this instance's first read goes unheard.
            channel =
                std::make_unique<storage::change_channel>(cfg.database, [&feeds, &tokens](std::string_view payload) {
                    apply_instance_change(payload, feeds, tokens);
                });
            feeds.set_publisher([&channel](const std::string& programme_id, const std::vector<std::string>& keys,
                                           feed_cache::change how) {
                if (channel) channel->publish(feed_change_payload(programme_id, keys, how));
            });
        }
        db = std::make_unique<storage::sql_database>(std::move(o));
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    metrics stats;
    auth_throttle throttle(cfg.auth_failure_limit, cfg.auth_failure_window);
    touch_debouncer touches(cfg.token_touch_interval);
    services svc{cfg, *db, stats, throttle, touches, tokens, secret, feeds};
    dispatcher dispatch(svc, pages::make_site_routes());

    io_pool pool(cfg.threads);
    size_connections(cfg);
    http_server server(pool, connection_limits_of(cfg), dispatch, stats);
    try {
        cfg.port = server.listen();
    } catch (const std::exception& e) {
        return fail("cannot listen on " + cfg.host + ":" + std::to_string(cfg.port) + ": " + e.what());
    }
    server.start();
    asio::signal_set signals(pool.main(), SIGINT, SIGTERM);
    stop_on_signal(signals, server, pool, cfg);

    std::cout << "copsched " << COPSCHED_VERSION << " listening on http://" << cfg.host << ":" << cfg.port
              << (cfg.public_url.empty() ? std::string() : " (public URL " + cfg.public_url + ")") << " (database "
              << storage::describe_database(cfg.database) << ", " << cfg.threads << " I/O thread"
              << (cfg.threads == 1 ? "" : "s") << ")" << std::endl;

    pool.run();
    db->stop(); // finishes queued writes, checkpoints and closes the database
    std::cerr << scheduler::now_utc() << " stopped cleanly\n";
    return 0;
}

} // namespace

int cmd_serve(config cfg, std::vector<std::string> args) {
    if (int rc = check_no_more(args)) return rc;
    ensure_parent(cfg.database);
    storage::writer_lock lock(cfg.database);
    if (!lock.acquire()) return fail("the database " + cfg.database + " is in use by another copsched server");
    auto m = storage::migrate_file(cfg.database, cfg.db_busy_timeout_ms);
    if (!m) return fail(m.err());
    if (storage::is_postgresql_url(cfg.database) && cfg.feed_key_file.empty())
        return fail("--feed-key-file is required with a PostgreSQL database: every instance must sign feed URLs "
                    "with the same key (give each instance the same file)");
    std::optional<feed_key> secret;
    try {
        bool created = false;
        secret.emplace(feed_key::load_or_create(
            cfg.feed_key_file.empty() ? cfg.database + ".feed-key" : cfg.feed_key_file, created));
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    if (auto synced = sync_feed_tokens(cfg, *secret); !synced) return fail(synced.err());
    return run_service(cfg, *secret);
}

} // namespace copsched::server
