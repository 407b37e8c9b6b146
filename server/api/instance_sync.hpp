#pragma once
// What copsched instances sharing one PostgreSQL database tell each other, so that the
// caches each keeps in memory follow the changes another made: the payloads carried by
// storage::change_channel (LISTEN/NOTIFY), and what hearing one does.
//
//   "t:" tables, comma-separated   a commit changed these tables (token_cache)
//   "f:" JSON {"p","k","h"}        feed_cache::changed(programme, keys, content|access)
//   ""                             anything may have changed (a connection was lost)

#include "server/api/auth.hpp"
#include "server/api/feed_cache.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::server {

std::string tables_payload(const std::set<std::string>& tables);
std::string feed_change_payload(const std::string& programme_id, const std::vector<std::string>& keys,
                                feed_cache::change how);

// Applies what another instance published. An unreadable payload counts as "".
void apply_instance_change(std::string_view payload, feed_cache& feeds, token_cache& tokens);

} // namespace copsched::server
