#pragma once
// Reading request bodies into commands. Every problem is reported with the field at
// fault; unknown fields are rejected; text is checked for length and control characters.

#include "scheduler/model.hpp"
#include "scheduler/result.hpp"
#include "server/http/http.hpp"
#include "server/http/text.hpp" // text_problem

#include <boost/json/object.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::server {

// True when a Content-Type value names `media` ("type/subtype", lower case): compared
// case-insensitively, parameters allowed ("Application/JSON; charset=utf-8"), RFC 9110.
bool media_type_is(std::string_view content_type, std::string_view media);

// Parses a JSON object body. errc::malformed for a wrong Content-Type, invalid JSON, a
// non-object, or an object (at any depth) naming a key twice: its one field problem is
// the key's path ("kind", "meeting_rules.per_year", "items[2].name").
scheduler::result<boost::json::object> parse_json_object(const request& req);

// Limits for text fields, documented in the OpenAPI file.
inline constexpr std::size_t name_max_chars = 200;
inline constexpr std::size_t text_max_chars = 10'000;

// A field the API documents as nullable: std::nullopt when absent, an empty inner
// optional when sent as null, else the value.
template <class T>
using maybe_null = std::optional<std::optional<T>>;

// Reads fields from one JSON object, collecting every problem before reporting.
//
// null: only a field the API documents as nullable may be null, and only the nullable_*
// readers accept it. Every other reader reports a null as "must not be null": a null is
// never taken for an absent field. A reader returns a value only when the field was
// given and is valid; a required_* reader that returns nothing has recorded a problem,
// so finish() fails.
class object_reader {
public:
    explicit object_reader(const boost::json::object& o, std::string prefix = {}) : o_(o), prefix_(std::move(prefix)) {}

    // Strings: trimmed of nothing, checked for type, length (in code points) and
    // control characters (newline and tab allowed only when multiline).
    std::optional<std::string> required_string(const char* field, std::size_t max_chars, bool multiline = false);
    std::optional<std::string> optional_string(const char* field, std::size_t max_chars, bool multiline = false);
    // A text that must not be empty: required when `required` (on create), optional
    // otherwise (on update), so create and update accept the same values.
    std::optional<std::string> nonempty_string(const char* field, std::size_t max_chars, bool required,
                                               bool multiline = false);
    // Nullable fields (see maybe_null): null means "none" (or "clear" on update).
    maybe_null<std::string> nullable_string(const char* field, std::size_t max_chars);
    maybe_null<std::string> nullable_date(const char* field);
    std::optional<std::vector<std::string>> optional_string_array(const char* field, std::size_t max_items,
                                                                  std::size_t max_chars);
    maybe_null<std::vector<std::string>> nullable_string_array(const char* field, std::size_t max_items,
                                                               std::size_t max_chars);
    // Integers within [min, max]; booleans; dates "YYYY-MM-DD" (returned as text).
    std::optional<long long> optional_integer(const char* field, long long min, long long max);
    std::optional<long long> required_integer(const char* field, long long min, long long max);
    // An array of at most max_items distinct integers, each within [min, max].
    std::optional<std::vector<int>> optional_integer_set(const char* field, std::size_t max_items, int min, int max);
    std::optional<bool> optional_bool(const char* field);
    std::optional<bool> required_bool(const char* field);
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
    template <class E>
    std::optional<E> required_enum(const char* field, std::string_view allowed) {
        if (!has(field)) {
            seen_.insert(field);
            problem(field, "is required: one of " + std::string(allowed));
            return std::nullopt;
        }
        return optional_enum<E>(field, allowed);
    }
    // The nested object at `field` (nullptr when absent; a problem when not an object).
    const boost::json::object* optional_object(const char* field);
    // True when the body names this field (even as null, which only nullable fields may be).
    bool has(const char* field) const { return o_.contains(field); }
    const std::string& prefix() const { return prefix_; }
    // Adds the problems of a nested reader.
    void merge(object_reader&& nested);

    // Adds a problem for a field checked by the caller.
    void problem(const std::string& field, std::string what);
    // A field not accepted here (e.g. one that cannot change on update): `what` is its
    // problem when the body names it, whatever its value.
    void refuse(const char* field, std::string what) {
        seen_.insert(field);
        if (has(field)) problem(field, std::move(what));
    }

    // Reports unknown fields and returns every problem found, or ok.
    scheduler::status finish();

private:
    // The field's value, marking it seen: nullptr when absent, and when null (a problem,
    // unless `nullable`; is_null tells the two apart).
    const boost::json::value* take(const char* field, bool nullable = false);
    bool is_null(const char* field) const {
        const auto* v = o_.if_contains(field);
        return v && v->is_null();
    }
    std::optional<std::string> check_string(const std::string& field, const boost::json::value& v,
                                            std::size_t max_chars, bool multiline);

    const boost::json::object& o_;
    std::string prefix_;
    std::set<std::string, std::less<>> seen_;
    std::vector<scheduler::field_problem> problems_;
};

} // namespace copsched::server
