#include "server/remind/outbox_client.hpp"

#include <catch2/catch.hpp>

using namespace copsched::server;

TEST_CASE("parse_claim_answer reads the claim contract", "[remind]") {
    const std::string body = R"({"items": [{
      "id": "01HX1", "kind": "reminder", "lease_id": "opaque", "lease_until": "2026-11-28T12:05:00Z", "attempt": 2,
      "message_id": "<r-01HX1@cop.example.org>",
      "from": {"name": "Green Deal Circulair Inkopen", "email": "cop@example.org"},
      "to": {"name": "Anna de Vries", "email": "anna@example.org"},
      "language": "nl", "subject": "Herinnering", "text": "Beste Anna,\n", "calendar": null, "future_field": 1
    }, {
      "id": "01HX2", "kind": "invitation", "lease_id": "l2", "attempt": 1, "message_id": "<r-2@x.org>",
      "from": {"name": "", "email": "cop@example.org"}, "to": {"email": "bob@example.org"},
      "calendar": {"method": "REQUEST", "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"}
    }, {
      "id": "01HX3", "lease_id": "l3", "message_id": "<r-3@x.org>", "from": {"email": "cop@example.org"}
    }, {"kind": "reminder"}, {"id": "no-lease"}], "next_cursor": null})";
    std::vector<reminder_item> items;
    REQUIRE_FALSE(parse_claim_answer(body, items));
    REQUIRE(items.size() == 3); // the ones without id or lease_id cannot be reported
    CHECK(items[0].id == "01HX1");
    CHECK(items[0].attempt == 2);
    CHECK(items[0].lease_id == "opaque");
    CHECK(items[0].to.name == "Anna de Vries");
    CHECK(items[0].text == "Beste Anna,\n");
    CHECK_FALSE(items[0].calendar);
    CHECK(items[0].invalid.empty());
    REQUIRE(items[1].calendar);
    CHECK(items[1].calendar->method == "REQUEST");
    CHECK(items[1].to.email == "bob@example.org");
    CHECK(items[1].invalid.empty());
    CHECK(items[2].invalid == "to has no email");

    CHECK(parse_claim_answer("[]", items));
    CHECK(parse_claim_answer("{\"items\": 3}", items));
    CHECK(parse_claim_answer("not json", items));
    REQUIRE_FALSE(parse_claim_answer(R"({"items": []})", items));
    CHECK(items.empty());
}
