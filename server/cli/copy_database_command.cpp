#include "server/cli/copy_database_command.hpp"

#include "server/cli/command_support.hpp"
#include "server/options/flags.hpp"
#include "storage/copy_database.hpp"
#include "storage/database_file.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

namespace copsched::server {
namespace {

constexpr const char* copy_usage = "usage: copsched copy-database --from FILE --to postgresql://...";

// "12 s", "3 min 20 s", "1 h 05 min": how long the rest takes at the rate so far.
std::string duration_text(double seconds) {
    const auto s = static_cast<long long>(seconds + 0.5);
    char buf[48];
    if (s < 60)
        std::snprintf(buf, sizeof buf, "%lld s", s);
    else if (s < 3600)
        std::snprintf(buf, sizeof buf, "%lld min %02lld s", s / 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%lld h %02lld min", s / 3600, s % 3600 / 60);
    return buf;
}

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", s);
    return buf;
}

// Draws the progress: on a terminal one line rewritten in place about 4 times a second;
// elsewhere (a log, a pipe) a line per table when it is copied.
class progress_display {
public:
    explicit progress_display(bool terminal) : terminal_(terminal) {}

    void operator()(const storage::copy_progress& p) {
        using clock = std::chrono::steady_clock;
        const auto now = clock::now();
        if (!terminal_) {
            if (p.at == storage::copy_progress::phase::table_copied)
                std::cerr << "copied " << p.table << ": " << p.table_total << " rows\n";
            return;
        }
        if (p.at == storage::copy_progress::phase::copying && now - drawn_ < std::chrono::milliseconds(250)) return;
        drawn_ = now;
        const double elapsed = std::chrono::duration<double>(now - started_).count();
        std::string line;
        if (p.at == storage::copy_progress::phase::checking) {
            line = "checking " + p.table + " (row count and sampled rows)";
        } else {
            const double rate = elapsed > 0 ? static_cast<double>(p.rows) / elapsed : 0;
            const int percent = p.total ? static_cast<int>(100 * p.rows / p.total) : 100;
            line = "copying " + p.table + ": " + std::to_string(p.rows) + " of " + std::to_string(p.total) + " rows (" +
                   std::to_string(percent) + "%), " + std::to_string(static_cast<long long>(rate)) + " rows/s";
            // The first second (connecting, migrating the target) says little about the rate.
            if (rate > 0 && elapsed >= 1)
                line += ", " + duration_text(static_cast<double>(p.total - p.rows) / rate) + " left";
        }
        std::cerr << "\r\033[K" << line << std::flush; // \033[K clears what a longer line left
    }

    // Clears the progress line before the summary.
    void finish() {
        if (terminal_) std::cerr << "\r\033[K" << std::flush;
    }

private:
    bool terminal_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point drawn_{};
};

} // namespace

int cmd_copy_database(const config& cfg, std::vector<std::string> args) {
    bool missing = false;
    storage::copy_request request;
    request.source = take_flag(args, "--from", &missing);
    request.target = take_flag(args, "--to", &missing);
    if (missing || request.source.empty() || request.target.empty()) return fail(copy_usage, 2);
    if (int rc = check_no_more(args)) return rc;
    if (storage::is_postgresql_url(request.source))
        return fail("--from is the SQLite file to copy, not a URL (" + std::string(copy_usage) + ")", 2);
    if (!storage::is_postgresql_url(request.target))
        return fail("--to must be a PostgreSQL URL postgresql://... (" + std::string(copy_usage) + ")", 2);
    request.busy_timeout_ms = cfg.db_busy_timeout_ms;
    progress_display display(::isatty(STDERR_FILENO) == 1);
    request.progress = [&](const storage::copy_progress& p) { display(p); };

    auto copied = storage::copy_database(request);
    display.finish();
    if (!copied) return fail(copied.err());
    const double rate = copied->seconds > 0 ? static_cast<double>(copied->rows) / copied->seconds : 0;
    std::cout << "copied " << copied->tables << " tables, " << copied->rows << " rows in "
              << seconds_text(copied->seconds) << " (" << static_cast<long long>(rate) << " rows/s) from "
              << request.source << " to " << storage::describe_database(request.target) << " at schema version "
              << copied->schema_version << "; row counts and " << copied->rows_compared
              << " sampled rows match the source\n";
    return 0;
}

} // namespace copsched::server
