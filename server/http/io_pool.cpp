#include "server/http/io_pool.hpp"

#include <pthread.h>

#include <string>

namespace copsched::server {

io_pool::io_pool(unsigned threads) {
    for (unsigned i = 0; i < std::max(1u, threads); ++i) {
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
        guards_.push_back(boost::asio::make_work_guard(*contexts_.back()));
    }
}

boost::asio::io_context& io_pool::next() {
    return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void io_pool::run() {
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < contexts_.size(); ++i)
        threads.emplace_back([c = contexts_[i].get(), i] {
            pthread_setname_np(pthread_self(), ("http-io-" + std::to_string(i)).c_str());
            c->run();
        });
    contexts_.front()->run();
    for (auto& t : threads) t.join();
}

void io_pool::stop() {
    for (auto& c : contexts_) c->stop();
}

} // namespace copsched::server
