#include "server/inbox/reply_message.hpp"

#include <gmime/gmime.h>

#include <memory>
#include <mutex>
#include <vector>

namespace copsched::server {
namespace {

struct gobject_unref {
    void operator()(void* p) const noexcept {
        if (p) g_object_unref(p);
    }
};
template <class T>
using gobject_ptr = std::unique_ptr<T, gobject_unref>;

void init_gmime() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

bool has_tag(const std::string& address) {
    const auto at = address.rfind('@');
    return at != std::string::npos && address.substr(0, at).find('+') != std::string::npos;
}

// The mailbox addresses of a header value ("A <a@x>, b@y"), in order.
std::vector<std::string> addresses_in(const char* value) {
    std::vector<std::string> out;
    if (!value) return out;
    gobject_ptr<InternetAddressList> list(internet_address_list_parse(nullptr, value));
    if (!list) return out;
    for (int i = 0; i < internet_address_list_length(list.get()); ++i) {
        InternetAddress* a = internet_address_list_get_address(list.get(), i);
        if (INTERNET_ADDRESS_IS_MAILBOX(a))
            if (const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)); addr && *addr)
                out.emplace_back(addr);
    }
    return out;
}

std::vector<std::string> addresses_in(InternetAddressList* list) {
    std::vector<std::string> out;
    if (!list) return out;
    for (int i = 0; i < internet_address_list_length(list); ++i) {
        InternetAddress* a = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(a))
            if (const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)); addr && *addr)
                out.emplace_back(addr);
    }
    return out;
}

struct calendar_part {
    GMimePart* part = nullptr;
    int rank = 0; // 3: text/calendar with REPLY/COUNTER inside, 2: .ics attachment with it, 1: other
};

struct walk_state {
    std::vector<GMimePart*> parts;
};

bool is_calendar(GMimePart* part) {
    GMimeContentType* ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
    if (ct &&
        (g_mime_content_type_is_type(ct, "text", "calendar") || g_mime_content_type_is_type(ct, "application", "ics") ||
         g_mime_content_type_is_type(ct, "text", "x-vcalendar")))
        return true;
    const char* name = g_mime_part_get_filename(part);
    if (!name) return false;
    const std::string n = lower(name);
    return n.size() > 4 && n.compare(n.size() - 4, 4, ".ics") == 0;
}

void collect(GMimeObject*, GMimeObject* part, gpointer data) {
    if (GMIME_IS_PART(part) && is_calendar(GMIME_PART(part)))
        static_cast<walk_state*>(data)->parts.push_back(GMIME_PART(part));
}

// The part's body without transfer encoding, converted to UTF-8 from its charset; false
// when larger than `max` or not convertible.
bool decoded_text(GMimePart* part, std::size_t max, std::string& out, std::string& why) {
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (!content) {
        why = "a calendar part without content";
        return false;
    }
    gobject_ptr<GMimeStream> mem(g_mime_stream_mem_new());
    if (g_mime_data_wrapper_write_to_stream(content, mem.get()) < 0) {
        why = "a calendar part that cannot be decoded";
        return false;
    }
    GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
    if (bytes->len > max) {
        why = "a calendar part of " + std::to_string(bytes->len) + " bytes (more than " + std::to_string(max) + ")";
        return false;
    }
    std::string raw(reinterpret_cast<const char*>(bytes->data), bytes->len);
    GMimeContentType* ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
    const char* charset = ct ? g_mime_content_type_get_parameter(ct, "charset") : nullptr;
    const std::string cs = charset ? lower(charset) : std::string("utf-8");
    if (g_utf8_validate(raw.data(), static_cast<gssize>(raw.size()), nullptr)) {
        out = std::move(raw);
        return true;
    }
    if (cs == "utf-8" || cs == "utf8" || cs == "us-ascii") {
        // Broken bytes become U+FFFD: the service then refuses the reply as malformed and
        // records it, instead of the job sending text that is no JSON string.
        gchar* valid = g_utf8_make_valid(raw.data(), static_cast<gssize>(raw.size()));
        out = valid;
        g_free(valid);
        return true;
    }
    gsize written = 0;
    GError* error = nullptr;
    gchar* converted =
        g_convert(raw.data(), static_cast<gssize>(raw.size()), "UTF-8", charset, nullptr, &written, &error);
    if (!converted) {
        if (error) g_error_free(error);
        why = "a calendar part in charset " + cs + " that cannot be read";
        return false;
    }
    out.assign(converted, written);
    g_free(converted);
    return true;
}

bool carries_reply(const std::string& text) {
    // METHOD may be folded or in another case in theory; the clients write it plainly.
    const auto up = [&] {
        std::string u(text.substr(0, std::min<std::size_t>(text.size(), 4096)));
        for (auto& c : u)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        return u;
    }();
    return up.find("METHOD:REPLY") != std::string::npos || up.find("METHOD:COUNTER") != std::string::npos;
}

} // namespace

std::string message_digest(std::string_view raw) {
    gchar* hex =
        g_compute_checksum_for_data(G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(raw.data()), raw.size());
    std::string out(hex ? hex : "");
    g_free(hex);
    return out;
}

reply_message extract_reply(std::string_view raw, std::string_view envelope_to, std::size_t max_calendar_bytes) {
    init_gmime();
    reply_message out;
    gobject_ptr<GMimeStream> stream(
        g_mime_stream_mem_new_with_buffer(reinterpret_cast<const char*>(raw.data()), raw.size()));
    gobject_ptr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    gobject_ptr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!message) {
        out.skipped = "not an e-mail message";
        return out;
    }
    if (const char* id = g_mime_message_get_message_id(message.get())) out.message_id = id;
    if (auto from = addresses_in(g_mime_message_get_from(message.get())); !from.empty()) out.from = from.front();

    out.envelope_to = std::string(envelope_to);
    if (out.envelope_to.empty()) {
        std::vector<std::string> candidates;
        GMimeHeaderList* headers = g_mime_object_get_header_list(GMIME_OBJECT(message.get()));
        const int count = g_mime_header_list_get_count(headers);
        for (const char* name : {"Delivered-To", "X-Original-To", "Envelope-To"})
            for (int i = 0; i < count; ++i) {
                GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
                if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) != 0) continue;
                for (auto& a : addresses_in(g_mime_header_get_value(h))) candidates.push_back(a);
            }
        const auto to = addresses_in(g_mime_message_get_addresses(message.get(), GMIME_ADDRESS_TYPE_TO));
        const auto cc = addresses_in(g_mime_message_get_addresses(message.get(), GMIME_ADDRESS_TYPE_CC));
        candidates.insert(candidates.end(), to.begin(), to.end());
        candidates.insert(candidates.end(), cc.begin(), cc.end());
        for (const auto& c : candidates)
            if (has_tag(c)) {
                out.envelope_to = c;
                break;
            }
        if (out.envelope_to.empty() && !to.empty()) out.envelope_to = to.front();
    }

    walk_state state;
    g_mime_message_foreach(message.get(), collect, &state);
    if (state.parts.empty()) {
        out.skipped = "no text/calendar part and no .ics attachment";
        return out;
    }
    std::string best, why;
    int best_rank = 0;
    for (GMimePart* p : state.parts) {
        std::string text;
        if (!decoded_text(p, max_calendar_bytes, text, why)) continue;
        if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
            why = "an empty calendar part";
            continue;
        }
        GMimeContentType* ct = g_mime_object_get_content_type(GMIME_OBJECT(p));
        const bool inline_calendar = ct && g_mime_content_type_is_type(ct, "text", "calendar");
        const int rank = carries_reply(text) ? (inline_calendar ? 3 : 2) : 1;
        if (rank > best_rank) {
            best_rank = rank;
            best = std::move(text);
        }
        if (rank == 3) break;
    }
    if (best_rank == 0) {
        out.skipped = "only " + why;
        return out;
    }
    out.calendar = std::move(best);
    return out;
}

} // namespace copsched::server
