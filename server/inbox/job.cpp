#include "server/inbox/job.hpp"

#include "scheduler/clock.hpp"
#include "server/inbox/replies_client.hpp"
#include "server/inbox/reply_message.hpp"
#include "server/options/config.hpp"
#include "server/options/flags.hpp"
#include "server/remind/job_support.hpp"

#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace copsched::server {
namespace {

// Fault injection for tests/inbox (kill -9 between the service's answer and the mark):
// "N" kills the job with SIGKILL just before it marks the Nth message it handed in.
int kill_before_mark() {
    const char* v = std::getenv("TEST_COPSCHED_INBOX_KILL_BEFORE_MARK");
    return v ? std::atoi(v) : 0;
}

std::string one_line(std::string s) {
    for (auto& c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    if (s.size() > 200) s.resize(200);
    return s;
}

// One message of a round: what was found in it and, after the hand-in, what came of it.
struct pending {
    std::uint32_t uid = 0;
    std::string label; // "uid 17" or "stdin"
    reply_message m;
    std::string key; // the Idempotency-Key
    enum class outcome { handed_in, skip, unauthorized, try_later } result = outcome::skip;
    std::string state; // "applied" | "refused" when handed in
    std::string line;  // the log line of the outcome
};
using outcome = pending::outcome;

// The indexes of a round's replies waiting to be handed in: the reading thread pushes, the
// workers pop until it is closed and empty. State below guarded by mutex_.
class hand_in_queue {
public:
    void push(std::size_t i) {
        {
            std::lock_guard lock(mutex_);
            items_.push_back(i);
        }
        ready_.notify_one();
    }
    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        ready_.notify_all();
    }
    // False once closed and empty.
    bool pop(std::size_t& i) {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !items_.empty() || closed_; });
        if (items_.empty()) return false;
        i = items_.front();
        items_.pop_front();
        return true;
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::size_t> items_;
    bool closed_ = false;
};

class job {
public:
    job(const inbox_options& o, const std::atomic<bool>& stop, std::ostream& log, inbox_totals& totals)
        : o_(o), stop_(stop), log_(log), totals_(totals), kill_at_(kill_before_mark()) {
        for (std::size_t i = 0; i < std::max<std::size_t>(1, o.from_stdin ? 1 : o.parallel); ++i)
            apis_.push_back(std::make_unique<replies_api>(o.server, o.token, o.http_timeout));
    }

    // One message from standard input.
    int run_stdin(std::istream& in) {
        std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (raw.size() > o_.max_message_bytes) {
            ++totals_.skipped;
            say() << "stdin skipped: a message of " << raw.size() << " bytes (more than --max-message-bytes "
                  << o_.max_message_bytes << ")\n";
            return inbox_exit_ok;
        }
        auto p = prepare(0, "stdin", raw);
        if (p.result != outcome::skip) hand_in(*apis_.front(), p);
        report(p);
        switch (p.result) {
        case outcome::handed_in:
        case outcome::skip: return inbox_exit_ok;
        case outcome::unauthorized: return inbox_exit_server;
        case outcome::try_later: return inbox_exit_tempfail;
        }
        return inbox_exit_ok;
    }

    int run_imap() {
        imap_client imap(o_.imap);
        std::set<std::uint32_t> tried; // UIDs this run handled or gave up on (left unmarked)
        while (!stop_.load()) {
            std::vector<std::uint32_t> all;
            if (auto r = imap.unhandled(all); !r.ok) {
                say() << "cannot search the mailbox: " << r.error << "\n";
                if (o_.once) return inbox_exit_imap;
                pause_for(o_.interval, stop_);
                continue;
            }
            std::vector<std::uint32_t> uids;
            for (auto u : all)
                if (!tried.count(u) && uids.size() < o_.batch) uids.push_back(u);
            if (uids.empty()) {
                if (o_.once) break;
                tried.clear(); // a new round for the messages left unmarked
                pause_for(o_.interval, stop_);
                continue;
            }
            std::map<std::uint32_t, std::uint64_t> sizes;
            if (auto r = imap.sizes(uids, sizes); !r.ok) {
                say() << "cannot read the message sizes: " << r.error << "\n";
                if (o_.once) return inbox_exit_imap;
                pause_for(o_.interval, stop_);
                continue;
            }
            const int rc = round(imap, uids, sizes, tried);
            if (rc >= 0) return rc;
        }
        return inbox_exit_ok;
    }

private:
    std::ostream& say() { return log_ << scheduler::now_utc() << " inbox: "; }

    // Handles one round: this thread fetches and reads its messages one by one (only the
    // calendar text of each is kept) while --parallel workers hand the replies in, each over
    // its own connection (the service commits concurrent replies together); then the round's
    // messages are marked (one STORE per keyword). A job killed before the mark hands them in
    // again next time, and the service replays its answers. An exit code to stop with, or -1
    // to go on.
    int round(imap_client& imap, const std::vector<std::uint32_t>& uids,
              const std::map<std::uint32_t, std::uint64_t>& sizes, std::set<std::uint32_t>& tried) {
        std::vector<pending> work;
        work.reserve(uids.size()); // no reallocation: the workers hold indexes into it
        hand_in_queue queue;
        std::vector<std::thread> workers;
        for (auto& api : apis_)
            workers.emplace_back([this, &queue, &work, api = api.get()] {
                for (std::size_t i; queue.pop(i);) hand_in(*api, work[i]);
            });
        std::string raw;
        int rc = -1;
        for (auto uid : uids) {
            if (stop_.load()) {
                rc = inbox_exit_ok;
                break;
            }
            tried.insert(uid);
            const std::string label = "uid " + std::to_string(uid);
            const auto size = sizes.find(uid);
            if (size == sizes.end()) continue; // expunged meanwhile
            if (size->second > o_.max_message_bytes) {
                pending p;
                p.uid = uid;
                p.line = label + " skipped: a message of " + std::to_string(size->second) +
                         " bytes (more than --max-message-bytes " + std::to_string(o_.max_message_bytes) + ")";
                work.push_back(std::move(p));
                continue;
            }
            if (auto r = imap.fetch(uid, raw, o_.max_message_bytes); r.too_large) {
                pending p;
                p.uid = uid;
                p.line = label + " skipped: the message has " + r.error + " (--max-message-bytes), though its " +
                         "RFC822.SIZE said " + std::to_string(size->second);
                work.push_back(std::move(p));
                continue;
            } else if (!r.ok) {
                ++totals_.failed;
                say() << label << " cannot be fetched: " << r.error << "\n";
                rc = o_.once ? inbox_exit_imap : -1;
                break;
            }
            work.push_back(prepare(uid, label, raw));
            if (work.back().result == outcome::handed_in) queue.push(work.size() - 1);
        }
        queue.close();
        for (auto& t : workers) t.join();

        std::vector<std::uint32_t> done, skipped;
        bool service_down = false;
        for (auto& p : work) {
            report(p);
            if (p.result == outcome::handed_in) {
                done.push_back(p.uid);
                ++handed_in_;
            } else if (p.result == outcome::skip) {
                skipped.push_back(p.uid);
            } else if (p.result == outcome::unauthorized) {
                rc = inbox_exit_server;
            } else {
                service_down = true;
                if (o_.once && rc == -1) rc = inbox_exit_server;
            }
        }
        if (kill_at_ > 0 && handed_in_ >= kill_at_) std::raise(SIGKILL);
        if (!mark(imap, done, inbox_done_keyword) || !mark(imap, skipped, inbox_skipped_keyword))
            return o_.once ? inbox_exit_imap : -1;
        if (service_down && rc == -1) pause_for(o_.interval, stop_);
        return rc;
    }

    bool mark(imap_client& imap, const std::vector<std::uint32_t>& uids, const char* keyword) {
        // A skipped message stays in the mailbox (for a human) even with --move-to.
        const bool is_done = std::string_view(keyword) == inbox_done_keyword;
        if (auto r = imap.mark(uids, keyword, is_done ? o_.move_to : std::string()); !r.ok) {
            say() << uids.size() << " message(s) cannot be marked " << keyword << ": " << r.error << "\n";
            return false;
        }
        return true;
    }

    pending prepare(std::uint32_t uid, const std::string& label, const std::string& raw) {
        pending p;
        p.uid = uid;
        p.label = label;
        p.m = extract_reply(raw, o_.envelope_to, o_.max_calendar_bytes);
        if (!p.m.skipped.empty()) {
            p.line = label + " " + who(p) + " skipped: " + p.m.skipped;
            return p;
        }
        // The envelope recipient is part of the hand-in: the same bytes delivered to another
        // address are another reply.
        p.key = "inbox-" + message_digest(p.m.envelope_to + "\n" + raw);
        p.result = outcome::handed_in; // until hand_in says otherwise
        return p;
    }

    static std::string who(const pending& p) { return p.m.from.empty() ? "-" : one_line(p.m.from); }

    // Runs on a worker thread: touches only `p` and its own `api`.
    void hand_in(replies_api& api, pending& p) const {
        auto pause = o_.api_backoff;
        for (int attempt = 1;; ++attempt) {
            const auto r = api.post(p.m.calendar, p.m.envelope_to, p.m.from, p.m.message_id, p.key);
            switch (r.status) {
            case reply_post_status::recorded:
                p.result = outcome::handed_in;
                p.state = r.state;
                p.line = p.label + " " + who(p) +
                         (r.state == "applied" ? std::string(" applied")
                                               : " refused: " + (r.reason.empty() ? std::string("-") : r.reason));
                return;
            case reply_post_status::rejected:
                p.result = outcome::skip;
                p.line = p.label + " " + who(p) + " skipped: the service refused the reply (HTTP " +
                         std::to_string(r.http_status) + ": " + one_line(r.detail) + ")";
                return;
            case reply_post_status::unauthorized:
                p.result = outcome::unauthorized;
                p.line = "the service refused the token (HTTP " + std::to_string(r.http_status) +
                         "); check --token, --token-file or COPSCHED_TOKEN";
                return;
            case reply_post_status::retry_later: break;
            }
            if (attempt >= o_.api_attempts || stop_.load()) {
                p.result = outcome::try_later;
                p.line = p.label + " " + who(p) + " not handed in: " +
                         (r.http_status ? "HTTP " + std::to_string(r.http_status) : std::string("no answer")) + " " +
                         one_line(r.detail) + "; left for the next round";
                return;
            }
            const auto wait = r.retry_after.count() > 0
                                  ? std::min<std::chrono::milliseconds>(r.retry_after, o_.api_backoff_max)
                                  : pause;
            pause_for(wait, stop_);
            pause = std::min(pause * 2, o_.api_backoff_max);
        }
    }

    // The log line and the totals of one message, on the job's thread.
    void report(const pending& p) {
        say() << p.line << "\n";
        switch (p.result) {
        case outcome::handed_in: ++(p.state == "applied" ? totals_.applied : totals_.refused); break;
        case outcome::skip: ++totals_.skipped; break;
        case outcome::try_later: ++totals_.failed; break;
        case outcome::unauthorized: break;
        }
    }

    const inbox_options& o_;
    const std::atomic<bool>& stop_;
    std::ostream& log_;
    inbox_totals& totals_;
    std::vector<std::unique_ptr<replies_api>> apis_; // one HTTP connection per --parallel worker
    int kill_at_ = 0;
    int handed_in_ = 0;
};

std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_inbox_stop_signal(int) { stop_requested.store(true); }

bool parse_size(const std::string& text, std::size_t min, std::size_t max, std::size_t& out) {
    try {
        std::size_t used = 0;
        const auto v = std::stoull(text, &used);
        if (used != text.size() || v < min || v > max) return false;
        out = static_cast<std::size_t>(v);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace

std::string parse_inbox_args(std::vector<std::string>& args, inbox_options& o) {
    bool missing = false;
    o.server = take_flag(args, "--server", &missing);
    const auto token = take_flag(args, "--token", &missing);
    const auto token_file = take_flag(args, "--token-file", &missing);
    o.imap.url = take_flag(args, "--imap", &missing);
    o.imap.username = take_flag(args, "--imap-user", &missing);
    const auto password_file = take_flag(args, "--imap-password-file", &missing);
    o.move_to = take_flag(args, "--move-to", &missing);
    o.from_stdin = take_switch(args, "--stdin");
    o.envelope_to = take_flag(args, "--envelope-to", &missing);
    o.once = take_switch(args, "--once");
    const auto interval = take_flag(args, "--interval", &missing);
    const auto batch = take_flag(args, "--batch", &missing);
    const auto parallel = take_flag(args, "--parallel", &missing);
    const auto max_message = take_flag(args, "--max-message-bytes", &missing);
    const auto max_calendar = take_flag(args, "--max-calendar-bytes", &missing);
    if (missing) return "an inbox flag needs a value";
    if (!args.empty()) return "unexpected argument '" + args.front() + "'";

    if (o.server.empty()) return "inbox needs --server URL";
    if (o.server.rfind("http://", 0) != 0 && o.server.rfind("https://", 0) != 0)
        return "--server must be an http:// or https:// URL";
    if (o.from_stdin == !o.imap.url.empty()) return "inbox needs either --imap URL or --stdin";
    if (!o.imap.url.empty() && o.imap.url.rfind("imap://", 0) != 0 && o.imap.url.rfind("imaps://", 0) != 0)
        return "--imap must be an imap:// or imaps:// URL";
    if (o.from_stdin && (o.once || !interval.empty() || !o.move_to.empty() || !o.imap.username.empty()))
        return "--stdin reads one message: --once, --interval, --move-to and --imap-user are for --imap";
    if (!o.from_stdin && !o.envelope_to.empty()) return "--envelope-to is for --stdin";
    if (o.move_to.find_first_of("\"\\\r\n") != std::string::npos)
        return "--move-to must not contain quotes, backslashes or line breaks";

    if (!token.empty() && !token_file.empty()) return "give --token or --token-file, not both";
    if (!token_file.empty()) {
        if (!read_secret_file(token_file, o.token)) return "cannot read the token file " + token_file;
    } else if (!token.empty()) {
        o.token = token;
    } else if (const char* env = std::getenv("COPSCHED_TOKEN"); env && *env) {
        o.token = env;
    }
    if (o.token.empty()) return "inbox needs a token: --token, --token-file or COPSCHED_TOKEN";
    if (!password_file.empty()) {
        if (o.imap.username.empty()) return "--imap-password-file needs --imap-user";
        if (!read_secret_file(password_file, o.imap.password)) return "cannot read the password file " + password_file;
    }
    if (o.once && !interval.empty()) return "give --once or --interval, not both";
    if (!interval.empty() && (!parse_duration(interval, o.interval) || o.interval.count() <= 0))
        return "--interval must be a duration such as 60s";
    if (!batch.empty() && !parse_size(batch, 1, inbox_max_batch, o.batch))
        return "--batch must be a number from 1 to " + std::to_string(inbox_max_batch);
    if (!parallel.empty() && !parse_size(parallel, 1, inbox_max_parallel, o.parallel))
        return "--parallel must be a number from 1 to " + std::to_string(inbox_max_parallel);
    if (!max_message.empty() && !parse_size(max_message, 1024, std::size_t{1} << 30, o.max_message_bytes))
        return "--max-message-bytes must be a number from 1024 to 1073741824";
    if (!max_calendar.empty() && !parse_size(max_calendar, 1024, std::size_t{64} << 20, o.max_calendar_bytes))
        return "--max-calendar-bytes must be a number from 1024 to 67108864";
    return {};
}

int run_inbox(const inbox_options& options, const std::atomic<bool>& stop, std::istream& in, std::ostream& log,
              inbox_totals& totals) {
    try {
        job j(options, stop, log, totals);
        return options.from_stdin ? j.run_stdin(in) : j.run_imap();
    } catch (const std::exception& e) {
        log << scheduler::now_utc() << " inbox: " << e.what() << "\n";
        return options.from_stdin ? inbox_exit_tempfail : 1;
    }
}

int inbox_command(std::vector<std::string> args) {
    inbox_options o;
    if (auto e = parse_inbox_args(args, o); !e.empty()) {
        std::cerr << "copsched: " << e << " (see copsched --help)\n";
        return inbox_exit_usage;
    }
    struct sigaction sa {};
    sa.sa_handler = on_inbox_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    inbox_totals totals;
    const int rc = run_inbox(o, stop_requested, std::cin, std::cerr, totals);
    std::cerr << scheduler::now_utc() << " inbox: " << (stop_requested.load() ? "stopped" : "finished") << ": applied "
              << totals.applied << ", refused " << totals.refused << ", skipped " << totals.skipped
              << ", left for later " << totals.failed << "\n";
    return rc;
}

} // namespace copsched::server
