#include "server/api/json_input.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <map>
#include <string>

using namespace copsched;
using namespace copsched::server;
using scheduler::errc;

namespace {

request json_request(std::string body, std::string content_type = "application/json") {
    request req{http::verb::post, "/api/v1/tokens", 11};
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
}

boost::json::object object(const char* text) { return boost::json::parse(text).as_object(); }

// field -> problem, from a finished reader.
std::map<std::string, std::string> problems(const scheduler::status& st) {
    std::map<std::string, std::string> out;
    if (st) return out;
    CHECK(st.err().code == errc::invalid_input);
    for (const auto& f : st.err().fields) out[f.field] = f.problem;
    return out;
}

std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

} // namespace

TEST_CASE("parse_json_object accepts a JSON object sent as application/json", "[server][json_input]") {
    for (const char* type : {"application/json", "application/json; charset=utf-8", "Application/JSON",
                             "application/json ;charset=UTF-8"}) {
        INFO(type);
        auto r = parse_json_object(json_request(R"({"name":"CI","role":"admin"})", type));
        REQUIRE(r.ok());
        CHECK(r->at("name").as_string() == "CI");
    }
    auto empty = parse_json_object(json_request("{}"));
    REQUIRE(empty.ok());
    CHECK(empty->empty());
}

TEST_CASE("parse_json_object rejects other content types, bad JSON and non-objects", "[server][json_input]") {
    struct bad_case {
        const char* body;
        const char* type;
    };
    for (const auto& [body, type] :
         {bad_case{R"({"a":1})", "text/plain"}, bad_case{R"({"a":1})", ""}, bad_case{R"({"a":1})", "application/jsonp"},
          bad_case{R"({"a":1})", "application/x-www-form-urlencoded"}, bad_case{"{", "application/json"},
          bad_case{"", "application/json"}, bad_case{R"({"a":1} trailing)", "application/json"},
          bad_case{R"({"a":1,})", "application/json"}, bad_case{"[1,2]", "application/json"},
          bad_case{R"("text")", "application/json"}, bad_case{"42", "application/json"},
          bad_case{"null", "application/json"}}) {
        INFO("body '" << body << "' type '" << type << "'");
        auto r = parse_json_object(json_request(body, type));
        REQUIRE_FALSE(r.ok());
        CHECK(r.err().code == errc::malformed);
        CHECK_FALSE(r.err().detail.empty());
    }
}

TEST_CASE("object_reader reads valid fields and finishes ok", "[server][json_input]") {
    const auto o = object(R"({"name":"CI","programme":"gdci-2","working_groups":["wg_a","wg_b"]})");
    object_reader in(o);
    CHECK(in.required_string("name", 200) == std::optional<std::string>("CI"));
    CHECK(in.optional_string("programme", 100) == std::optional<std::string>("gdci-2"));
    CHECK(in.optional_string_array("working_groups", 10, 100) ==
          std::optional<std::vector<std::string>>({"wg_a", "wg_b"}));
    CHECK_FALSE(in.optional_string("person_id", 100).has_value()); // absent
    CHECK_FALSE(in.optional_string("not_sent", 100).has_value());
    CHECK(in.finish().ok());
}

TEST_CASE("object_reader reports every problem at once, by field", "[server][json_input]") {
    const auto o = object(R"({"role":7,"colour":"blue","extra":{},"name":"","groups":"wg_a","tags":["a",3]})");
    object_reader in(o);
    CHECK_FALSE(in.required_string("name", 200).has_value());
    CHECK_FALSE(in.required_string("role", 20).has_value());
    CHECK_FALSE(in.required_string("programme", 100).has_value());
    CHECK_FALSE(in.optional_string_array("groups", 10, 100).has_value());
    CHECK_FALSE(in.optional_string_array("tags", 10, 100).has_value());
    in.problem("person_id", "is required for participant tokens");
    const auto p = problems(in.finish());
    CHECK(p.at("name") == "must not be empty");
    CHECK(p.at("role") == "must be a string");
    CHECK(p.at("programme") == "is required");
    CHECK(p.at("groups") == "must be an array of strings");
    CHECK(p.at("tags[1]") == "must be a string");
    CHECK(p.at("colour") == "is not a known field");
    CHECK(p.at("extra") == "is not a known field");
    CHECK(p.at("person_id") == "is required for participant tokens");
    CHECK(p.size() == 8);
}

TEST_CASE("object_reader prefixes nested field names", "[server][json_input]") {
    const auto o = object(R"({"title":5,"unknown":1})");
    object_reader in(o, "items[2].");
    (void)in.required_string("title", 10);
    const auto p = problems(in.finish());
    CHECK(p.count("items[2].title") == 1);
    CHECK(p.count("items[2].unknown") == 1);
}

TEST_CASE("string length counts code points, not bytes", "[server][json_input]") {
    const std::string e_acute = "\xC3\xA9";       // é, 2 bytes
    const std::string euro = "\xE2\x82\xAC";      // €, 3 bytes
    const std::string emoji = "\xF0\x9F\x8C\xB1"; // 🌱, 4 bytes
    CHECK(text_problem(repeat(e_acute, 200), 200, false).empty());
    CHECK(text_problem(repeat(euro, 200), 200, false).empty());
    CHECK(text_problem(repeat(emoji, 200), 200, false).empty());
    CHECK(text_problem(std::string(200, 'a'), 200, false).empty());
    CHECK(text_problem("", 200, false).empty());

    CHECK(text_problem(repeat(e_acute, 201), 200, false) == "is longer than 200 characters");
    CHECK(text_problem(std::string(201, 'a'), 200, false) == "is longer than 200 characters");

    // Through the reader, as a request body would arrive.
    boost::json::object o;
    o["name"] = repeat(e_acute, 200);
    o["long"] = repeat(e_acute, 201);
    object_reader in(o);
    CHECK(in.required_string("name", name_max_chars) == std::optional<std::string>(repeat(e_acute, 200)));
    CHECK_FALSE(in.optional_string("long", name_max_chars).has_value());
    const auto p = problems(in.finish());
    CHECK(p.size() == 1);
    CHECK(p.at("long") == "is longer than 200 characters");
}

TEST_CASE("single-line strings reject control characters", "[server][json_input]") {
    for (const std::string& bad :
         {std::string("a\nb"), std::string("a\rb"), std::string("a\r\nb"), std::string("a\0b", 3), std::string("a\tb"),
          std::string("\x1b[31mred"), std::string("del\x7f"), std::string("end\n")}) {
        INFO("text '" << bad << "'");
        CHECK(text_problem(bad, 200, false) == "contains a control character");
    }
    CHECK(text_problem("plain text with spaces, accents (\xC3\xA9) and 'quotes'", 200, false).empty());

    // A NUL from JSON (\u0000) is caught by the reader too.
    const auto o = object(R"({"name":"x\u0000y"})");
    object_reader in(o);
    CHECK_FALSE(in.required_string("name", 200).has_value());
    CHECK(problems(in.finish()).at("name") == "contains a control character");
}

TEST_CASE("multiline strings allow newline and tab only", "[server][json_input]") {
    CHECK(text_problem("line one\nline two\n\tindented", 200, true).empty());
    for (const std::string& bad : {std::string("a\rb"), std::string("windows\r\nline"), std::string("a\0b", 3),
                                   std::string("bell\a"), std::string("\x1b")}) {
        INFO("text '" << bad << "'");
        CHECK_FALSE(text_problem(bad, 200, true).empty());
    }
    const auto o = object(R"({"description":"one\ntwo\tthree"})");
    object_reader in(o);
    CHECK(in.optional_string("description", text_max_chars, true) == std::optional<std::string>("one\ntwo\tthree"));
    CHECK(in.finish().ok());
}

TEST_CASE("invalid UTF-8 is rejected", "[server][json_input]") {
    for (const std::string& bad :
         {std::string("\xC3"), std::string("abc\xC3"), std::string("\xFF"), std::string("\x80"),
          std::string("\xC3\x28"), std::string("\xE2\x82"), std::string("\xF0\x9F\x8C"), std::string("\xE2\x28\xA1")}) {
        INFO("bytes " << bad.size());
        CHECK(text_problem(bad, 200, false) == "is not valid UTF-8");
        CHECK(text_problem(bad, 200, true) == "is not valid UTF-8");
    }
    boost::json::object o;
    o["name"] = std::string("caf\xC3");
    object_reader in(o);
    CHECK_FALSE(in.required_string("name", 200).has_value());
    CHECK(problems(in.finish()).at("name") == "is not valid UTF-8");
}

TEST_CASE("string arrays are limited in items and checked item by item", "[server][json_input]") {
    const auto o = object(R"({"a":["x","y","z"],"b":["ok","bad\nline"],"c":[]})");
    object_reader in(o);
    CHECK_FALSE(in.optional_string_array("a", 2, 100).has_value());
    CHECK_FALSE(in.optional_string_array("b", 10, 100).has_value());
    CHECK(in.optional_string_array("c", 10, 100) ==
          std::optional<std::vector<std::string>>(std::vector<std::string>{}));
    const auto p = problems(in.finish());
    CHECK(p.at("a") == "has more than 2 items");
    CHECK(p.at("b[1]") == "contains a control character");
    CHECK(p.size() == 2);
}

TEST_CASE("text_problem rejects overlong forms, surrogates and code points past U+10FFFF", "[json_input]") {
    using copsched::server::text_problem;
    CHECK(text_problem("\xC0\xAF", 10, false) == "is not valid UTF-8");
    CHECK(text_problem("\xE0\x80\xAF", 10, false) == "is not valid UTF-8");
    CHECK(text_problem("\xED\xA0\x80", 10, false) == "is not valid UTF-8");
    CHECK(text_problem("\xF4\x90\x80\x80", 10, false) == "is not valid UTF-8");
    CHECK(text_problem("\xF5\x80\x80\x80", 10, false) == "is not valid UTF-8");
    CHECK(text_problem("Zo\xC3\xAB \xE2\x82\xAC \xF0\x9F\x8C\xB3", 10, false).empty()); // Zoë € 🌳
}

TEST_CASE("object_reader refuses null for every field that is not nullable, naming the field", "[server][json_input]") {
    // Before: a null was read as "absent", so a required field sent as null passed the
    // "present?" check and the handler used an empty value.
    const auto o = object(R"({"req_s":null,"opt_s":null,"nonempty":null,"arr":null,"int":null,"req_int":null,
                             "set":null,"b":null,"req_b":null,"date":null,"e":null,"req_e":null,"obj":null})");
    object_reader in(o);
    CHECK_FALSE(in.required_string("req_s", 200).has_value());
    CHECK_FALSE(in.optional_string("opt_s", 200).has_value());
    CHECK_FALSE(in.nonempty_string("nonempty", 200, false).has_value());
    CHECK_FALSE(in.optional_string_array("arr", 10, 100).has_value());
    CHECK_FALSE(in.optional_integer("int", 0, 10).has_value());
    CHECK_FALSE(in.required_integer("req_int", 0, 10).has_value());
    CHECK_FALSE(in.optional_integer_set("set", 5, 0, 60).has_value());
    CHECK_FALSE(in.optional_bool("b").has_value());
    CHECK_FALSE(in.required_bool("req_b").has_value());
    CHECK_FALSE(in.optional_date("date").has_value());
    CHECK_FALSE(in.optional_enum<scheduler::language>("e", "nl, en").has_value());
    CHECK_FALSE(in.required_enum<scheduler::language>("req_e", "nl, en").has_value());
    CHECK(in.optional_object("obj") == nullptr);
    const auto p = problems(in.finish());
    CHECK(p.size() == 13);
    for (const auto& [field, what] : p) {
        INFO(field);
        CHECK(what == "must not be null");
    }
}

TEST_CASE("object_reader refuses null in nested objects with the nested field's name", "[server][json_input]") {
    const auto o = object(R"({"rules":{"per_year":null}})");
    object_reader in(o);
    const auto* rules = in.optional_object("rules");
    REQUIRE(rules != nullptr);
    object_reader nested(*rules, "rules.");
    CHECK_FALSE(nested.optional_integer("per_year", 1, 12).has_value());
    in.merge(std::move(nested));
    CHECK(problems(in.finish()) == std::map<std::string, std::string>{{"rules.per_year", "must not be null"}});
}

TEST_CASE("nullable fields tell absent, null and a value apart", "[server][json_input]") {
    const auto o = object(R"({"venue_id":null,"until":null,"other_venue":"ven_1","other_until":"2026-05-01",
                             "bad_venue":5,"bad_until":"May"})");
    object_reader in(o);
    const auto venue = in.nullable_string("venue_id", 100);
    REQUIRE(venue.has_value());
    CHECK_FALSE(venue->has_value()); // null: none, or "clear" on update
    const auto until = in.nullable_date("until");
    REQUIRE(until.has_value());
    CHECK_FALSE(until->has_value());
    CHECK(in.nullable_string("other_venue", 100) == maybe_null<std::string>(std::in_place, "ven_1"));
    CHECK(in.nullable_date("other_until") == maybe_null<std::string>(std::in_place, "2026-05-01"));
    CHECK_FALSE(in.nullable_string("absent_venue", 100).has_value());
    CHECK_FALSE(in.nullable_date("absent_until").has_value());
    CHECK_FALSE(in.nullable_string("bad_venue", 100).has_value());
    CHECK_FALSE(in.nullable_date("bad_until").has_value());
    const auto p = problems(in.finish());
    CHECK(p == std::map<std::string, std::string>{{"bad_venue", "must be a string"},
                                                  {"bad_until", "must be a date YYYY-MM-DD"}});
}

TEST_CASE("required readers report a missing field and read a given one", "[server][json_input]") {
    const auto o = object(R"({"year":2026,"opt_out":false,"language":"en","name":"x"})");
    object_reader in(o);
    CHECK(in.required_integer("year", 1900, 2100) == std::optional<long long>(2026));
    CHECK(in.required_bool("opt_out") == std::optional<bool>(false));
    CHECK(in.required_enum<scheduler::language>("language", "nl, en") == std::optional(scheduler::language::en));
    CHECK(in.nonempty_string("name", 200, true) == std::optional<std::string>("x"));
    CHECK_FALSE(in.required_integer("capacity", 0, 10).has_value());
    CHECK_FALSE(in.required_bool("active").has_value());
    CHECK_FALSE(in.required_enum<scheduler::language>("lang", "nl, en").has_value());
    CHECK_FALSE(in.nonempty_string("title", 200, true).has_value());
    const auto p = problems(in.finish());
    CHECK(p == std::map<std::string, std::string>{{"capacity", "is required"},
                                                  {"active", "is required"},
                                                  {"lang", "is required: one of nl, en"},
                                                  {"title", "is required"}});
}

TEST_CASE("a text that must not be empty is refused empty on update as on create", "[server][json_input]") {
    const auto o = object(R"({"name":""})");
    for (const bool create : {true, false}) {
        INFO("create " << create);
        object_reader in(o);
        CHECK_FALSE(in.nonempty_string("name", 200, create).has_value());
        CHECK(problems(in.finish()) == std::map<std::string, std::string>{{"name", "must not be empty"}});
    }
    const auto absent = object("{}");
    object_reader update(absent);
    CHECK_FALSE(update.nonempty_string("name", 200, false).has_value()); // absent on update: unchanged
    CHECK(update.finish().ok());
}

TEST_CASE("refuse reports a field only when the body names it", "[server][json_input]") {
    const auto o = object(R"({"kind":null,"all_day":5})");
    object_reader in(o);
    in.refuse("kind", "cannot change");
    in.refuse("all_day", "cannot change");
    in.refuse("working_group_id", "cannot change");
    CHECK(problems(in.finish()) ==
          std::map<std::string, std::string>{{"kind", "cannot change"}, {"all_day", "cannot change"}});
}

TEST_CASE("media types compare case-insensitively and allow parameters", "[server][json_input]") {
    for (const char* type : {"application/json", "Application/JSON", "APPLICATION/JSON; charset=utf-8",
                             "application/json;charset=UTF-8", " application/json ; q=1"}) {
        INFO(type);
        CHECK(media_type_is(type, "application/json"));
    }
    for (const char* type : {"", "application/jsonp", "application/json-patch+json", "text/json",
                             "application/x-www-form-urlencoded", "application"}) {
        INFO(type);
        CHECK_FALSE(media_type_is(type, "application/json"));
    }
    CHECK(media_type_is("Text/Calendar; charset=utf-8", "text/calendar"));
    CHECK_FALSE(media_type_is("text/calendarx", "text/calendar"));
}

TEST_CASE("parse_json_object refuses a key given twice at any depth, naming its path", "[server][json_input]") {
    const auto duplicate = [](const char* body) -> std::string {
        auto r = parse_json_object(json_request(body));
        if (r) return {};
        CHECK(r.err().code == errc::malformed);
        REQUIRE(r.err().fields.size() == 1);
        CHECK(r.err().detail.find(r.err().fields[0].field) != std::string::npos);
        return r.err().fields[0].field;
    };
    CHECK(duplicate(R"({"kind":"other","kind":"cop_meeting"})") == "kind");
    CHECK(duplicate(R"({"kind":"other","title":"x","kind":"other"})") == "kind");
    CHECK(duplicate(R"({"meeting_rules":{"per_year":4,"per_year":6}})") == "meeting_rules.per_year");
    CHECK(duplicate(R"({"a":{"b":{"c":1,"d":2,"c":3}}})") == "a.b.c");
    CHECK(duplicate(R"({"items":[{"x":1},{"x":1,"x":2}]})") == "items[1].x");
    CHECK(duplicate(R"({"items":[1,[2,{"y":0,"y":0}]]})") == "items[1][1].y");
    CHECK(duplicate(R"({"k\u0069nd":"other","kind":"cop_meeting"})") == "kind"); // an escape is the same key
    // The same key in different objects, and equal values in arrays, are fine.
    CHECK(duplicate(R"({"a":{"x":1},"b":{"x":1},"c":[1,1],"d":[{"x":1},{"x":1}]})").empty());
    CHECK(duplicate(R"({"kind":"other","Kind":"other"})").empty());
}
