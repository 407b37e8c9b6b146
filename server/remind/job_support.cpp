#include "server/remind/job_support.hpp"

#include <algorithm>
#include <fstream>
#include <thread>

namespace copsched::server {

bool read_secret_file(const std::string& path, std::string& out) {
    std::ifstream in(path);
    if (!in || !std::getline(in, out)) return false;
    while (!out.empty() && (out.back() == '\r' || out.back() == ' ' || out.back() == '\t')) out.pop_back();
    return true;
}

void pause_for(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
    constexpr auto step = std::chrono::milliseconds(100);
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stop.load() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(step, until - std::chrono::steady_clock::now()));
}

} // namespace copsched::server
