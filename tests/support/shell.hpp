#pragma once
// Running a shell command from a test (the independent iCalendar parsers of tests/feeds,
// gzip, python): its standard output, and a failed test with the command and its output
// when it exits with anything but 0.

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <string>

namespace copsched::testing {

inline std::string run_shell(const std::string& command) {
    std::string out;
    FILE* p = popen(command.c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 4096> buf{};
    while (auto n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    const int status = pclose(p);
    INFO(command << "\n" << out);
    REQUIRE(status == 0);
    return out;
}

} // namespace copsched::testing
