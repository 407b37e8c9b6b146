#pragma once
// Text that arrives from clients (JSON strings, decoded path segments and query values)
// and text that goes back to them in problem details.

#include <cstddef>
#include <string>
#include <string_view>

namespace copsched::server {

// Checks UTF-8 validity (no overlong forms, surrogates or code points past U+10FFFF),
// length in code points and control characters (newline and tab allowed when
// `multiline`). Returns the problem text ("is not valid UTF-8", ...), or empty when
// acceptable.
[[nodiscard]] std::string text_problem(std::string_view s, std::size_t max_chars, bool multiline);

// `s` with every byte that is not part of valid UTF-8 replaced by U+FFFD, so that a
// problem detail that quotes client input stays valid JSON text.
[[nodiscard]] std::string valid_utf8(std::string_view s);

} // namespace copsched::server
