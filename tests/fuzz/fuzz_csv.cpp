// CSV exports (server/api/csv.hpp): csv_document over rows and fields cut from the bytes,
// with ',' or ';', re-read with an RFC 4180 reader here, must give back every field (after
// the formula guard's apostrophe, which is added exactly to fields starting with = + - @
// TAB CR that are not plain numbers); csv_number for a double from the bytes never
// fails, uses only the separator asked for, and reads back close to the rounded value.

#include "fuzz_input.hpp"

#include "server/api/csv.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace copsched;
using namespace copsched::server;

namespace {

bool plain_number(const std::string& s) {
    std::size_t i = s.starts_with('-') ? 1 : 0;
    const std::size_t digits_from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == digits_from) return false;
    if (i == s.size()) return true;
    if (s[i] != '.' && s[i] != ',') return false;
    const std::size_t frac = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i == s.size() && i > frac;
}

std::string expected_field(const std::string& f) {
    if (!f.empty() && std::string_view("=+-@\t\r").find(f.front()) != std::string_view::npos && !plain_number(f))
        return "'" + f;
    return f;
}

// RFC 4180 with CRLF records: the rows of a document (after its BOM).
std::vector<std::vector<std::string>> read_csv(const std::string& doc, char delimiter) {
    std::vector<std::vector<std::string>> rows;
    std::size_t i = 0;
    while (i < doc.size()) {
        std::vector<std::string> row;
        if (doc.compare(i, 2, "\r\n") == 0) { // an empty row
            rows.push_back(row);
            i += 2;
            continue;
        }
        for (;;) {
            std::string field;
            if (i < doc.size() && doc[i] == '"') {
                ++i;
                for (;;) {
                    FUZZ_CHECK(i < doc.size());
                    if (doc[i] == '"') {
                        if (i + 1 < doc.size() && doc[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    field += doc[i++];
                }
            } else {
                while (i < doc.size() && doc[i] != delimiter && doc[i] != '\r' && doc[i] != '\n') {
                    FUZZ_CHECK(doc[i] != '"');
                    field += doc[i++];
                }
            }
            row.push_back(field);
            FUZZ_CHECK(i < doc.size());
            if (doc[i] == delimiter) {
                ++i;
                continue;
            }
            FUZZ_CHECK(doc.compare(i, 2, "\r\n") == 0);
            i += 2;
            break;
        }
        rows.push_back(row);
    }
    return rows;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::input in(data, size);
    const char delimiter = in.flag() ? ';' : ',';
    const char separator = in.flag() ? ',' : '.';
    const int decimals = in.in_range(0, 15);
    double value = 0;
    for (int b = 0; b < 8; ++b) reinterpret_cast<unsigned char*>(&value)[b] = in.byte();

    const std::string number = csv_number(value, decimals, separator);
    if (std::isnan(value) || std::isinf(value)) {
        FUZZ_CHECK(number.empty());
    } else {
        FUZZ_CHECK(!number.empty());
        const char other = separator == '.' ? ',' : '.';
        FUZZ_CHECK(number.find(other) == std::string::npos);
        FUZZ_CHECK(number.find(separator) == std::string::npos ? decimals == 0 : decimals > 0);
        if (std::fabs(value) < 1e15) {
            std::string dotted = number;
            for (auto& c : dotted)
                if (c == ',') c = '.';
            FUZZ_CHECK(std::fabs(std::strtod(dotted.c_str(), nullptr) - value) <=
                       0.5 * std::pow(10.0, -decimals) + 1e-9 * std::fabs(value) + 1e-12);
        }
    }

    std::vector<std::vector<std::string>> rows(in.byte() % 6);
    for (auto& row : rows)
        for (int f = in.byte() % 6; f > 0; --f) row.push_back(in.text(40));
    const std::string doc = csv_document(rows, delimiter);
    FUZZ_CHECK(doc.starts_with("\xEF\xBB\xBF"));
    const auto back = read_csv(doc.substr(3), delimiter);
    FUZZ_CHECK(back.size() == rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
        // A row of one empty field is written as an empty row.
        if (rows[r].size() == 1 && rows[r][0].empty()) {
            FUZZ_CHECK(back[r].empty());
            continue;
        }
        FUZZ_CHECK(back[r].size() == rows[r].size());
        for (std::size_t f = 0; f < rows[r].size(); ++f) FUZZ_CHECK(back[r][f] == expected_field(rows[r][f]));
    }
    return 0;
}
