#include "server/cli/commands.hpp"

#include "server/cli/admin_commands.hpp"
#include "server/cli/command_support.hpp"
#include "server/cli/copy_database_command.hpp"
#include "server/cli/plan_command.hpp"
#include "server/cli/serve.hpp"
#include "server/inbox/job.hpp"
#include "server/options/config.hpp"
#include "server/pages/site.hpp"
#include "server/remind/job.hpp"

#include <iostream>

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
  seed-demo [--if-empty] [--history]
                             add the demo programme "Green Deal Circulair Inkopen 2.0";
                             --history: with its past (year plans 2018-2026 booked, working
                             group sessions, answers and presence of past events)
  backup FILE                write a consistent copy of the live database to FILE
  copy-database --from FILE --to postgresql://...
                             copy a SQLite database (also while its server runs) into
                             an empty PostgreSQL database in one transaction: migrates
                             the target, refuses one with rows or another schema
                             version, checks row counts and sampled rows before COMMIT
                             (docs/POSTGRESQL.md). --database is not used
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
  inbox --server URL (--imap imaps://HOST/MAILBOX --imap-user U --imap-password-file F
         [--once | --interval 60s] [--move-to FOLDER] [--batch 100] [--parallel 4]
         | --stdin [--envelope-to ADDR]) [--token T | --token-file F]
         [--max-message-bytes 10485760] [--max-calendar-bytes 262144]
                             the reply job: reads the programme's reply mailbox (see
                             mail.reply_address) over IMAP, or one message on standard
                             input (an MTA pipe), finds each Accept/Tentative/Decline
                             (iMIP REPLY) and hands it to POST /api/v1/replies; marks each
                             message $CopschedDone (or moves it with --move-to) once the
                             service answered, $CopschedSkipped when it holds no reply.
                             Exit 0 ok, 2 usage, 3 token refused or server unusable
                             (--once), 4 IMAP unusable (--once), 75 (--stdin) try later
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
        if (flag.size() < 34)
            flag.resize(34, ' ');
        else
            flag += ' ';
        out << flag << o.help << "\n" << std::string(34, ' ') << "default " << o.value << ", env " << o.env << "\n";
    }
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
        if (command == "copy-database") return cmd_copy_database(cfg, args);
        if (command == "plan") return cmd_plan(cfg, args);
        if (command == "remind") return remind_command(args);
        if (command == "inbox") return inbox_command(args);
        if (command == "routes") {
            if (int rc = check_no_more(args)) return rc;
            const auto table = pages::make_site_routes();
            for (const auto& r : table.routes()) std::cout << http::to_string(r.method) << " " << r.path << "\n";
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
