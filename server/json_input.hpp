#pragma once
// Reading request bodies into commands. Every problem is reported with the field at
// fault; unknown fields are rejected; text is checked for length and control characters.

#include "scheduler/model.hpp"
#include "scheduler/result.hpp"
#include "server/http.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace copsched::server {

// Parses a JSON object body. errc::malformed for a wrong Content-Type, invalid JSON or
// a non-object.
scheduler::result<boost::json::object> parse_json_object(const request& req);

// Limits for text fields, documented in the OpenAPI file.
inline constexpr std::size_t name_max_chars = 200;
inline constexpr std::size_t text_max_chars = 10'000;

// Reads fields from one JSON object, collecting every problem before reporting.
class object_reader {
public:
    explicit object_reader(const boost::json::object& o, std::string prefix = {}) : o_(o), prefix_(std::move(prefix)) {}

    // Strings: trimmed of nothing, checked for type, length (in code points) and
    // control characters (newline and tab allowed only when multiline).
    std::optional<std::string> required_string(const char* field, std::size_t max_chars, bool multiline = false);
    std::optional<std::string> optional_string(const char* field, std::size_t max_chars, bool multiline = false);
    std::optional<std::vector<std::string>> optional_string_array(const char* field, std::size_t max_items,
                                                                  std::size_t max_chars);
    // Integers within [min, max]; booleans; dates "YYYY-MM-DD" (returned as text).
    std::optional<long long> optional_integer(const char* field, long long min, long long max);
    // An array of at most max_items distinct integers, each within [min, max].
    std::optional<std::vector<int>> optional_integer_set(const char* field, std::size_t max_items, int min, int max);
    std::optional<bool> optional_bool(const char* field);
    std::optional<std::string> optional_date(const char* field);
    // A string that must be one of an enum's API names (scheduler::parse<E>).
    template <class E>
    std::optional<E> optional_enum(const char* field, std::string_view allowed) {
        auto s = optional_string(field, 60);
        if (!s) return std::nullopt;
        auto v = scheduler::parse<E>(*s);
        if (!v) problem(field, "must be one of " + std::string(allowed));
        return v;
    }
    // The nested object at `field` (nullptr when absent; a problem when not an object).
    const boost::json::object* optional_object(const char* field);
    // True when the body names this field (even as null).
    bool has(const char* field) const { return o_.contains(field); }
    const std::string& prefix() const { return prefix_; }
    // Adds the problems of a nested reader.
    void merge(object_reader&& nested);

    // Adds a problem for a field checked by the caller.
    void problem(const std::string& field, std::string what);

    // Reports unknown fields and returns every problem found, or ok.
    scheduler::status finish();

private:
    const boost::json::value* take(const char* field);
    std::optional<std::string> check_string(const std::string& field, const boost::json::value& v,
                                            std::size_t max_chars, bool multiline);

    const boost::json::object& o_;
    std::string prefix_;
    std::set<std::string, std::less<>> seen_;
    std::vector<scheduler::field_problem> problems_;
};

// Checks UTF-8 validity, length in code points and control characters. Returns the
// problem text, or empty when acceptable.
std::string text_problem(std::string_view s, std::size_t max_chars, bool multiline);

} // namespace copsched::server
