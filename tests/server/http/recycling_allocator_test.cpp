#include "server/http/http.hpp"
#include "server/http/recycling_allocator.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace copsched::server;

TEST_CASE("recycling_allocator hands a freed block of the same size class back to its thread", "[server][alloc]") {
    recycling_allocator<char> a;
    char* first = a.allocate(100); // the class of 65-128 bytes
    std::memset(first, 'x', 100);
    a.deallocate(first, 100);
    char* again = a.allocate(120);
    CHECK(again == first);
    std::memset(again, 'y', 120); // the block is big enough for any size of its class
    a.deallocate(again, 120);
    // Blocks of another class, and blocks over 512 bytes, are not that one.
    char* other = a.allocate(200);
    CHECK(other != first);
    a.deallocate(other, 200);
    char* big = a.allocate(4096);
    std::memset(big, 'z', 4096);
    a.deallocate(big, 4096);
}

TEST_CASE("recycling_allocator keeps a bounded number of blocks and accepts frees from other threads",
          "[server][alloc]") {
    recycling_allocator<char> a;
    std::vector<char*> blocks;
    for (int i = 0; i < 1000; ++i) blocks.push_back(a.allocate(64));
    // Freed on another thread: they join that thread's lists (at most 256) and are
    // returned to the heap when it ends (ASan's leak check runs this test too).
    std::thread([&] {
        for (auto* b : blocks) a.deallocate(b, 64);
        // The first 256 freed were kept, the last of them on top; the rest went to the heap.
        char* reused = a.allocate(64);
        CHECK(reused == blocks[detail::recycled_kept_per_class - 1]);
        a.deallocate(reused, 64);
    }).join();
}

TEST_CASE("header fields in recycled blocks keep their values through many requests", "[server][alloc]") {
    for (int round = 0; round < 200; ++round) {
        response res{http::status::ok, 11};
        const std::string etag = "\"" + std::string(static_cast<std::size_t>(round % 90), 'e') + "\"";
        res.set(http::field::etag, etag);
        res.set(http::field::content_type, "text/calendar; charset=utf-8");
        res.set(http::field::cache_control, std::string(static_cast<std::size_t>(round), 'c'));
        request req{http::verb::get, "/feeds/people/" + std::string(static_cast<std::size_t>(round), 't') + ".ics", 11};
        CHECK(res[http::field::etag] == etag);
        CHECK(res[http::field::cache_control].size() == static_cast<std::size_t>(round));
        CHECK(req.target().size() == 18 + static_cast<std::size_t>(round));
    }
}
