#include "server/cli/commands.hpp"

#include "scheduler/clock.hpp"
#include "scheduler/demo.hpp"
#include "server/api/auth.hpp"
#include "server/options/config.hpp"
#include "server/api/dispatch.hpp"
#include "server/api/routes.hpp"
#include "server/http/http_server.hpp"
#include "server/http/io_pool.hpp"
#include "server/http/metrics.hpp"
#include "server/api/planning_handlers.hpp"
#include "server/options/flags.hpp"
#include "server/remind/job.hpp"
#include "server/api/services.hpp"
#include "storage/database_file.hpp"
#include "storage/sqlite_database.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cctype>
#include <filesystem>
#include <iostream>
#include <thread>

namespace copsched::server {
namespace {

constexpr const char* usage = R"(copsched - the calendar of a Community of Practice

Usage: copsched [OPTIONS] COMMAND [ARGS]

Commands:
  serve                      run the HTTP service (migrates the database first)
  migrate                    create or upgrade the database schema, then exit
  token create --role ROLE [--name NAME] [--programme SLUG]
               [--working-group ID]... [--person ID]
                             create an API token; prints the secret once
  token list                 list tokens (never their secrets)
  token revoke ID            revoke a token; it fails on its very next use
  seed-demo [--if-empty]     add the demo programme "Green Deal Circulair Inkopen 2.0"
  backup FILE                write a consistent copy of the live database to FILE
  plan --programme SLUG --year YEAR [--count N] [--start-times HH:MM,...] [--apply]
                             print the best CoP year plan with its reasons and
                             alternatives; --apply books it (tentative CoP meetings)
  remind --server URL --smtp smtp://HOST:PORT [--once | --interval 60s]
         [--token T | --token-file F] [--limit 20] [--lease 300s]
         [--smtp-user U --smtp-password-file F] [--starttls off|try|required]
         [--envelope-from ADDR]
                             the e-mail reminder job: claims due messages from the
                             service at URL, sends them over SMTP (smtps:// for TLS from
                             the start; STARTTLS default try), reports each one sent or
                             failed. --once drains what is due and exits; otherwise it
                             polls every --interval until SIGTERM/SIGINT (finishing the
                             message in flight). The token comes from --token, --token-file
                             or COPSCHED_TOKEN (prefer the file: flags show in ps).
                             --envelope-from sets the bounce address (default: From).
                             Exit 0 ok, 2 usage, 3 token refused or server unusable
                             (--once), 4 SMTP unreachable (--once)
  routes                     list the HTTP routes (method and path template)
  version                    print the version
  help, --help               this text

Commands that change data (migrate, token create/revoke, seed-demo, plan --apply) refuse to run
while a server holds the database; use the HTTP API then (POST /api/v1/tokens,
POST /api/v1/programmes/{slug}/plans).

Options (each also as environment variable; flags win):
)";

void print_help(std::ostream& out) {
    out << usage;
    for (const auto& o : describe_options()) {
        std::string flag = "  " + o.flag + " VALUE";
        if (flag.size() < 34) flag.resize(34, ' ');
        out << flag << o.help << "\n" << std::string(34, ' ') << "default " << o.value << ", env " << o.env << "\n";
    }
}

int fail(const std::string& message, int code = 1) {
    std::cerr << "copsched: " << message << "\n";
    return code;
}

int fail(const scheduler::error& e) {
    std::string text = e.detail;
    for (const auto& f : e.fields) text += "\n  " + f.field + ": " + f.problem;
    return fail(text);
}

int check_no_more(const std::vector<std::string>& args) {
    if (!args.empty()) return fail("unexpected argument '" + args.front() + "' (see copsched --help)", 2);
    return 0;
}

void ensure_parent(const std::string& path) {
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
}

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
    l.pipeline_limit = c.pipeline_limit;
    return l;
}

// Runs a data-changing command while holding the database's writer lock.
int with_writer_lock(const config& cfg, const std::function<int()>& f) {
    ensure_parent(cfg.database);
    storage::writer_lock lock(cfg.database);
    if (!lock.acquire())
        return fail("the database " + cfg.database +
                    " is in use by a running copsched server; stop it first or use the HTTP API");
    auto m = storage::migrate_file(cfg.database, cfg.db_busy_timeout_ms);
    if (!m) return fail(m.err());
    return f();
}

int cmd_migrate(const config& cfg) {
    ensure_parent(cfg.database);
    storage::writer_lock lock(cfg.database);
    if (!lock.acquire()) return fail("the database " + cfg.database + " is in use by a running copsched server");
    auto m = storage::migrate_file(cfg.database, cfg.db_busy_timeout_ms);
    if (!m) return fail(m.err());
    std::cout << "schema version " << m->to_version << " (applied " << m->applied << " migration"
              << (m->applied == 1 ? "" : "s") << ")\n";
    return 0;
}

int cmd_token(const config& cfg, std::vector<std::string> args) {
    if (args.empty()) return fail("token needs a subcommand: create, list or revoke", 2);
    const auto sub = args.front();
    args.erase(args.begin());
    if (sub == "create") {
        scheduler::new_api_token t;
        const auto role = take_flag(args, "--role");
        const auto parsed = scheduler::parse<scheduler::token_role>(role);
        if (!parsed) return fail("--role must be admin, organiser or participant", 2);
        t.role = *parsed;
        t.name = take_flag(args, "--name");
        if (t.name.empty()) t.name = role + " token";
        if (auto p = take_flag(args, "--programme"); !p.empty()) t.programme_slug = p;
        for (auto g = take_flag(args, "--working-group"); !g.empty(); g = take_flag(args, "--working-group"))
            t.working_group_ids.push_back(g);
        if (auto p = take_flag(args, "--person"); !p.empty()) t.person_id = p;
        if (int rc = check_no_more(args)) return rc;
        const auto issued = generate_token();
        t.lookup_prefix = issued.prefix;
        t.secret_hash = issued.secret_hash;
        return with_writer_lock(cfg, [&] {
            std::string id;
            auto st = storage::write_once(cfg.database, cfg.db_busy_timeout_ms, [&](scheduler::store& s) -> scheduler::status {
                const auto now = scheduler::now_utc();
                auto r = s.create_token(t, now);
                if (!r) return r.err();
                id = r->id;
                return s.append_audit({"cli", "token.create", "api_token", r->id, "{\"role\":\"" + role + "\"}"}, now);
            });
            if (!st) return fail(st.err());
            std::cerr << "created " << role << " token " << id << " (shown once; only its hash is stored)\n";
            std::cout << issued.secret << "\n";
            return 0;
        });
    }
    if (sub == "list") {
        if (int rc = check_no_more(args)) return rc;
        auto st = storage::read_once(cfg.database, cfg.db_busy_timeout_ms, [](scheduler::store& s) -> scheduler::status {
            auto tokens = s.list_tokens();
            if (!tokens) return tokens.err();
            for (const auto& t : *tokens)
                std::cout << t.id << "\t" << scheduler::to_string(t.role) << "\t" << t.programme_slug.value_or("-")
                          << "\t" << t.name << "\tcreated " << t.created_at << "\tlast used "
                          << t.last_used_at.value_or("never") << (t.revoked_at ? "\trevoked " + *t.revoked_at : "")
                          << "\n";
            return scheduler::ok();
        });
        return st ? 0 : fail(st.err());
    }
    if (sub == "revoke") {
        if (args.size() != 1) return fail("usage: copsched token revoke ID", 2);
        const auto id = args.front();
        return with_writer_lock(cfg, [&] {
            auto st = storage::write_once(cfg.database, cfg.db_busy_timeout_ms, [&](scheduler::store& s) {
                const auto now = scheduler::now_utc();
                auto r = s.revoke_token(id, now);
                if (!r) return r;
                return s.append_audit({"cli", "token.revoke", "api_token", id, "{}"}, now);
            });
            if (!st) return fail(st.err());
            std::cout << "revoked " << id << "\n";
            return 0;
        });
    }
    return fail("unknown token subcommand '" + sub + "'", 2);
}

int cmd_seed_demo(const config& cfg, std::vector<std::string> args) {
    const bool if_empty = take_switch(args, "--if-empty");
    if (int rc = check_no_more(args)) return rc;
    return with_writer_lock(cfg, [&] {
        bool seeded = false;
        auto st = storage::write_once(cfg.database, cfg.db_busy_timeout_ms, [&](scheduler::store& s) -> scheduler::status {
            if (if_empty) {
                auto n = s.count_programmes();
                if (!n) return n.err();
                if (*n > 0) return scheduler::ok();
            }
            auto r = s.seed_demo(scheduler::demo_programme(), scheduler::now_utc());
            if (!r) return r.err();
            seeded = *r;
            return scheduler::ok();
        });
        if (!st) return fail(st.err());
        std::cout << (seeded ? "seeded the demo programme '" + scheduler::demo_programme().prog.slug + "'"
                             : std::string("the database already has programmes; nothing seeded"))
                  << "\n";
        return 0;
    });
}

int cmd_plan(const config& cfg, std::vector<std::string> args) {
    const bool apply = take_switch(args, "--apply");
    const auto slug = take_flag(args, "--programme");
    const auto year_text = take_flag(args, "--year");
    const auto count_text = take_flag(args, "--count");
    const auto times_text = take_flag(args, "--start-times");
    if (int rc = check_no_more(args)) return rc;
    if (slug.empty() || year_text.empty())
        return fail("usage: copsched plan --programme SLUG --year YEAR [--count N] [--start-times HH:MM,...] [--apply]", 2);
    plan_options o;
    try {
        std::size_t used = 0;
        o.year = std::stoi(year_text, &used);
        if (used != year_text.size()) throw std::invalid_argument(year_text);
        if (!count_text.empty()) {
            const int n = std::stoi(count_text, &used);
            if (used != count_text.size() || n < 1 || n > 12) throw std::invalid_argument(count_text);
            o.count = static_cast<std::size_t>(n);
        }
    } catch (const std::exception&) {
        return fail("--year must be a year and --count a number from 1 to 12", 2);
    }
    for (std::size_t pos = 0; pos < times_text.size();) {
        auto comma = times_text.find(',', pos);
        if (comma == std::string::npos) comma = times_text.size();
        const auto t = times_text.substr(pos, comma - pos);
        if (t.size() != 5 || t[2] != ':' || !std::isdigit(static_cast<unsigned char>(t[0])) ||
            !std::isdigit(static_cast<unsigned char>(t[1])) || !std::isdigit(static_cast<unsigned char>(t[3])) ||
            !std::isdigit(static_cast<unsigned char>(t[4])))
            return fail("--start-times must be times HH:MM separated by commas", 2);
        o.start_times.push_back(std::stoi(t.substr(0, 2)) * 60 + std::stoi(t.substr(3, 2)));
        pos = comma + 1;
    }
    auto run = [&](scheduler::store& s, bool book) -> scheduler::status {
        auto p = s.get_programme(slug);
        if (!p) return p.err();
        auto plan = make_year_plan(s, *p, o);
        if (!plan) return plan.err();
        std::cout << plan_table(*plan, *p, o.year);
        if (!book) return scheduler::ok();
        std::vector<plan_booking_failure> blocked;
        auto events = apply_year_plan(s, *p, *plan, o.year, scheduler::event_status::tentative, blocked);
        if (!events) {
            auto e = events.err();
            for (const auto& b : blocked)
                for (const auto& c : b.conflicts) e.fields.push_back({b.start, c.detail});
            return e;
        }
        std::string ids;
        for (const auto& e : *events) ids += (ids.empty() ? "\"" : ",\"") + e.id + "\"";
        std::cout << "\nbooked " << events->size() << " tentative CoP meetings\n";
        return s.append_audit({"cli", "plan.apply", "programme", p->id,
                               "{\"year\":" + std::to_string(o.year) + ",\"events\":[" + ids + "]}"},
                              scheduler::now_utc());
    };
    if (!apply) {
        auto st = storage::read_once(cfg.database, cfg.db_busy_timeout_ms, [&](scheduler::store& s) { return run(s, false); });
        return st ? 0 : fail(st.err());
    }
    return with_writer_lock(cfg, [&] {
        auto st = storage::write_once(cfg.database, cfg.db_busy_timeout_ms, [&](scheduler::store& s) { return run(s, true); });
        return st ? 0 : fail(st.err());
    });
}

int cmd_backup(const config& cfg, std::vector<std::string> args) {
    if (args.size() != 1) return fail("usage: copsched backup FILE", 2);
    auto st = storage::backup_file(cfg.database, args.front(), cfg.db_busy_timeout_ms);
    if (!st) return fail(st.err());
    auto check = storage::integrity_check(args.front(), cfg.db_busy_timeout_ms);
    if (!check || *check != "ok") return fail("the backup " + args.front() + " failed its integrity check");
    std::cout << "backup written to " << args.front() << " (integrity_check ok)\n";
    return 0;
}

int cmd_serve(config cfg, std::vector<std::string> args) {
    if (int rc = check_no_more(args)) return rc;
    ensure_parent(cfg.database);
    storage::writer_lock lock(cfg.database);
    if (!lock.acquire()) return fail("the database " + cfg.database + " is in use by another copsched server");
    auto m = storage::migrate_file(cfg.database, cfg.db_busy_timeout_ms);
    if (!m) return fail(m.err());

    // Personal feed URLs come from the feed key; the stored hashes follow it (people added
    // by seed-demo or the CLI, or every URL when the key file was lost and made anew).
    std::optional<feed_key> secret;
    try {
        bool created = false;
        secret.emplace(feed_key::load_or_create(cfg.feed_key_file.empty() ? cfg.database + ".feed-key" : cfg.feed_key_file,
                                                created));
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    int rehashed = 0;
    auto synced = storage::write_once(cfg.database, cfg.db_busy_timeout_ms, [&](scheduler::store& s) -> scheduler::status {
        auto states = s.feed_token_states();
        if (!states) return states.err();
        for (const auto& st : *states) {
            const auto hash = secret->token_hash(st.person_id, st.generation);
            if (st.hash == hash) continue;
            if (auto r = s.set_feed_token(st.person_id, st.generation, hash); !r) return r;
            ++rehashed;
        }
        return scheduler::ok();
    });
    if (!synced) return fail(synced.err());
    if (rehashed > 0) std::cerr << "personal feed URLs set for " << rehashed << " people\n";
    feed_cache feeds(cfg.feed_cache_mib << 20);
    token_cache tokens;
    std::unique_ptr<storage::sqlite_database> db;
    try {
        db = std::make_unique<storage::sqlite_database>(storage::sqlite_database::options{
            cfg.database, cfg.db_readers, cfg.db_busy_timeout_ms, cfg.db_write_batch, cfg.db_cache_mib, cfg.db_checkpoint_pages,
            [&tokens](const std::set<std::string>& tables) { tokens.tables_changed(tables); }});
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    metrics stats;
    auth_throttle throttle(cfg.auth_failure_limit, cfg.auth_failure_window);
    touch_debouncer touches(cfg.token_touch_interval);
    services svc{cfg, *db, stats, throttle, touches, tokens, *secret, feeds};
    dispatcher dispatch(svc, make_routes());

    io_pool pool(cfg.threads);
    auto& ioc = pool.main();
    http_server server(pool, connection_limits_of(cfg), dispatch, stats);
    try {
        cfg.port = server.listen();
    } catch (const std::exception& e) {
        return fail("cannot listen on " + cfg.host + ":" + std::to_string(cfg.port) + ": " + e.what());
    }
    server.start();

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
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

    std::cout << "copsched " << COPSCHED_VERSION << " listening on http://" << cfg.host << ":" << cfg.port
              << (cfg.public_url.empty() ? std::string() : " (public URL " + cfg.public_url + ")") << " (database "
              << cfg.database << ", " << cfg.threads << " I/O thread" << (cfg.threads == 1 ? "" : "s") << ")"
              << std::endl;

    pool.run();
    db->stop(); // finishes queued writes, checkpoints and closes the database
    std::cerr << scheduler::now_utc() << " stopped cleanly\n";
    return 0;
}

} // namespace

int run_cli(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    for (const auto& a : args)
        if (a == "--help" || a == "-h" || a == "help") {
            print_help(std::cout);
            return 0;
        }
    config cfg;
    if (auto e = apply_environment(cfg); !e.empty()) return fail(e, 2);
    if (auto e = apply_flags(cfg, args); !e.empty()) return fail(e, 2);
    if (args.empty()) {
        print_help(std::cerr);
        return 2;
    }
    const auto command = args.front();
    args.erase(args.begin());
    try {
        if (command == "serve") return cmd_serve(cfg, args);
        if (command == "migrate") return check_no_more(args) ? 2 : cmd_migrate(cfg);
        if (command == "token") return cmd_token(cfg, args);
        if (command == "seed-demo") return cmd_seed_demo(cfg, args);
        if (command == "backup") return cmd_backup(cfg, args);
        if (command == "plan") return cmd_plan(cfg, args);
        if (command == "remind") return remind_command(args);
        if (command == "routes") {
            if (int rc = check_no_more(args)) return rc;
            const auto table = make_routes();
            for (const auto& r : table.routes())
                std::cout << http::to_string(r.method) << " " << r.path << "\n";
            return 0;
        }
        if (command == "version") {
            std::cout << "copsched " << COPSCHED_VERSION << "\n";
            return 0;
        }
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    return fail("unknown command '" + command + "' (see copsched --help)", 2);
}

} // namespace copsched::server
