#include "server/remind/mime.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace copsched::server {
namespace {

// RFC 5322 2.1.1: lines SHOULD be at most 78 characters; RFC 2047 2 asks <= 76 for lines
// with encoded-words and RFC 2045 6.7 the same for quoted-printable. One limit for all.
constexpr std::size_t max_line = 76;
// RFC 2047 2: an encoded-word is at most 75 characters.
constexpr std::size_t max_encoded_word = 75;
// "=?UTF-8?B?" + "?=".
constexpr std::size_t encoded_word_overhead = 12;
// A plain word longer than this cannot be folded onto a line of its own after a header
// name, so the value is sent as encoded-words instead (which split anywhere).
constexpr std::size_t max_plain_word = 60;

constexpr char hex_digits[] = "0123456789ABCDEF";

// Appends the UTF-8 encoding of code point `cp`.
void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Decodes one UTF-8 character at s[i], advancing i; a malformed, overlong or surrogate
// sequence yields U+FFFD and consumes one byte.
char32_t next_code_point(std::string_view s, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) return ++i, b0;
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((b0 & 0xE0) == 0xC0)
        len = 2, cp = b0 & 0x1F, min = 0x80;
    else if ((b0 & 0xF0) == 0xE0)
        len = 3, cp = b0 & 0x0F, min = 0x800;
    else if ((b0 & 0xF8) == 0xF0)
        len = 4, cp = b0 & 0x07, min = 0x10000;
    else
        return ++i, U'\uFFFD';
    if (i + len > s.size()) return ++i, U'\uFFFD';
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return ++i, U'\uFFFD';
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return ++i, U'\uFFFD';
    i += len;
    return cp;
}

bool is_bidi_control(char32_t cp) {
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F;
}

// User text made safe for a header: valid UTF-8; CR, LF, TAB and the line/paragraph
// separators become spaces; other controls and bidi overrides vanish; runs of spaces
// become one; no leading or trailing space.
std::string header_text(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    bool pending_space = false;
    for (std::size_t i = 0; i < in.size();) {
        const char32_t cp = next_code_point(in, i);
        if (cp == U' ' || cp == U'\t' || cp == U'\r' || cp == U'\n' || cp == 0x2028 || cp == 0x2029 || cp == 0x85) {
            pending_space = true;
            continue;
        }
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || is_bidi_control(cp)) continue;
        if (pending_space && !out.empty()) out += ' ';
        pending_space = false;
        append_utf8(out, cp);
    }
    return out;
}

bool is_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

bool is_atext(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// Whether plain (already sanitised) text must go as encoded-words: non-ASCII, something a
// decoder would take for an encoded-word, or a word too long to fold.
bool needs_encoded_words(std::string_view s) {
    if (!is_ascii(s) || s.find("=?") != std::string_view::npos) return true;
    std::size_t word = 0;
    for (char c : s) {
        word = c == ' ' ? 0 : word + 1;
        if (word > max_plain_word) return true;
    }
    return false;
}

std::string base64(std::string_view in) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const std::uint32_t n = (static_cast<unsigned char>(in[i]) << 16) |
                                (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    if (i + 1 == in.size()) {
        const std::uint32_t n = static_cast<unsigned char>(in[i]) << 16;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        const std::uint32_t n =
            (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

// Base64 body in lines of 76 characters, each ended by CRLF.
std::string base64_body(std::string_view in) {
    const auto flat = base64(in);
    std::string out;
    out.reserve(flat.size() + flat.size() / max_line * 2 + 2);
    for (std::size_t i = 0; i < flat.size(); i += max_line) {
        out.append(flat, i, max_line);
        out += "\r\n";
    }
    return out;
}

// LF, CR and CRLF all become CRLF.
std::string crlf_lines(std::string_view in) {
    std::string out;
    out.reserve(in.size() + in.size() / 32);
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\r') {
            out += "\r\n";
            if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
        } else if (in[i] == '\n') {
            out += "\r\n";
        } else {
            out += in[i];
        }
    }
    return out;
}

// Quoted-printable (RFC 2045 6.7) of CRLF text: hard line breaks stay CRLF, soft breaks keep
// every line <= 76 characters, trailing white space and a leading '.' are encoded so no
// relay can change them.
std::string quoted_printable(std::string_view crlf_text) {
    std::string out;
    out.reserve(crlf_text.size() + crlf_text.size() / 8);
    std::size_t start = 0;
    while (start < crlf_text.size()) {
        auto end = crlf_text.find("\r\n", start);
        const bool has_break = end != std::string_view::npos;
        if (!has_break) end = crlf_text.size();
        const auto line = crlf_text.substr(start, end - start);
        std::size_t len = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const auto c = static_cast<unsigned char>(line[i]);
            const bool last = i + 1 == line.size();
            char enc[3] = {static_cast<char>(c), 0, 0};
            std::size_t n = 1;
            const bool literal =
                ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last)) && !(c == '.' && i == 0);
            if (!literal) enc[0] = '=', enc[1] = hex_digits[c >> 4], enc[2] = hex_digits[c & 15], n = 3;
            // Leave room for the soft break's '=' unless this is the last character.
            if (len + n > (last ? max_line : max_line - 1)) {
                out += "=\r\n";
                len = 0;
            }
            out.append(enc, n);
            len += n;
        }
        out += "\r\n";
        start = end + (has_break ? 2 : 0);
    }
    return out;
}

// Builds one header field, folding before a token when the line would pass max_line.
class header_builder {
public:
    explicit header_builder(std::string_view name) : out_(std::string(name) + ":"), line_len_(out_.size()) {}

    // A token that must not be split (a word, a quoted string, an <address>).
    void token(std::string_view t) {
        if (line_len_ + 1 + t.size() > max_line && line_len_ > first_line_floor()) {
            out_ += "\r\n";
            line_len_ = 0;
        }
        out_ += ' ';
        out_ += t;
        line_len_ += 1 + t.size();
    }

    // Plain ASCII text without control characters, folded at its spaces.
    void words(std::string_view text) {
        std::size_t start = 0;
        while (start <= text.size()) {
            auto sp = text.find(' ', start);
            if (sp == std::string_view::npos) sp = text.size();
            if (sp > start) token(text.substr(start, sp - start));
            start = sp + 1;
        }
    }

    // UTF-8 text as B encoded-words, each split between whole characters and sized to
    // the room left on the current line.
    void encoded_words(std::string_view utf8) {
        std::size_t i = 0;
        while (i < utf8.size()) {
            // Room after the separating space; fold first when not even two characters fit.
            if (line_len_ + 1 + encoded_word_overhead + 8 > max_line) {
                out_ += "\r\n";
                line_len_ = 0;
            }
            const std::size_t room = std::min(max_line - line_len_ - 1, max_encoded_word);
            const std::size_t max_bytes = (room - encoded_word_overhead) / 4 * 3;
            // Cut after a space when one fits (the space stays inside the word, where
            // decoders keep it), else between two whole characters.
            std::size_t end = i;
            std::size_t after_space = i;
            for (std::size_t next = i; next < utf8.size();) {
                const char32_t cp = next_code_point(utf8, next);
                if (next - i > max_bytes) break;
                end = next;
                if (cp == U' ') after_space = next;
            }
            if (end < utf8.size() && after_space > i) end = after_space;
            if (end == i) end = i + 1; // cannot happen with valid UTF-8 and max_bytes >= 6
            token("=?UTF-8?B?" + base64(utf8.substr(i, end - i)) + "?=");
            i = end;
        }
    }

    // Words that `plain` accepts stay as they are; each run of other words (with the
    // spaces between them) becomes encoded-words. Decoders drop the white space between
    // two adjacent encoded-words, so no run ever follows another directly; and a reader
    // that does not (Python's address parser) still sees whole words.
    template <class Plain>
    void mixed(std::string_view text, Plain plain) {
        std::size_t run_start = std::string_view::npos;
        std::size_t run_end = 0;
        std::size_t start = 0;
        while (start <= text.size()) {
            auto sp = text.find(' ', start);
            if (sp == std::string_view::npos) sp = text.size();
            const auto word = text.substr(start, sp - start);
            if (plain(word)) {
                if (run_start != std::string_view::npos) encoded_words(text.substr(run_start, run_end - run_start));
                run_start = std::string_view::npos;
                token(word);
            } else {
                if (run_start == std::string_view::npos) run_start = start;
                run_end = sp;
            }
            start = sp + 1;
        }
        if (run_start != std::string_view::npos) encoded_words(text.substr(run_start, run_end - run_start));
    }

    std::string done() && { return std::move(out_) + "\r\n"; }

private:
    // Never fold right after "Name:": the first token stays on the header's line.
    std::size_t first_line_floor() const { return out_.find('\r') == std::string::npos ? name_len() : 0; }
    std::size_t name_len() const { return out_.find(':') + 1; }

    std::string out_;
    std::size_t line_len_;
};

// The display name as a phrase: atoms as they are, specials in a quoted string,
// non-ASCII (or anything too long to fold) as encoded-words.
bool plain_word(std::string_view w) {
    return !w.empty() && w.size() <= max_plain_word && is_ascii(w) && w.find("=?") == std::string_view::npos;
}

bool atom(std::string_view w) {
    if (!plain_word(w)) return false;
    for (char c : w)
        if (!is_atext(c)) return false;
    return true;
}

void add_display_name(header_builder& h, std::string_view name) {
    if (needs_encoded_words(name)) return h.mixed(name, atom);
    bool plain = true;
    for (char c : name)
        if (c != ' ' && !is_atext(c)) plain = false;
    if (plain) return h.words(name);
    std::string quoted = "\"";
    for (char c : name) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
    }
    quoted += '"';
    if (quoted.size() > max_line - 10) return h.mixed(name, atom);
    h.token(quoted);
}

std::string address_header(std::string_view field, const mail_address& a) {
    header_builder h(field);
    const auto name = header_text(a.name);
    if (name.empty()) {
        h.token(a.email);
    } else {
        add_display_name(h, name);
        h.token("<" + a.email + ">");
    }
    return std::move(h).done();
}

std::string subject_header(std::string_view subject) {
    header_builder h("Subject");
    const auto text = header_text(subject);
    if (needs_encoded_words(text))
        h.mixed(text, plain_word);
    else
        h.words(text);
    return std::move(h).done();
}

bool valid_message_id(std::string_view id) {
    if (id.size() < 5 || id.size() > 250 || id.front() != '<' || id.back() != '>') return false;
    const auto inner = id.substr(1, id.size() - 2);
    const auto at = inner.find('@');
    if (at == 0 || at == std::string_view::npos || at + 1 == inner.size()) return false;
    for (char c : inner)
        if (c < 0x21 || c > 0x7E || c == '<' || c == '>' || c == '"' || c == '\\') return false;
    return true;
}

bool valid_language(std::string_view tag) {
    if (tag.empty() || tag.size() > 35) return false;
    if (!((tag[0] >= 'a' && tag[0] <= 'z') || (tag[0] >= 'A' && tag[0] <= 'Z'))) return false;
    for (char c : tag)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return tag.back() != '-';
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

// The calendar-level METHOD of CRLF iCalendar text, upper-cased; empty when absent.
std::string calendar_method(std::string_view crlf_ical) {
    std::size_t pos = 0;
    while (pos < crlf_ical.size()) {
        auto end = crlf_ical.find("\r\n", pos);
        if (end == std::string_view::npos) end = crlf_ical.size();
        auto line = crlf_ical.substr(pos, end - pos);
        if (upper(line.substr(0, 7)) == "METHOD:") {
            auto v = line.substr(7);
            while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
            return upper(v);
        }
        if (upper(line) == "BEGIN:VEVENT") return {}; // METHOD belongs before the components
        pos = end + 2;
    }
    return {};
}

bool known_itip_method(std::string_view m) {
    for (auto k : {"PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER", "DECLINECOUNTER"})
        if (m == k) return true;
    return false;
}

std::string boundary_for(std::string_view seed, unsigned attempt) {
    std::uint64_t h = 0xcbf29ce484222325ULL; // FNV-1a: stable across runs and platforms
    for (char c : seed) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    // "=_" never occurs in base64 or quoted-printable output, so it cannot clash with a part.
    // Appended piece by piece: GCC 12 at -O2 and above warns (-Wstringop-overflow, a false
    // positive) on `"_" + std::to_string(...)` here.
    std::string b;
    b.reserve(40);
    b.append("=_copsched_");
    for (int shift = 60; shift >= 0; shift -= 4) b.push_back(hex_digits[(h >> shift) & 15]);
    if (attempt > 0) {
        b.push_back('_');
        b.append(std::to_string(attempt));
    }
    return b;
}

} // namespace

bool valid_mail_address(std::string_view a) {
    if (a.empty() || a.size() > 254) return false;
    const auto at = a.find('@');
    if (at == 0 || at == std::string_view::npos || at > 64) return false;
    const auto local = a.substr(0, at);
    const auto domain = a.substr(at + 1);
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
    for (char c : local)
        if (c != '.' && !is_atext(c)) return false;
    if (domain.empty()) return false;
    std::size_t label = 0;
    char prev = '.';
    for (char c : domain) {
        if (c == '.') {
            if (label == 0 || prev == '-') return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
            if (label == 0 && c == '-') return false;
            if (++label > 63) return false;
        } else {
            return false;
        }
        prev = c;
    }
    return label > 0 && prev != '-';
}

std::string rfc5322_date(std::chrono::system_clock::time_point t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    static constexpr std::array<const char*, 7> days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[static_cast<std::size_t>(tm.tm_wday)],
                  tm.tm_mday, months[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
}

mail_result build_mail(const mail_message& m) {
    if (!valid_mail_address(m.from.email))
        return mail_error{mail_errc::invalid_address, "from.email is not a valid address"};
    if (!valid_mail_address(m.to.email))
        return mail_error{mail_errc::invalid_address, "to.email is not a valid address"};
    if (!m.reply_to.empty() && !valid_mail_address(m.reply_to))
        return mail_error{mail_errc::invalid_address, "reply_to is not a valid address"};
    if (!valid_message_id(m.message_id))
        return mail_error{mail_errc::invalid_message_id, "message_id must look like <left@right>"};
    if (!m.language.empty() && !valid_language(m.language))
        return mail_error{mail_errc::invalid_language, "language is not a BCP 47 tag"};

    const auto text_body = quoted_printable(crlf_lines(m.text));
    std::string calendar_body;
    std::string method;
    if (m.calendar) {
        method = upper(m.calendar->method);
        if (!known_itip_method(method))
            return mail_error{mail_errc::invalid_calendar, "calendar.method is not an iTIP method"};
        const auto ical = crlf_lines(m.calendar->content);
        const auto inside = calendar_method(ical);
        if (inside.empty()) return mail_error{mail_errc::invalid_calendar, "calendar.content has no METHOD"};
        if (inside != method)
            return mail_error{mail_errc::invalid_calendar,
                              "calendar.method " + method + " differs from the content's METHOD " + inside};
        calendar_body = base64_body(ical);
    }

    std::string out;
    out.reserve(1024 + text_body.size() + calendar_body.size());
    out += address_header("From", m.from);
    out += address_header("To", m.to);
    if (!m.reply_to.empty()) out += "Reply-To: " + m.reply_to + "\r\n";
    out += subject_header(m.subject);
    out += "Date: " + rfc5322_date(m.date) + "\r\n";
    out += "Message-ID: " + m.message_id + "\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Auto-Submitted: auto-generated\r\n";
    if (!m.language.empty()) out += "Content-Language: " + m.language + "\r\n";
    if (!m.calendar) {
        out += "Content-Type: text/plain; charset=UTF-8\r\n";
        out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
        out += text_body;
        return out;
    }
    std::string boundary;
    for (unsigned attempt = 0;; ++attempt) {
        boundary = boundary_for(m.boundary_seed, attempt);
        if (text_body.find(boundary) == std::string::npos && calendar_body.find(boundary) == std::string::npos) break;
    }
    out += "Content-Class: urn:content-classes:calendarmessage\r\n";
    out += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n\r\n";
    out += "--" + boundary + "\r\n";
    out += "Content-Type: text/plain; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += text_body;
    out += "\r\n--" + boundary + "\r\n";
    out += "Content-Type: text/calendar; charset=UTF-8; method=" + method + "\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    out += calendar_body;
    out += "\r\n--" + boundary + "--\r\n";
    return out;
}

} // namespace copsched::server
