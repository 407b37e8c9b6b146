#pragma once
// Reads a fuzzer's bytes as a sequence of small choices and strings: each target takes
// what it needs from the front (a byte per choice, a length byte per string) and usually
// the rest as its main text. Deterministic: the same bytes give the same values. Works
// without libFuzzer (the replay drivers of the normal builds use it too).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace copsched::fuzz {

class input {
public:
    input(const std::uint8_t* data, std::size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

    bool empty() const noexcept { return rest_.empty(); }

    // The next byte, 0 when none is left.
    std::uint8_t byte() noexcept {
        if (rest_.empty()) return 0;
        const auto b = static_cast<std::uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return b;
    }

    // A value in [lo, hi] (hi - lo < 65536), from two bytes.
    int in_range(int lo, int hi) noexcept {
        const int span = hi - lo + 1;
        const int v = (byte() << 8) | byte();
        return lo + v % span;
    }

    bool flag() noexcept { return (byte() & 1) != 0; }

    // One of the n choices of an array.
    template <class T, std::size_t N>
    const T& pick(const T (&choices)[N]) noexcept {
        return choices[byte() % N];
    }

    // A string of up to max bytes: a length byte, then that many bytes (fewer when the
    // input ends).
    std::string text(std::size_t max = 255) {
        const std::size_t n = std::min<std::size_t>({byte(), max, rest_.size()});
        std::string s(rest_.substr(0, n));
        rest_.remove_prefix(n);
        return s;
    }

    // Everything that is left.
    std::string_view rest() noexcept {
        const auto r = rest_;
        rest_ = {};
        return r;
    }

private:
    std::string_view rest_;
};

// Stops the process so that libFuzzer (or the replay driver) reports the input: an
// oracle of a target found a wrong answer. FUZZ_CHECK names the line of the oracle.
[[noreturn]] inline void fail(const char* file = "", int line = 0) {
    std::fprintf(stderr, "fuzz check failed: %s:%d\n", file, line);
    std::fflush(stderr);
    __builtin_trap();
}

inline void check(bool condition, const char* file, int line) {
    if (!condition) fail(file, line);
}

} // namespace copsched::fuzz

#define FUZZ_CHECK(condition) ::copsched::fuzz::check((condition), __FILE__, __LINE__)
