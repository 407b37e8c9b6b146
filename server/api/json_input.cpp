#include "server/api/json_input.hpp"

#include <algorithm>

#include "scheduler/civil_time.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>

#include <cctype>
#include <climits>
#include <unordered_set>
#include <utility>

namespace copsched::server {

using scheduler::errc;
using scheduler::error;

bool media_type_is(std::string_view content_type, std::string_view media) {
    auto type = content_type.substr(0, content_type.find(';'));
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    while (!type.empty() && blank(type.front())) type.remove_prefix(1);
    while (!type.empty() && blank(type.back())) type.remove_suffix(1);
    return std::equal(type.begin(), type.end(), media.begin(), media.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    });
}

namespace {

// A boost::json::basic_parser handler that stops at the first key an object has twice
// (boost::json::parse keeps the last one silently) and says where: "kind",
// "meeting_rules.per_year", "items[2].name".
class duplicate_key_finder {
public:
    static constexpr std::size_t max_array_size = -1;
    static constexpr std::size_t max_object_size = -1;
    static constexpr std::size_t max_string_size = -1;
    static constexpr std::size_t max_key_size = -1;

    std::string duplicate; // the path of the repeated key; empty when none

    bool on_document_begin(boost::system::error_code&) { return true; }
    bool on_document_end(boost::system::error_code&) { return true; }
    bool on_object_begin(boost::system::error_code&) { return open(true); }
    bool on_object_end(std::size_t, boost::system::error_code&) { return close(); }
    bool on_array_begin(boost::system::error_code&) { return open(false); }
    bool on_array_end(std::size_t, boost::system::error_code&) { return close(); }
    // insert(end, first, last) rather than append(data, size): GCC 12 at -O3 reports a false
    // -Wstringop-overflow for the latter here (GCC bug 105651, fixed in GCC 13).
    bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code&) {
        key_.insert(key_.end(), s.begin(), s.end());
        return true;
    }
    bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code& ec) {
        key_.insert(key_.end(), s.begin(), s.end());
        auto& f = frames_.back();
        if (!f.keys.insert(key_).second) {
            frames_.pop_back();
            duplicate = path() + (frames_.empty() ? "" : ".") + key_;
            ec = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
            return false;
        }
        f.key = std::move(key_);
        key_.clear();
        return true;
    }
    bool on_string_part(boost::json::string_view, std::size_t, boost::system::error_code&) { return true; }
    bool on_string(boost::json::string_view, std::size_t, boost::system::error_code&) { return value(); }
    bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
    bool on_int64(std::int64_t, boost::json::string_view, boost::system::error_code&) { return value(); }
    bool on_uint64(std::uint64_t, boost::json::string_view, boost::system::error_code&) { return value(); }
    bool on_double(double, boost::json::string_view, boost::system::error_code&) { return value(); }
    bool on_bool(bool, boost::system::error_code&) { return value(); }
    bool on_null(boost::system::error_code&) { return value(); }
    bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
    bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

private:
    struct frame {
        bool object = true;
        std::string key;       // objects: the key whose value is being read
        std::size_t index = 0; // arrays: the element being read
        std::unordered_set<std::string> keys;
    };

    bool open(bool object) {
        frames_.push_back({object, {}, 0, {}});
        return true;
    }
    bool close() {
        frames_.pop_back();
        return value();
    }
    bool value() {
        if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
        return true;
    }
    std::string path() const {
        std::string p;
        for (const auto& f : frames_) {
            if (!f.object)
                p += "[" + std::to_string(f.index) + "]";
            else
                p += (p.empty() ? "" : ".") + f.key;
        }
        return p;
    }

    std::vector<frame> frames_;
    std::string key_;
};

// The path of a key some object of `text` (valid JSON) has more than once, or empty.
std::string duplicate_key(std::string_view text) {
    boost::json::basic_parser<duplicate_key_finder> p(boost::json::parse_options{});
    boost::system::error_code ec;
    p.write_some(false, text.data(), text.size(), ec);
    return std::move(p.handler().duplicate);
}

} // namespace

scheduler::result<boost::json::object> parse_json_object(const request& req) {
    if (!media_type_is(req[http::field::content_type], "application/json"))
        return error{errc::malformed, "The body must be JSON, sent with Content-Type: application/json.", {}};
    boost::system::error_code ec;
    auto v = boost::json::parse(req.body(), ec);
    if (ec) return error{errc::malformed, "The body is not valid JSON: " + ec.message() + ".", {}};
    if (!v.is_object()) return error{errc::malformed, "The body must be a JSON object.", {}};
    if (auto key = duplicate_key(req.body()); !key.empty())
        return error{errc::malformed,
                     "The body names the field " + key + " more than once.",
                     {{key, "appears more than once in its object"}}};
    return std::move(v.get_object());
}

const boost::json::value* object_reader::take(const char* field, bool nullable) {
    seen_.insert(field);
    const auto* v = o_.if_contains(field);
    if (!v) return nullptr;
    if (v->is_null()) {
        if (!nullable) problem(field, "must not be null");
        return nullptr;
    }
    return v;
}

void object_reader::problem(const std::string& field, std::string what) {
    problems_.push_back({prefix_ + field, std::move(what)});
}

std::optional<std::string> object_reader::check_string(const std::string& field, const boost::json::value& v,
                                                       std::size_t max_chars, bool multiline) {
    if (!v.is_string()) {
        problem(field, "must be a string");
        return std::nullopt;
    }
    std::string s(v.get_string());
    if (auto p = text_problem(s, max_chars, multiline); !p.empty()) {
        problem(field, std::move(p));
        return std::nullopt;
    }
    return s;
}

std::optional<std::string> object_reader::required_string(const char* field, std::size_t max_chars, bool multiline) {
    return nonempty_string(field, max_chars, true, multiline);
}

std::optional<std::string> object_reader::optional_string(const char* field, std::size_t max_chars, bool multiline) {
    const auto* v = take(field);
    if (!v) return std::nullopt;
    return check_string(field, *v, max_chars, multiline);
}

std::optional<std::string> object_reader::nonempty_string(const char* field, std::size_t max_chars, bool required,
                                                          bool multiline) {
    if (required && !has(field)) {
        seen_.insert(field);
        problem(field, "is required");
        return std::nullopt;
    }
    auto s = optional_string(field, max_chars, multiline);
    if (s && s->empty()) {
        problem(field, "must not be empty");
        return std::nullopt;
    }
    return s;
}

maybe_null<std::string> object_reader::nullable_string(const char* field, std::size_t max_chars) {
    if (is_null(field)) {
        (void)take(field, true);
        return maybe_null<std::string>(std::in_place, std::nullopt);
    }
    auto s = optional_string(field, max_chars);
    if (!s) return std::nullopt;
    return maybe_null<std::string>(std::in_place, std::move(*s));
}

maybe_null<std::string> object_reader::nullable_date(const char* field) {
    if (is_null(field)) {
        (void)take(field, true);
        return maybe_null<std::string>(std::in_place, std::nullopt);
    }
    auto s = optional_date(field);
    if (!s) return std::nullopt;
    return maybe_null<std::string>(std::in_place, std::move(*s));
}

maybe_null<std::vector<std::string>> object_reader::nullable_string_array(const char* field, std::size_t max_items,
                                                                          std::size_t max_chars) {
    if (is_null(field)) {
        (void)take(field, true);
        return maybe_null<std::vector<std::string>>(std::in_place, std::nullopt);
    }
    auto a = optional_string_array(field, max_items, max_chars);
    if (!a) return std::nullopt;
    return maybe_null<std::vector<std::string>>(std::in_place, std::move(*a));
}

std::optional<std::vector<std::string>> object_reader::optional_string_array(const char* field, std::size_t max_items,
                                                                             std::size_t max_chars) {
    const auto* v = take(field);
    if (!v) return std::nullopt;
    if (!v->is_array()) {
        problem(field, "must be an array of strings");
        return std::nullopt;
    }
    const auto& a = v->get_array();
    if (a.size() > max_items) {
        problem(field, "has more than " + std::to_string(max_items) + " items");
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto s = check_string(std::string(field) + "[" + std::to_string(i) + "]", a[i], max_chars, false);
        if (!s) return std::nullopt;
        out.push_back(std::move(*s));
    }
    return out;
}

std::optional<long long> object_reader::optional_integer(const char* field, long long min, long long max) {
    const auto* v = take(field);
    if (!v) return std::nullopt;
    if (!v->is_int64() && !v->is_uint64()) {
        problem(field, "must be an integer");
        return std::nullopt;
    }
    const long long n =
        v->is_int64() ? v->get_int64() : static_cast<long long>(std::min<std::uint64_t>(v->get_uint64(), LLONG_MAX));
    if (n < min || n > max) {
        problem(field, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        return std::nullopt;
    }
    return n;
}

std::optional<long long> object_reader::required_integer(const char* field, long long min, long long max) {
    if (!has(field)) {
        seen_.insert(field);
        problem(field, "is required");
        return std::nullopt;
    }
    return optional_integer(field, min, max);
}

std::optional<std::vector<int>> object_reader::optional_integer_set(const char* field, std::size_t max_items, int min,
                                                                    int max) {
    const auto* v = take(field);
    if (!v) return std::nullopt;
    const std::string what = "must be an array of at most " + std::to_string(max_items) + " different integers from " +
                             std::to_string(min) + " to " + std::to_string(max);
    if (!v->is_array() || v->get_array().size() > max_items) {
        problem(field, what);
        return std::nullopt;
    }
    std::vector<int> out;
    for (const auto& x : v->get_array()) {
        if (!x.is_int64() || x.get_int64() < min || x.get_int64() > max ||
            std::find(out.begin(), out.end(), x.get_int64()) != out.end()) {
            problem(field, what);
            return std::nullopt;
        }
        out.push_back(static_cast<int>(x.get_int64()));
    }
    return out;
}

std::optional<bool> object_reader::optional_bool(const char* field) {
    const auto* v = take(field);
    if (!v) return std::nullopt;
    if (!v->is_bool()) {
        problem(field, "must be true or false");
        return std::nullopt;
    }
    return v->get_bool();
}

std::optional<bool> object_reader::required_bool(const char* field) {
    if (!has(field)) {
        seen_.insert(field);
        problem(field, "is required");
        return std::nullopt;
    }
    return optional_bool(field);
}

std::optional<std::string> object_reader::optional_date(const char* field) {
    auto s = optional_string(field, 10);
    if (!s) return std::nullopt;
    if (!scheduler::parse_date(*s)) {
        problem(field, "must be a date YYYY-MM-DD");
        return std::nullopt;
    }
    return s;
}

const boost::json::object* object_reader::optional_object(const char* field) {
    const auto* v = take(field);
    if (!v) return nullptr;
    if (!v->is_object()) {
        problem(field, "must be an object");
        return nullptr;
    }
    return &v->get_object();
}

void object_reader::merge(object_reader&& nested) {
    for (const auto& [k, v] : nested.o_)
        if (!nested.seen_.contains(std::string_view(k))) nested.problem(std::string(k), "is not a known field");
    nested.seen_.clear();
    for (const auto& [k, v] : nested.o_) nested.seen_.insert(std::string(k));
    for (auto& p : nested.problems_) problems_.push_back(std::move(p));
    nested.problems_.clear();
}

scheduler::status object_reader::finish() {
    for (const auto& [k, v] : o_)
        if (!seen_.contains(std::string_view(k))) problem(std::string(k), "is not a known field");
    if (problems_.empty()) return scheduler::ok();
    return error{errc::invalid_input, "The request has invalid fields.", std::move(problems_)};
}

} // namespace copsched::server
