#include "tests/support/harness.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace copsched::testing {
namespace {

std::string make_temp_dir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    auto dir =
        std::filesystem::temp_directory_path() / ("copsched-it-" + std::to_string(::getpid()) + "-" +
                                                  std::to_string(counter++) + "-" + std::to_string(rd() % 100000));
    std::filesystem::create_directories(dir);
    return dir.string();
}

// Spawns copsched with stdout/stderr redirected to files; returns the pid.
int spawn(const std::vector<std::string>& args, const std::string& out_path, const std::string& err_path) {
    std::vector<std::string> argv_s{COPSCHED_BINARY};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    // The tests' own environment must not configure the server behind their back.
    std::vector<char*> env;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "COPSCHED_", 9) != 0) env.push_back(*e);
    env.push_back(nullptr);
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), env.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " COPSCHED_BINARY ": " + std::string(std::strerror(rc)));
    return pid;
}

int wait_exit(int pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const int r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (std::chrono::steady_clock::now() > deadline) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// With COPSCHED_EXCHANGE_LOG_DIR set, every exchange made through server_process::request
// is appended as one JSON line to DIR/<pid>.jsonl; tests/openapi checks them against
// docs/openapi.json after the suite has run.
void record_exchange(const std::string& method, const std::string& target,
                     const std::map<std::string, std::string>& headers, const std::string& body,
                     const http_reply& reply) {
    const char* dir = std::getenv("COPSCHED_EXCHANGE_LOG_DIR");
    if (!dir || !*dir) return;
    std::string request_type;
    for (const auto& [k, v] : headers)
        if (lower(k) == "content-type") request_type = v;
    boost::json::object line;
    line["method"] = method;
    line["target"] = target;
    line["request_content_type"] = request_type;
    line["request_body"] = body;
    line["status"] = reply.status;
    line["response_content_type"] = reply.header("content-type");
    line["response_body"] = reply.body;
    const auto text = boost::json::serialize(line) + "\n";
    static std::mutex m;
    const std::lock_guard lock(m);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    std::ofstream out(std::string(dir) + "/" + std::to_string(::getpid()) + ".jsonl", std::ios::binary | std::ios::app);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot record the exchange in " + std::string(dir));
}

} // namespace

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

cli_result run_copsched(const std::vector<std::string>& args) {
    static std::atomic<int> n{0};
    const auto base = std::filesystem::temp_directory_path() /
                      ("copsched-cli-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    const auto out = base.string() + ".out", err = base.string() + ".err";
    const int pid = spawn(args, out, err);
    cli_result r;
    r.exit_code = wait_exit(pid, std::chrono::seconds(60));
    r.out = read_file(out);
    r.err = read_file(err);
    std::filesystem::remove(out);
    std::filesystem::remove(err);
    return r;
}

std::string http_reply::header(const std::string& name) const {
    const auto it = headers.find(lower(name));
    return it == headers.end() ? std::string() : it->second;
}

boost::json::value http_reply::json() const { return boost::json::parse(body); }

connection::connection(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("connect to port " + std::to_string(port) + " failed: " + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

connection::~connection() {
    if (fd_ >= 0) ::close(fd_);
}

void connection::send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error("send failed: " + std::string(std::strerror(errno)));
        sent += static_cast<std::size_t>(n);
    }
}

bool connection::fill(std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[16384];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
}

std::optional<http_reply> connection::read_reply(std::chrono::milliseconds timeout, bool head_request) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto end = buffer_.find("\r\n\r\n");
        if (end != std::string::npos) {
            http_reply r;
            std::istringstream head(buffer_.substr(0, end));
            std::string line;
            std::getline(head, line);
            if (line.size() < 12) return std::nullopt;
            r.status = std::stoi(line.substr(9, 3));
            while (std::getline(head, line)) {
                if (!line.empty() && line.back() == '\r') line.pop_back();
                const auto colon = line.find(':');
                if (colon == std::string::npos) continue;
                auto value = line.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                auto& field = r.headers[lower(line.substr(0, colon))];
                // Set-Cookie may come several times: each value on a line of its own.
                field = field.empty() || lower(line.substr(0, colon)) != "set-cookie" ? value : field + "\n" + value;
            }
            if (r.status == 100) { // interim response: drop it and read on
                buffer_.erase(0, end + 4);
                continue;
            }
            std::size_t length = 0;
            if (auto it = r.headers.find("content-length"); it != r.headers.end() && !head_request)
                length = std::stoul(it->second);
            while (buffer_.size() < end + 4 + length)
                if (!fill(deadline)) return std::nullopt;
            r.body = buffer_.substr(end + 4, length);
            buffer_.erase(0, end + 4 + length);
            return r;
        }
        if (!fill(deadline)) return std::nullopt;
    }
}

bool connection::closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
        char buf[4096];
        const auto n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) return true;
    }
}

server_process::server_process(std::vector<std::string> extra_args, const std::string& database_dir) {
    dir = make_temp_dir();
    database = (database_dir.empty() ? dir : database_dir) + "/copsched.db";
    const std::vector<std::string> db{"--database", database};
    auto seed = run_copsched({"--database", database, "seed-demo"});
    if (seed.exit_code != 0) throw std::runtime_error("seed-demo failed: " + seed.err);
    auto token = run_copsched({"--database", database, "token", "create", "--role", "admin", "--name", "tests"});
    if (token.exit_code != 0) throw std::runtime_error("token create failed: " + token.err);
    admin_token = token.out.substr(0, token.out.find('\n'));

    // A feed asked for right after a change waits for its new version however slow the
    // build (sanitizers, a loaded machine): tests see each change in the next answer. The
    // default, serving the previous version after 50 ms, is tested in
    // tests/server/api/feed_serving_test.cpp; extra_args may set it.
    std::vector<std::string> args{"--database",          database, "--host", "127.0.0.1", "--port", "0",
                                  "--feed-refresh-wait", "60s"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    args.push_back("serve");
    pid_ = spawn(args, dir + "/stdout.txt", dir + "/stderr.txt");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto out = read_file(dir + "/stdout.txt");
        const auto at = out.find("listening on http://127.0.0.1:");
        if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
            port = static_cast<unsigned short>(std::stoi(out.substr(at + 30)));
            return;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("copsched serve exited at start: " + log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop(SIGKILL);
    throw std::runtime_error("copsched serve did not start listening: " + log());
}

server_process::~server_process() {
    if (pid_ > 0 && stop(SIGTERM) < 0) stop(SIGKILL);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

int server_process::stop(int signal_number, std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal_number);
    const int code = wait_exit(pid_, timeout);
    if (code >= 0) pid_ = -1;
    return code;
}

std::string server_process::log() const { return read_file(dir + "/stderr.txt"); }

http_reply server_process::request(const std::string& method, const std::string& target, const std::string& body,
                                   const std::map<std::string, std::string>& headers) const {
    connection c(port);
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
        req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    c.send(req);
    auto r = c.read_reply(std::chrono::seconds(30), method == "HEAD");
    if (!r) throw std::runtime_error("no response to " + method + " " + target);
    record_exchange(method, target, headers, body, *r);
    return *r;
}

http_reply server_process::call(const std::string& method, const std::string& target, const std::string& token,
                                const std::string& body) const {
    std::map<std::string, std::string> h;
    if (!token.empty()) h["Authorization"] = "Bearer " + token;
    if (!body.empty()) h["Content-Type"] = "application/json";
    return request(method, target, body, h);
}

} // namespace copsched::testing
