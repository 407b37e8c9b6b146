#include "server/cli/admin_commands.hpp"

#include "scheduler/clock.hpp"
#include "scheduler/demo.hpp"
#include "scheduler/demo_history.hpp"
#include "server/api/auth.hpp"
#include "server/cli/command_support.hpp"
#include "server/options/flags.hpp"
#include "storage/database_file.hpp"
#include "storage/sql_database.hpp"

#include <iostream>

namespace copsched::server {
namespace {

int token_create(const config& cfg, std::vector<std::string> args) {
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
        auto st =
            storage::write_once(cfg.database, cfg.db_busy_timeout_ms, [&](scheduler::store& s) -> scheduler::status {
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

int token_list(const config& cfg, const std::vector<std::string>& args) {
    if (int rc = check_no_more(args)) return rc;
    auto st = storage::read_once(cfg.database, cfg.db_busy_timeout_ms, [](scheduler::store& s) -> scheduler::status {
        auto tokens = s.list_tokens();
        if (!tokens) return tokens.err();
        for (const auto& t : *tokens)
            std::cout << t.id << "\t" << scheduler::to_string(t.role) << "\t" << t.programme_slug.value_or("-") << "\t"
                      << t.name << "\tcreated " << t.created_at << "\tlast used " << t.last_used_at.value_or("never")
                      << (t.revoked_at ? "\trevoked " + *t.revoked_at : "") << "\n";
        return scheduler::ok();
    });
    return st ? 0 : fail(st.err());
}

int token_revoke(const config& cfg, const std::vector<std::string>& args) {
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

} // namespace

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
    if (sub == "create") return token_create(cfg, std::move(args));
    if (sub == "list") return token_list(cfg, args);
    if (sub == "revoke") return token_revoke(cfg, args);
    return fail("unknown token subcommand '" + sub + "'", 2);
}

int cmd_seed_demo(const config& cfg, std::vector<std::string> args) {
    const bool if_empty = take_switch(args, "--if-empty");
    const bool history = take_switch(args, "--history");
    if (int rc = check_no_more(args)) return rc;
    return with_writer_lock(cfg, [&] {
        bool seeded = false;
        scheduler::demo_history_summary past;
        auto st =
            storage::write_once(cfg.database, cfg.db_busy_timeout_ms, [&](scheduler::store& s) -> scheduler::status {
                if (if_empty) {
                    auto n = s.count_programmes();
                    if (!n) return n.err();
                    if (*n > 0) return scheduler::ok();
                }
                const auto now = scheduler::now_utc();
                auto r = s.seed_demo(scheduler::demo_programme(), now);
                if (!r) return r.err();
                seeded = *r;
                if (seeded && history) {
                    auto p = s.get_programme(scheduler::demo_programme().prog.slug);
                    if (!p) return p.err();
                    auto h = scheduler::seed_demo_history(s, *p, now);
                    if (!h) return h.err();
                    past = *h;
                }
                return scheduler::ok();
            });
        if (!st) return fail(st.err());
        std::cout << (seeded ? "seeded the demo programme '" + scheduler::demo_programme().prog.slug + "'"
                             : std::string("the database already has programmes; nothing seeded"))
                  << "\n";
        if (seeded && history)
            std::cout << "with its history: " << past.cop_meetings << " CoP meetings, " << past.sessions
                      << " working group sessions, " << past.answers << " answers and " << past.presences
                      << " presence records\n";
        return 0;
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

} // namespace copsched::server
