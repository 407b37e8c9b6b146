#include "server/remind/job.hpp"

#include "scheduler/clock.hpp"
#include "server/options/config.hpp"
#include "server/options/flags.hpp"
#include "server/remind/job_support.hpp"
#include "server/remind/mime.hpp"
#include "server/remind/outbox_client.hpp"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

namespace copsched::server {
namespace {

class job {
public:
    job(const remind_options& o, const std::atomic<bool>& stop, std::ostream& log, remind_totals& totals)
        : o_(o), stop_(stop), log_(log), totals_(totals), api_(o.server, o.token, o.http_timeout), smtp_(o.smtp) {}

    int run() {
        std::vector<reminder_item> items;
        std::set<std::string> tried; // with --once: ids already handled in this run
        while (!stop_.load()) {
            const auto claimed = with_retries("claim", [&] { return api_.claim(o_.limit, o_.lease, items); });
            if (claimed.status == api_status::unauthorized) return auth_failure(claimed);
            if (claimed.status != api_status::ok) {
                say() << "claim failed: " << describe(claimed) << "\n";
                if (o_.once) return remind_exit_server;
                pause_for(o_.interval, stop_);
                continue;
            }
            if (items.empty()) {
                if (o_.once) break;
                pause_for(o_.interval, stop_);
                continue;
            }
            bool offered_again = false;
            for (const auto& item : items) offered_again |= !tried.insert(item.id).second;
            const auto round = send_round(items);
            if (round == round_end::unauthorized) return remind_exit_server;
            if (round == round_end::smtp_down) {
                if (o_.once) return remind_exit_smtp;
                pause_for(o_.interval, stop_);
            }
            // A server that offers a message again within one --once run would keep the
            // job going forever; the next run picks it up.
            if (o_.once && offered_again) {
                say() << "the server offered messages again that this run already tried; stopping\n";
                break;
            }
        }
        return remind_exit_ok;
    }

private:
    enum class round_end { done, smtp_down, unauthorized };

    std::ostream& say() { return log_ << scheduler::now_utc() << " remind: "; }

    static std::string describe(const api_outcome& r) {
        std::string s = r.http_status ? "HTTP " + std::to_string(r.http_status) : std::string("no answer");
        if (!r.detail.empty()) s += ": " + r.detail;
        return s;
    }

    int auth_failure(const api_outcome& r) {
        say() << "the server refused the token (" << describe(r)
              << "); check --token, --token-file or COPSCHED_TOKEN\n";
        return remind_exit_server;
    }

    // Repeats `call` while it answers retry_later, pausing with doubling back-off (or the
    // server's Retry-After), at most options.api_attempts times.
    template <class F>
    api_outcome with_retries(const char* what, F call) {
        auto pause = o_.api_backoff;
        for (int attempt = 1;; ++attempt) {
            auto r = call();
            if (r.status != api_status::retry_later || attempt >= o_.api_attempts) return r;
            const auto wait = r.retry_after.count() > 0
                                  ? std::min<std::chrono::milliseconds>(r.retry_after, o_.api_backoff_max)
                                  : pause;
            say() << what << ": " << describe(r) << "; retrying in " << wait.count() << " ms\n";
            // A stop request shortens the wait but reports still get their tries: an
            // unreported send would be sent again after the lease.
            pause_for(wait, stop_);
            pause = std::min(pause * 2, o_.api_backoff_max);
        }
    }

    round_end send_round(const std::vector<reminder_item>& items) {
        std::string not_tried; // why the rest of the round is not tried; empty while sending
        bool smtp_down = false;
        for (const auto& item : items) {
            if (not_tried.empty() && stop_.load()) not_tried = "not sent: the reminder job stopped";
            if (!not_tried.empty()) {
                if (!report_failed(item, not_tried, false, "failed temporarily")) return round_end::unauthorized;
                continue;
            }
            if (!item.invalid.empty()) {
                if (!report_failed(item, "unreadable outbox item: " + item.invalid, true, "invalid"))
                    return round_end::unauthorized;
                continue;
            }
            const auto mail = build_mail({.from = item.from,
                                          .to = item.to,
                                          .reply_to = item.reply_to,
                                          .subject = item.subject,
                                          .message_id = item.message_id,
                                          .text = item.text,
                                          .language = item.language,
                                          .calendar = item.calendar,
                                          .date = std::chrono::system_clock::now(),
                                          .boundary_seed = item.id});
            if (!mail) {
                if (!report_failed(item, "cannot build the message: " + mail.error().detail, true, "invalid"))
                    return round_end::unauthorized;
                continue;
            }
            const auto sent = smtp_.send(item.from.email, item.to.email, mail.message());
            if (sent.ok) {
                if (!report_sent(item, sent)) return round_end::unauthorized;
                continue;
            }
            // No reply at all, or 421 "closing": the server is gone for this round.
            if (sent.code < 400 || sent.code == 421) {
                smtp_down = true;
                not_tried = "not sent: the SMTP server could not be reached (" + sent.text + ")";
            }
            const auto error = sent.code >= 400 && sent.text.rfind(std::to_string(sent.code), 0) != 0
                                   ? std::to_string(sent.code) + " " + sent.text
                                   : sent.text;
            if (!report_failed(item, error, sent.permanent,
                               sent.permanent ? "failed permanently" : "failed temporarily"))
                return round_end::unauthorized;
        }
        return smtp_down ? round_end::smtp_down : round_end::done;
    }

    void log_line(const reminder_item& item, const std::string& outcome) {
        say() << item.id << " " << (item.kind.empty() ? "-" : item.kind) << " "
              << (item.to.email.empty() ? "-" : item.to.email) << " " << outcome << "\n";
    }

    // False only when the token was refused.
    bool report_sent(const reminder_item& item, const smtp_outcome& sent) {
        ++totals_.sent;
        const auto r = with_retries("report sent", [&] { return api_.report_sent(item); });
        std::string outcome = "sent (" + std::to_string(sent.code) + ")";
        if (r.status == api_status::lease_lost)
            outcome += "; the lease was lost before the report (409): done";
        else if (r.status != api_status::ok)
            outcome += "; the sent report failed (" + describe(r) + "): it may be sent again after the lease";
        log_line(item, outcome);
        if (r.status == api_status::unauthorized) {
            auth_failure(r);
            return false;
        }
        return true;
    }

    bool report_failed(const reminder_item& item, const std::string& error, bool permanent, const char* what) {
        ++(permanent ? totals_.failed_permanent : totals_.failed_temporary);
        const auto r = with_retries("report failed", [&] { return api_.report_failed(item, error, permanent); });
        std::string outcome = std::string(what) + ": " + error;
        if (r.status == api_status::lease_lost)
            outcome += "; the lease was lost (409)";
        else if (r.status != api_status::ok)
            outcome += "; the failure report failed (" + describe(r) + ")";
        log_line(item, outcome);
        if (r.status == api_status::unauthorized) {
            auth_failure(r);
            return false;
        }
        return true;
    }

    const remind_options& o_;
    const std::atomic<bool>& stop_;
    std::ostream& log_;
    remind_totals& totals_;
    reminder_api api_;
    smtp_client smtp_;
};

std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_stop_signal(int) { stop_requested.store(true); }

// The remind flags whose text is checked or read after all are taken.
struct remind_flags {
    std::string token, token_file, interval, limit, lease, password_file, starttls;
};

// Takes every remind flag from args; the error for a flag without a value or a leftover.
std::string take_remind_flags(std::vector<std::string>& args, remind_options& o, remind_flags& f) {
    bool missing = false;
    o.server = take_flag(args, "--server", &missing);
    f.token = take_flag(args, "--token", &missing);
    f.token_file = take_flag(args, "--token-file", &missing);
    o.smtp.url = take_flag(args, "--smtp", &missing);
    o.once = take_switch(args, "--once");
    f.interval = take_flag(args, "--interval", &missing);
    f.limit = take_flag(args, "--limit", &missing);
    f.lease = take_flag(args, "--lease", &missing);
    o.smtp.username = take_flag(args, "--smtp-user", &missing);
    f.password_file = take_flag(args, "--smtp-password-file", &missing);
    f.starttls = take_flag(args, "--starttls", &missing);
    o.smtp.envelope_from = take_flag(args, "--envelope-from", &missing);
    if (missing) return "a remind flag needs a value";
    if (!args.empty()) return "unexpected argument '" + args.front() + "'";
    return {};
}

std::string check_urls(const remind_options& o) {
    if (o.server.empty() || o.smtp.url.empty()) return "remind needs --server URL and --smtp smtp://host:port";
    if (o.server.rfind("http://", 0) != 0 && o.server.rfind("https://", 0) != 0)
        return "--server must be an http:// or https:// URL";
    if (o.smtp.url.rfind("smtp://", 0) != 0 && o.smtp.url.rfind("smtps://", 0) != 0)
        return "--smtp must be an smtp:// or smtps:// URL";
    return {};
}

// The token from --token-file, --token or COPSCHED_TOKEN, in that order.
std::string read_token(const remind_flags& f, remind_options& o) {
    if (!f.token.empty() && !f.token_file.empty()) return "give --token or --token-file, not both";
    if (!f.token_file.empty()) {
        if (!read_secret_file(f.token_file, o.token)) return "cannot read the token file " + f.token_file;
    } else if (!f.token.empty()) {
        o.token = f.token;
    } else if (const char* env = std::getenv("COPSCHED_TOKEN"); env && *env) {
        o.token = env;
    }
    if (o.token.empty()) return "remind needs a token: --token, --token-file or COPSCHED_TOKEN";
    return {};
}

// --once or --interval, --limit, --lease.
std::string read_timing(const remind_flags& f, remind_options& o) {
    if (o.once && !f.interval.empty()) return "give --once or --interval, not both";
    if (!f.interval.empty() && (!parse_duration(f.interval, o.interval) || o.interval.count() <= 0))
        return "--interval must be a duration such as 60s";
    if (!f.limit.empty()) {
        try {
            std::size_t used = 0;
            o.limit = std::stoi(f.limit, &used);
            if (used != f.limit.size() || o.limit < 1 || o.limit > remind_max_limit)
                throw std::invalid_argument(f.limit);
        } catch (const std::exception&) {
            return "--limit must be a number from 1 to " + std::to_string(remind_max_limit);
        }
    }
    if (!f.lease.empty()) {
        std::chrono::milliseconds d{};
        if (!parse_duration(f.lease, d) || d < remind_min_lease)
            return "--lease must be a duration of at least " + std::to_string(remind_min_lease.count()) + "s";
        o.lease = std::chrono::duration_cast<std::chrono::seconds>(d);
    }
    return {};
}

// --smtp-password-file, --starttls, --envelope-from.
std::string read_smtp(const remind_flags& f, remind_options& o) {
    if (!f.password_file.empty()) {
        if (o.smtp.username.empty()) return "--smtp-password-file needs --smtp-user";
        if (!read_secret_file(f.password_file, o.smtp.password))
            return "cannot read the password file " + f.password_file;
    }
    if (f.starttls.empty() || f.starttls == "try")
        o.smtp.starttls = starttls_mode::opportunistic;
    else if (f.starttls == "off")
        o.smtp.starttls = starttls_mode::off;
    else if (f.starttls == "required")
        o.smtp.starttls = starttls_mode::required;
    else
        return "--starttls must be off, try or required";
    if (!o.smtp.envelope_from.empty() && !valid_mail_address(o.smtp.envelope_from))
        return "--envelope-from is not a valid address";
    return {};
}

} // namespace

std::string parse_remind_args(std::vector<std::string>& args, remind_options& o) {
    remind_flags f;
    if (auto e = take_remind_flags(args, o, f); !e.empty()) return e;
    if (auto e = check_urls(o); !e.empty()) return e;
    if (auto e = read_token(f, o); !e.empty()) return e;
    if (auto e = read_timing(f, o); !e.empty()) return e;
    return read_smtp(f, o);
}

int run_remind(const remind_options& options, const std::atomic<bool>& stop, std::ostream& log, remind_totals& totals) {
    try {
        job j(options, stop, log, totals);
        return j.run();
    } catch (const std::exception& e) {
        log << scheduler::now_utc() << " remind: " << e.what() << "\n";
        return 1;
    }
}

int remind_command(std::vector<std::string> args) {
    remind_options o;
    if (auto e = parse_remind_args(args, o); !e.empty()) {
        std::cerr << "copsched: " << e << " (see copsched --help)\n";
        return remind_exit_usage;
    }
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN); // a peer closing a TLS connection must not kill the job
    remind_totals totals;
    const int rc = run_remind(o, stop_requested, std::cerr, totals);
    std::cerr << scheduler::now_utc() << " remind: " << (stop_requested.load() ? "stopped" : "finished") << ": sent "
              << totals.sent << ", failed " << totals.failed_temporary + totals.failed_permanent << " ("
              << totals.failed_temporary << " temporary, " << totals.failed_permanent << " permanent)\n";
    return rc;
}

} // namespace copsched::server
