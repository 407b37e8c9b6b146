#include "server/api/instance_sync.hpp"

#include <boost/json.hpp>

namespace copsched::server {

namespace json = boost::json;

std::string tables_payload(const std::set<std::string>& tables) {
    std::string out = "t:";
    for (const auto& t : tables) {
        if (out.size() > 2) out += ',';
        out += t;
    }
    return out;
}

std::string feed_change_payload(const std::string& programme_id, const std::vector<std::string>& keys,
                                feed_cache::change how) {
    json::array k;
    k.reserve(keys.size());
    for (const auto& key : keys) k.emplace_back(key);
    json::object o;
    o["p"] = programme_id;
    o["k"] = std::move(k);
    o["h"] = how == feed_cache::change::content ? "content" : "access";
    return "f:" + json::serialize(o);
}

namespace {

void everything(feed_cache& feeds, token_cache& tokens) {
    tokens.invalidate();
    feeds.forget_all();
}

} // namespace

void apply_instance_change(std::string_view payload, feed_cache& feeds, token_cache& tokens) {
    if (payload.starts_with("t:")) {
        std::set<std::string> tables;
        payload.remove_prefix(2);
        while (!payload.empty()) {
            const auto comma = payload.find(',');
            tables.emplace(payload.substr(0, comma));
            if (comma == std::string_view::npos) break;
            payload.remove_prefix(comma + 1);
        }
        tokens.tables_changed(tables);
        return;
    }
    if (payload.starts_with("f:")) {
        boost::system::error_code ec;
        const auto v = json::parse(payload.substr(2), ec);
        const auto* o = ec ? nullptr : v.if_object();
        const auto* p = o ? o->if_contains("p") : nullptr;
        const auto* k = o ? o->if_contains("k") : nullptr;
        const auto* h = o ? o->if_contains("h") : nullptr;
        if (p && p->is_string() && k && k->is_array() && h && h->is_string()) {
            std::vector<std::string> keys;
            for (const auto& key : k->get_array())
                if (key.is_string()) keys.emplace_back(key.get_string());
            feeds.apply_remote(std::string(p->get_string()), keys,
                               h->get_string() == "content" ? feed_cache::change::content : feed_cache::change::access);
            return;
        }
    }
    everything(feeds, tokens);
}

} // namespace copsched::server
