#pragma once
// Helpers for the unit tests that use the Python test tools in tests/integration
// (smtp_sink.py, mail_summary.py) through Debian's /usr/bin/python3. A missing tool or
// package fails the test with the reason; nothing is skipped.

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace copsched::testing {

inline const std::string python = "/usr/bin/python3";
inline const std::string tools_dir = std::string(COPSCHED_SOURCE_DIR) + "/tests/integration";

// A fresh directory under the system temp dir, removed at scope exit.
class temp_dir {
public:
    temp_dir() {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("copsched-ut-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
                 std::to_string(std::random_device{}() % 100000));
        std::filesystem::create_directories(path_);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::string str() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

// Runs a shell command; returns its stdout and sets `status` to the exit code.
inline std::string run_command(const std::string& command, int& status) {
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 4096> buf{};
    for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) out.append(buf.data(), n);
    const int rc = ::pclose(p);
    status = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
    return out;
}

// Fails the test (loudly, with the reason) unless /usr/bin/python3 can import `module`.
inline void require_python_module(const std::string& module, const std::string& debian_package) {
    int status = 0;
    const auto out = run_command(python + " -c 'import " + module + "' 2>&1", status);
    INFO("python3 module " << module << " is missing: install the Debian package " << debian_package
                           << " (deploy/lib.sh TEST_PACKAGES)\n"
                           << out);
    REQUIRE(status == 0);
}

// mail_summary.py over a directory or one .eml file, parsed.
inline boost::json::array mail_summary(const std::string& target) {
    require_python_module("icalendar", "python3-icalendar");
    int status = 0;
    const auto out = run_command(python + " " + tools_dir + "/mail_summary.py '" + target + "' 2>&1", status);
    INFO(out);
    REQUIRE(status == 0);
    return boost::json::parse(out).as_array();
}

// smtp_sink.py on a free loopback port, stopped (SIGTERM) at scope exit. Its stdin is a
// pipe held here, so it also exits if the test process dies.
class smtp_sink {
public:
    explicit smtp_sink(const std::vector<std::string>& options = {}) {
        require_python_module("aiosmtpd", "python3-aiosmtpd");
        std::vector<std::string> args{python, tools_dir + "/smtp_sink.py", dir_.str()};
        args.insert(args.end(), options.begin(), options.end());
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        int in[2], out[2];
        REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
        REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        const int rc = ::posix_spawn(&pid_, python.c_str(), &fa, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        ::close(in[0]);
        ::close(out[1]);
        stdin_ = in[1];
        REQUIRE(rc == 0);
        // The first line is "PORT <n>"; anything else (a traceback goes to stderr) means it failed.
        std::string line;
        for (char c; line.size() < 200 && ::read(out[0], &c, 1) == 1 && c != '\n';) line += c;
        ::close(out[0]);
        INFO("smtp_sink.py did not start (see its stderr above)");
        REQUIRE(line.rfind("PORT ", 0) == 0);
        port_ = std::stoi(line.substr(5));
    }
    ~smtp_sink() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int st = 0;
            ::waitpid(pid_, &st, 0);
        }
        if (stdin_ >= 0) ::close(stdin_);
    }
    smtp_sink(const smtp_sink&) = delete;
    smtp_sink& operator=(const smtp_sink&) = delete;

    int port() const { return port_; }
    std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
    std::string dir() const { return dir_.str(); }

private:
    temp_dir dir_;
    pid_t pid_ = -1;
    int stdin_ = -1;
    int port_ = 0;
};

} // namespace copsched::testing
