#pragma once
// The allocator of the header fields of every request and response (server/http/http.hpp).
// Beast keeps each field in a block of its own (about 60 bytes plus name and value), so a
// cached feed's answer allocates and frees ten of them; with glibc's malloc that cost
// about 150 instructions a block (its per-thread cache holds 7 blocks a size, and a
// thread answering 32 connections frees them in bursts). Here freed blocks of up to
// 512 bytes wait in a per-thread list by size class (64-byte steps), at most 256 a
// class, for the next field of that size. A block may be freed on
// another thread than the one that took it (a response built on the database thread):
// it then joins that thread's list. Larger blocks, and blocks beyond the cap, go to
// operator new and delete. Measured: tests/bench/feeds.sh (docs/PERFORMANCE.md).

#include <cstddef>
#include <new>

namespace copsched::server {
namespace detail {

inline constexpr std::size_t recycled_step = 64;
inline constexpr std::size_t recycled_classes = 8;
inline constexpr std::size_t recycled_largest = recycled_step * recycled_classes; // 512 bytes
inline constexpr std::size_t recycled_kept_per_class = 256;

// A block of at least `bytes` bytes (from the calling thread's list when it has one).
void* take_block(std::size_t bytes);
// Returns a block `take_block(bytes)` gave (on any thread).
void give_block(void* p, std::size_t bytes) noexcept;

} // namespace detail

template <class T>
struct recycling_allocator {
    using value_type = T;
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);

    recycling_allocator() noexcept = default;
    template <class U>
    recycling_allocator(const recycling_allocator<U>&) noexcept {}

    T* allocate(std::size_t n) {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
        return static_cast<T*>(detail::take_block(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t n) noexcept { detail::give_block(p, n * sizeof(T)); }

    template <class U>
    friend bool operator==(const recycling_allocator&, const recycling_allocator<U>&) noexcept {
        return true;
    }
};

} // namespace copsched::server
