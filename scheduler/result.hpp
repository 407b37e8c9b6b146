#pragma once
// Domain results: every fallible operation of the scheduler and its stores returns
// result<T>. The HTTP status for each errc is decided in exactly one place
// (server/api/errors.cpp); nothing below server/ knows about HTTP.

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace copsched::scheduler {

enum class errc {
    malformed,           // the request body cannot be read at all (bad JSON, wrong type)
    invalid_input,       // a field is malformed; see error::fields
    not_found,           // the object does not exist, or is not visible to the caller
    conflict,            // the request clashes with stored state
    precondition_failed, // If-Match and friends
    unauthenticated,     // no or unknown credentials
    forbidden,           // known caller, not allowed
    unavailable,         // the store cannot be reached or is shutting down
    internal,            // a bug or an unexpected storage failure
};

struct field_problem {
    std::string field;
    std::string problem;
};

struct error {
    errc code = errc::internal;
    std::string detail;
    std::vector<field_problem> fields; // for errc::invalid_input

    static error invalid(std::string field, std::string problem) {
        return {errc::invalid_input, "The request has invalid fields.", {{std::move(field), std::move(problem)}}};
    }
};

// A value or an error; a tiny stand-in for C++23 std::expected.
template <class T>
class [[nodiscard]] result {
public:
    result(T value) : v_(std::move(value)) {}
    result(error e) : v_(std::move(e)) {}

    explicit operator bool() const noexcept { return v_.index() == 0; }
    bool ok() const noexcept { return v_.index() == 0; }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return std::get<0>(v_); }
    const error& err() const& { return std::get<1>(v_); }
    error&& err() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, error> v_;
};

struct ok_t {};
using status = result<ok_t>;
inline status ok() { return ok_t{}; }

} // namespace copsched::scheduler
