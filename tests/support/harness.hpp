#pragma once
// Integration harness: runs the real copsched binary on a free loopback port with a
// temporary SQLite database, and talks HTTP/1.1 to it over plain sockets. Every
// later issue's integration tests reuse it.

#include <boost/json/value.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace copsched::testing {

struct cli_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs `copsched ARGS...` to completion.
cli_result run_copsched(const std::vector<std::string>& args);

struct http_reply {
    int status = 0;
    std::map<std::string, std::string> headers; // lower-case names; repeated Set-Cookie values joined by '\n'
    std::string body;
    std::string header(const std::string& name) const;
    boost::json::value json() const; // throws on invalid JSON
};

// A raw TCP connection to 127.0.0.1:port, for keep-alive, pipelining and misbehaving
// clients.
class connection {
public:
    explicit connection(unsigned short port);
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection();
    void send(const std::string& bytes);
    // Reads one response (status line, headers, Content-Length body). nullopt when the
    // peer closes first or the timeout passes.
    // A reply to HEAD has no body whatever its Content-Length says.
    std::optional<http_reply> read_reply(std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                         bool head_request = false);
    // True when the server closes the connection within `timeout` (reads and discards).
    bool closed_within(std::chrono::milliseconds timeout);
    int fd() const { return fd_; }

private:
    bool fill(std::chrono::steady_clock::time_point deadline);
    int fd_ = -1;
    std::string buffer_;
};

class server_process {
public:
    // Creates a temporary directory with a migrated database holding the demo
    // programme and an admin token, then starts `copsched serve --port 0` with
    // `extra_args`, waiting until it listens. A non-empty `database_dir` holds the
    // database instead of the temporary directory (which keeps the logs).
    explicit server_process(std::vector<std::string> extra_args = {}, const std::string& database_dir = {});
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;
    ~server_process();

    // One request on a fresh connection ("Connection: close").
    http_reply request(const std::string& method, const std::string& target, const std::string& body = {},
                       const std::map<std::string, std::string>& headers = {}) const;
    // The same with "Authorization: Bearer token" and, when a body is given,
    // "Content-Type: application/json".
    http_reply call(const std::string& method, const std::string& target, const std::string& token,
                    const std::string& body = {}) const;

    // Sends a signal and waits for the exit; returns the exit code (128+signal when
    // killed by a signal), or -1 if it did not exit within the timeout.
    int stop(int signal_number, std::chrono::milliseconds timeout = std::chrono::seconds(20));
    bool running() const { return pid_ > 0; }
    int pid() const { return pid_; }
    std::string log() const; // everything the server wrote to standard error

    unsigned short port = 0;
    std::string dir;
    std::string database;
    std::string admin_token;

private:
    int pid_ = -1;
};

// Text of a file, empty when missing.
std::string read_file(const std::string& path);

} // namespace copsched::testing
