#include "server/http/recycling_allocator.hpp"

#include <array>

namespace copsched::server::detail {
namespace {

struct node {
    node* next;
};

// Trivially destructible, so usable until the thread's very end; `closed` once the
// reaper below has returned the thread's blocks (later frees go to operator delete).
struct lists {
    std::array<node*, recycled_classes> heads;
    std::array<std::size_t, recycled_classes> counts;
    bool closed;
};
thread_local lists local_lists{};

struct reaper {
    ~reaper() {
        for (auto& head : local_lists.heads) {
            while (head) {
                auto* next = head->next;
                ::operator delete(head);
                head = next;
            }
        }
        local_lists.closed = true;
    }
};
thread_local reaper local_reaper;

} // namespace

void* take_block(std::size_t bytes) {
    if (bytes == 0 || bytes > recycled_largest) return ::operator new(bytes);
    const auto c = (bytes - 1) / recycled_step;
    auto& l = local_lists;
    if (auto* n = l.heads[c]) {
        l.heads[c] = n->next;
        --l.counts[c];
        return n;
    }
    return ::operator new((c + 1) * recycled_step);
}

void give_block(void* p, std::size_t bytes) noexcept {
    if (bytes == 0 || bytes > recycled_largest) return ::operator delete(p);
    const auto c = (bytes - 1) / recycled_step;
    auto& l = local_lists;
    if (l.closed || l.counts[c] >= recycled_kept_per_class) return ::operator delete(p);
    static_cast<void>(&local_reaper); // constructed with the first kept block; frees them at thread exit
    auto* n = static_cast<node*>(p);
    n->next = l.heads[c];
    l.heads[c] = n;
    ++l.counts[c];
}

} // namespace copsched::server::detail
