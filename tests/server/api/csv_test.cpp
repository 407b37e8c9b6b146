#include "server/api/csv.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace copsched::server;

namespace {

const std::string bom = "\xEF\xBB\xBF";

// One field alone in a document, without the BOM and the row's CRLF.
std::string field(const std::string& text, char delimiter = ',') {
    const auto doc = csv_document({{text}}, delimiter);
    REQUIRE(doc.size() >= bom.size() + 2);
    REQUIRE(doc.compare(0, bom.size(), bom) == 0);
    REQUIRE(doc.compare(doc.size() - 2, 2, "\r\n") == 0);
    return doc.substr(bom.size(), doc.size() - bom.size() - 2);
}

} // namespace

TEST_CASE("csv_document starts with the UTF-8 BOM and ends every row with CRLF", "[server][csv]") {
    CHECK(csv_document({{"id", "naam"}, {"o1", "Gemeente Almere"}}, ';') ==
          "\xEF\xBB\xBFid;naam\r\no1;Gemeente Almere\r\n");
    CHECK(csv_document({{"a", "b", "c"}, {"1", "2", "3"}}, ',') == "\xEF\xBB\xBF"
                                                                   "a,b,c\r\n1,2,3\r\n");
    CHECK(csv_document({}, ',') == bom);
    CHECK(csv_document({{}, {"x"}}, ',') == bom + "\r\nx\r\n");
    CHECK(csv_document({{"", ""}}, ';') == bom + ";\r\n");
}

TEST_CASE("csv_document quotes fields with the delimiter, quotes, CR or LF and doubles quotes", "[server][csv]") {
    CHECK(field("Zuid, Noord", ',') == "\"Zuid, Noord\"");
    CHECK(field("Zuid, Noord", ';') == "Zuid, Noord"); // a comma is plain text when ';' separates
    CHECK(field("Zuid; Noord", ';') == "\"Zuid; Noord\"");
    CHECK(field("Zuid; Noord", ',') == "Zuid; Noord");
    CHECK(field("zei \"ja\"", ';') == "\"zei \"\"ja\"\"\"");
    CHECK(field("\"", ',') == "\"\"\"\"");
    CHECK(field("regel 1\nregel 2") == "\"regel 1\nregel 2\"");
    CHECK(field("regel 1\r\nregel 2") == "\"regel 1\r\nregel 2\"");
    CHECK(field("a\rb") == "\"a\rb\"");
    CHECK(field("gewoon tekst") == "gewoon tekst");
    CHECK(csv_document({{"a,b", "c\"d", "e"}}, ',') == bom + "\"a,b\",\"c\"\"d\",e\r\n");
}

TEST_CASE("csv_document leaves multi-byte UTF-8 untouched", "[server][csv]") {
    const std::string coordinator = "Duurzaamheidsco\xC3\xB6rdinator"; // ö
    const std::string emoji = "Zo\xC3\xAB \xF0\x9F\x98\x80 \xE2\x82\xAC"
                              "5"; // ë, 😀, €
    CHECK(csv_document({{coordinator, emoji}}, ';') == bom + coordinator + ";" + emoji + "\r\n");
}

TEST_CASE("csv_document guards fields that a spreadsheet would run as a formula", "[server][csv]") {
    CHECK(field("=SUM(A1:A9)") == "'=SUM(A1:A9)");
    CHECK(field("=HYPERLINK(\"http://x\";\"klik\")", ';') == "\"'=HYPERLINK(\"\"http://x\"\";\"\"klik\"\")\"");
    CHECK(field("+31 6 12345678") == "'+31 6 12345678");
    CHECK(field("-2+3") == "'-2+3");
    CHECK(field("@SUM(1)") == "'@SUM(1)");
    CHECK(field("\tcmd") == "'\tcmd");
    CHECK(field("\rcmd") == "\"'\rcmd\""); // guarded, and quoted for the CR
    CHECK(field("=1,2", ',') == "\"'=1,2\"");
    // Only the first character matters.
    CHECK(field("a=b") == "a=b");
    CHECK(field(" =1") == " =1");
}

TEST_CASE("csv_document leaves plain numbers, negative ones included, as numbers", "[server][csv]") {
    CHECK(field("12") == "12");
    CHECK(field("-12") == "-12");
    CHECK(field("-12.5") == "-12.5");
    CHECK(field("-12,5", ';') == "-12,5");
    CHECK(field("-12,5", ',') == "\"-12,5\""); // quoted for the delimiter, not guarded
    CHECK(field("0.25") == "0.25");
    // Not plain numbers: guarded.
    CHECK(field("-") == "'-");
    CHECK(field("--1") == "'--1");
    CHECK(field("-1.2.3") == "'-1.2.3");
    CHECK(field("-1,2.3", ';') == "'-1,2.3");
    CHECK(field("-.5") == "'-.5");
    CHECK(field("-5.") == "'-5.");
    CHECK(field("-1e5") == "'-1e5");
    CHECK(field("-1 ") == "'-1 ");
    CHECK(field("+5") == "'+5");
}

TEST_CASE("csv_number writes fixed decimals with the requested separator", "[server][csv]") {
    CHECK(csv_number(200.0 / 3.0, 1, ',') == "66,7");
    CHECK(csv_number(200.0 / 3.0, 1, '.') == "66.7");
    CHECK(csv_number(200.0 / 3.0, 2, ',') == "66,67");
    CHECK(csv_number(50.0, 1, ',') == "50,0");
    CHECK(csv_number(100.0, 1, '.') == "100.0");
    CHECK(csv_number(99.6, 0, ',') == "100");
    CHECK(csv_number(1234567.891, 2, ',') == "1234567,89"); // no thousands separator
    CHECK(csv_number(-3.26, 1, ',') == "-3,3");
    CHECK(csv_number(-0.04, 1, ',') == "0,0"); // no "-0,0"
    CHECK(csv_number(0.0, 0, '.') == "0");
    CHECK(csv_number(std::nan(""), 1, ',').empty());
    CHECK(csv_number(std::numeric_limits<double>::infinity(), 1, ',').empty());
}

TEST_CASE("csv_number's negative output stays a number through csv_document", "[server][csv]") {
    CHECK(csv_document({{csv_number(-3.26, 1, ','), csv_number(12.5, 1, ',')}}, ';') == bom + "-3,3;12,5\r\n");
    CHECK(csv_document({{csv_number(-3.26, 1, '.'), csv_number(12.5, 1, '.')}}, ',') == bom + "-3.3,12.5\r\n");
}
