#pragma once
// Internal to scheduler/*.cpp: the API names of an enum's values as one constant table,
// and the to_string/parse pair that model.hpp declares for each enum, made from it.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace copsched::scheduler::detail {

template <class E, std::size_t N>
using name_table = std::array<std::pair<E, std::string_view>, N>;

template <class E, std::size_t N>
constexpr std::string_view name_of(const name_table<E, N>& table, E value) noexcept {
    for (const auto& [v, name] : table)
        if (v == value) return name;
    return "unknown";
}

template <class E, std::size_t N>
constexpr std::optional<E> value_of(const name_table<E, N>& table, std::string_view name) noexcept {
    for (const auto& [v, n] : table)
        if (n == name) return v;
    return std::nullopt;
}

} // namespace copsched::scheduler::detail

// Defines to_string(type) and parse<type> from `table` (a detail::name_table); use at
// namespace copsched::scheduler scope.
#define COPSCHED_ENUM_NAMES(type, table)                                                                               \
    std::string_view to_string(type v) noexcept { return detail::name_of(table, v); }                                  \
    template <>                                                                                                        \
    std::optional<type> parse<type>(std::string_view s) noexcept {                                                     \
        return detail::value_of(table, s);                                                                             \
    }
