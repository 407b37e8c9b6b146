// API tokens on SQLite: the public prefix and the hash of each token, its role and scope.
// The semantics are the contract in scheduler/store/token_store.hpp.
#include "storage/sql_store.hpp"

#include "storage/sql_store_internal.hpp"

#include <optional>
#include <string>
#include <vector>

namespace copsched::storage {

using detail::guarded;
using scheduler::errc;
using scheduler::error;
using scheduler::result;
using scheduler::status;

namespace {

scheduler::api_token read_token(statement& s, connection& db) {
    scheduler::api_token t;
    t.id = s.text(0);
    t.name = s.text(1);
    t.role = scheduler::parse<scheduler::token_role>(s.text(2)).value_or(scheduler::token_role::participant);
    t.programme_id = s.optional_text(3);
    t.programme_slug = s.optional_text(4);
    t.person_id = s.optional_text(5);
    t.created_at = s.text(6);
    t.last_used_at = s.optional_text(7);
    t.revoked_at = s.optional_text(8);
    auto g = db.prepare(
        "SELECT working_group_id FROM api_token_working_groups WHERE token_id = ? ORDER BY working_group_id");
    g.bind(1, t.id);
    while (g.step()) t.working_group_ids.push_back(g.text(0));
    return t;
}

} // namespace

result<std::vector<scheduler::token_credentials>> sql_store::find_tokens_by_prefix(const std::string& prefix) {
    return guarded([&]() -> result<std::vector<scheduler::token_credentials>> {
        auto s = db_.prepare(
            "SELECT t.id, t.name, t.role, t.programme_id, p.slug, t.person_id, t.created_at, t.last_used_at, "
            "t.revoked_at, t.secret_hash FROM api_tokens t LEFT JOIN programmes p ON p.id = t.programme_id "
            "WHERE t.lookup_prefix = ?");
        s.bind(1, prefix);
        std::vector<scheduler::token_credentials> out;
        while (s.step()) {
            auto hash = s.text(9);
            out.push_back({read_token(s, db_), std::move(hash)});
        }
        return out;
    });
}

result<std::vector<scheduler::api_token>> sql_store::list_tokens() {
    return guarded([&]() -> result<std::vector<scheduler::api_token>> {
        auto s = db_.prepare(
            "SELECT t.id, t.name, t.role, t.programme_id, p.slug, t.person_id, t.created_at, t.last_used_at, "
            "t.revoked_at FROM api_tokens t LEFT JOIN programmes p ON p.id = t.programme_id "
            "ORDER BY t.created_at, t.id");
        std::vector<scheduler::api_token> out;
        while (s.step()) out.push_back(read_token(s, db_));
        return out;
    });
}

result<scheduler::api_token> sql_store::create_token(const scheduler::new_api_token& t, const std::string& now) {
    return guarded([&]() -> result<scheduler::api_token> {
        std::optional<std::string> programme_id;
        if (t.programme_slug) {
            auto s = db_.prepare("SELECT id FROM programmes WHERE slug = ?");
            s.bind(1, *t.programme_slug);
            if (!s.step()) return error::invalid("programme", "no programme with this slug");
            programme_id = s.text(0);
        }
        if (t.role != scheduler::token_role::admin && !programme_id)
            return error::invalid("programme", "required for organiser and participant tokens");
        if (t.role == scheduler::token_role::participant) {
            if (!t.person_id) return error::invalid("person_id", "required for participant tokens");
            auto s = db_.prepare("SELECT 1 FROM people WHERE id = ? AND programme_id = ?");
            s.bind_all(*t.person_id, *programme_id);
            if (!s.step()) return error::invalid("person_id", "no such person in this programme");
        }
        for (const auto& g : t.working_group_ids) {
            auto s = db_.prepare("SELECT 1 FROM working_groups WHERE id = ? AND programme_id = ?");
            s.bind_all(g, programme_id.value_or(""));
            if (!s.step()) return error::invalid("working_groups", "no working group '" + g + "' in this programme");
        }
        scheduler::api_token out;
        out.id = new_id("tok");
        out.name = t.name;
        out.role = t.role;
        out.programme_id = programme_id;
        out.programme_slug = t.programme_slug;
        out.person_id = t.role == scheduler::token_role::participant ? t.person_id : std::nullopt;
        out.working_group_ids =
            t.role == scheduler::token_role::organiser ? t.working_group_ids : std::vector<std::string>{};
        out.created_at = now;
        db_.prepare("INSERT INTO api_tokens(id, name, role, programme_id, person_id, lookup_prefix, secret_hash, "
                    "created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind_all(out.id, out.name, scheduler::to_string(out.role), out.programme_id, out.person_id,
                      t.lookup_prefix, t.secret_hash, now)
            .run();
        for (const auto& g : out.working_group_ids)
            db_.prepare("INSERT INTO api_token_working_groups(token_id, working_group_id) VALUES (?, ?)")
                .bind_all(out.id, g)
                .run();
        return out;
    });
}

status sql_store::revoke_token(const std::string& id, const std::string& now) {
    return guarded([&]() -> status {
        auto s = db_.prepare("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?");
        s.bind_all(now, id).run();
        if (db_.changes() == 0) return error{errc::not_found, "No token with id '" + id + "'.", {}};
        return scheduler::ok();
    });
}

status sql_store::touch_token(const std::string& id, const std::string& now) {
    return guarded([&]() -> status {
        db_.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").bind_all(now, id).run();
        return scheduler::ok();
    });
}

status sql_store::create_web_session(const scheduler::web_session& ws) {
    return guarded([&]() -> status {
        auto t = db_.prepare("SELECT 1 FROM api_tokens WHERE id = ?");
        t.bind(1, ws.token_id);
        if (!t.step()) return error::invalid("token", "no such token");
        db_.prepare("DELETE FROM web_sessions WHERE expires_at < ?").bind_all(ws.created_at).run();
        db_.prepare("INSERT INTO web_sessions(id_hash, token_id, form_token, created_at, expires_at) "
                    "VALUES (?, ?, ?, ?, ?)")
            .bind_all(ws.id_hash, ws.token_id, ws.form_token, ws.created_at, ws.expires_at)
            .run();
        return scheduler::ok();
    });
}

result<scheduler::web_session_token> sql_store::find_web_session(const std::string& id_hash, const std::string& now) {
    return guarded([&]() -> result<scheduler::web_session_token> {
        auto s = db_.prepare(
            "SELECT t.id, t.name, t.role, t.programme_id, p.slug, t.person_id, t.created_at, t.last_used_at, "
            "t.revoked_at, w.form_token, w.created_at, w.expires_at FROM web_sessions w "
            "JOIN api_tokens t ON t.id = w.token_id LEFT JOIN programmes p ON p.id = t.programme_id "
            "WHERE w.id_hash = ? AND w.expires_at > ? AND t.revoked_at IS NULL");
        s.bind_all(id_hash, now);
        if (!s.step()) return error{errc::not_found, "No such session.", {}};
        scheduler::web_session_token out;
        out.session.id_hash = id_hash;
        out.session.form_token = s.text(9);
        out.session.created_at = s.text(10);
        out.session.expires_at = s.text(11);
        out.token = read_token(s, db_);
        out.session.token_id = out.token.id;
        return out;
    });
}

status sql_store::delete_web_session(const std::string& id_hash) {
    return guarded([&]() -> status {
        db_.prepare("DELETE FROM web_sessions WHERE id_hash = ?").bind_all(id_hash).run();
        return scheduler::ok();
    });
}

} // namespace copsched::storage
