#include "calendar/import_lines_internal.hpp"

#include "calendar/libical_internal.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <utility>

namespace copsched::calendar::detail {
namespace {

using scheduler::errc;
using scheduler::error;
using scheduler::result;

constexpr std::size_t max_problem_length = 300; // bytes of one listed problem
// Parser errors whose line is searched for (each search reads the file once); later ones
// are listed without a line, after those with one.
constexpr std::size_t max_located_errors = 100;

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

bool is_blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

// Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or npos.
std::size_t invalid_utf8_at(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF)
            len = 2;
        else if (c == 0xE0)
            len = 3, lo = 0xA0;
        else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
            len = 3;
        else if (c == 0xED)
            len = 3, hi = 0x9F;
        else if (c == 0xF0)
            len = 4, lo = 0x90;
        else if (c >= 0xF1 && c <= 0xF3)
            len = 4;
        else if (c == 0xF4)
            len = 4, hi = 0x8F;
        else
            return i;
        if (s.size() - i < len) return i;
        const auto c1 = static_cast<unsigned char>(s[i + 1]);
        if (c1 < lo || c1 > hi) return i;
        for (std::size_t k = 2; k < len; ++k) {
            const auto ck = static_cast<unsigned char>(s[i + k]);
            if (ck < 0x80 || ck > 0xBF) return i;
        }
        i += len;
    }
    return std::string_view::npos;
}

std::size_t line_number_at(std::string_view text, std::size_t offset) {
    return 1 +
           static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// RFC 5545 3.1: a line that starts with a space or tab continues the previous one.
std::vector<text_line> logical_lines(std::string_view text, std::size_t first_number) {
    std::vector<text_line> lines;
    std::size_t number = first_number - 1;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++number;
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        if (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t') && !lines.empty()) {
            lines.back().text.append(raw.substr(1));
            continue;
        }
        if (is_blank(raw)) continue; // libical skips empty lines too
        lines.push_back({number, std::string(raw), {}, {}});
    }
    for (text_line& l : lines) {
        const std::size_t end = l.text.find_first_of(";:");
        l.name = upper(std::string_view(l.text).substr(0, end));
        if ((l.name == "BEGIN" || l.name == "END") && end != std::string::npos && l.text[end] == ':') {
            std::string v = upper(std::string_view(l.text).substr(end + 1));
            while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
            l.value = std::move(v);
        }
    }
    return lines;
}

// Fills the component tree; the first structural problem ends the check.
std::optional<problem> build_structure(text_index& ix, std::size_t max_depth) {
    std::vector<std::size_t> open;
    for (std::size_t i = 0; i < ix.lines.size(); ++i) {
        const text_line& l = ix.lines[i];
        if (l.name == "BEGIN") {
            if (l.value.empty()) return problem{l.number, "BEGIN without a component name"};
            if (open.size() >= max_depth)
                return problem{l.number, "components are nested more than " + std::to_string(max_depth) + " deep"};
            if (open.empty() && l.value != "VCALENDAR")
                return problem{l.number, "BEGIN:" + l.value + " is outside BEGIN:VCALENDAR ... END:VCALENDAR"};
            ix.components.push_back({l.value, i, {}, {}});
            const std::size_t id = ix.components.size() - 1;
            (open.empty() ? ix.top : ix.components[open.back()].children).push_back(id);
            open.push_back(id);
        } else if (l.name == "END") {
            if (open.empty()) return problem{l.number, "END:" + l.value + " without a matching BEGIN"};
            const text_component& c = ix.components[open.back()];
            if (c.name != l.value)
                return problem{l.number, "END:" + l.value + " does not close BEGIN:" + c.name + " on line " +
                                             std::to_string(ix.lines[c.begin].number)};
            open.pop_back();
        } else {
            if (open.empty()) return problem{l.number, "text outside BEGIN:VCALENDAR ... END:VCALENDAR"};
            ix.components[open.back()].own_lines.push_back(i);
        }
    }
    if (!open.empty()) {
        const text_component& c = ix.components[open.back()];
        return problem{ix.lines[c.begin].number,
                       "the file ends before END:" + c.name + " of this BEGIN:" + c.name + " (is the file cut off?)"};
    }
    if (ix.top.empty()) return problem{0, "contains no VCALENDAR"};
    return std::nullopt;
}

} // namespace

// --- problems ------------------------------------------------------------------------------

void problem_list::add(std::size_t line, std::string text) {
    if (text.size() > max_problem_length) text = std::string(utf8_prefix(text, max_problem_length)) + "...";
    list_.push_back({line, std::move(text)});
}

error problem_list::to_error(std::size_t max_listed) && {
    std::stable_sort(list_.begin(), list_.end(), [](const problem& a, const problem& b) {
        return (a.line == 0 ? SIZE_MAX : a.line) < (b.line == 0 ? SIZE_MAX : b.line);
    });
    error e{errc::invalid_input, {}, {}};
    const std::size_t listed = std::min(max_listed, list_.size());
    e.detail = "The iCalendar file cannot be imported: " + std::to_string(list_.size()) +
               (list_.size() == 1 ? " problem" : " problems");
    if (listed < list_.size()) e.detail += ", the first " + std::to_string(listed) + " listed";
    e.detail += ".";
    if (searched_lines_)
        e.detail += " The parser does not report line numbers; the lines of its messages were "
                    "found by searching the file for the text they quote.";
    for (std::size_t i = 0; i < listed; ++i) {
        const problem& p = list_[i];
        e.fields.push_back({"body", p.line == 0 ? p.text : "line " + std::to_string(p.line) + ": " + p.text});
    }
    return e;
}

error one_problem(std::size_t line, std::string text, std::size_t max_listed) {
    problem_list p;
    p.add(line, std::move(text));
    return std::move(p).to_error(max_listed);
}

std::string_view utf8_prefix(std::string_view s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n);
}

// --- the text before the parser -------------------------------------------------------------

result<ics_text> read_text(std::string_view ics, const import_limits& limits) {
    const std::size_t listed = limits.max_errors_listed;
    if (ics.empty()) return one_problem(0, "is empty", listed);
    if (ics.size() > limits.max_bytes)
        return one_problem(0, "is larger than " + std::to_string(limits.max_bytes) + " bytes", listed);
    if (const std::size_t bad = invalid_utf8_at(ics); bad != std::string_view::npos)
        return one_problem(line_number_at(ics, bad), "is not valid UTF-8 (byte " + std::to_string(bad + 1) + ")",
                           listed);
    if (const std::size_t nul = ics.find('\0'); nul != std::string_view::npos)
        return one_problem(line_number_at(ics, nul), "contains a NUL character", listed);

    std::string_view body = ics;
    if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
    const std::size_t first = body.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return one_problem(0, "is empty", listed);
    const std::size_t first_line = line_number_at(body, first);
    body.remove_prefix(first);
    const std::size_t eol = body.find_first_of("\r\n");
    std::string_view head = body.substr(0, eol);
    while (!head.empty() && (head.back() == ' ' || head.back() == '\t')) head.remove_suffix(1);
    if (upper(head) != "BEGIN:VCALENDAR")
        return one_problem(0, "is not an iCalendar file: it must start with BEGIN:VCALENDAR", listed);
    return ics_text{body, first_line};
}

// --- source_map ------------------------------------------------------------------------------

namespace {

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The parameters and the value of a content line: split at the first ':' outside quotes.
std::pair<std::string_view, std::string_view> params_and_value(std::string_view line) {
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '"')
            quoted = !quoted;
        else if (line[i] == ':' && !quoted)
            return {line.substr(0, i), line.substr(i + 1)};
    }
    return {line, {}};
}

bool is_date(std::string_view v) { return v.size() == 8 && all_digits(v); }

bool is_date_time(std::string_view v) {
    if (v.ends_with('Z')) v.remove_suffix(1);
    return v.size() == 15 && v[8] == 'T' && all_digits(v.substr(0, 8)) && all_digits(v.substr(9));
}

bool is_utc_offset(std::string_view v) {
    if (v.size() != 5 && v.size() != 7) return false;
    if ((v[0] != '+' && v[0] != '-') || !all_digits(v.substr(1))) return false;
    const auto two = [&](std::size_t at) { return (v[at] - '0') * 10 + (v[at + 1] - '0'); };
    return two(1) < 24 && two(3) < 60 && (v.size() == 5 || two(5) < 60);
}

std::string quoted(std::string_view v) { return "'" + std::string(utf8_prefix(v, 40)) + "'"; }

} // namespace

bool problem_list::has_line(std::size_t line) const noexcept {
    return std::any_of(list_.begin(), list_.end(), [&](const problem& p) { return p.line == line; });
}

void check_value_syntax(const text_index& index, problem_list& problems) {
    for (const auto& line : index.lines) {
        const auto& n = line.name;
        const bool when = n == "DTSTART" || n == "DTEND" || n == "DUE" || n == "RECURRENCE-ID";
        const bool offset = n == "TZOFFSETFROM" || n == "TZOFFSETTO";
        if ((!when && !offset) || problems.has_line(line.number)) continue;
        auto [params, value] = params_and_value(line.text);
        if (offset) {
            if (!is_utc_offset(value))
                problems.add(line.number, n + " " + quoted(value) + " is not a UTC offset such as +0100 or -0500");
            continue;
        }
        std::string upper(params);
        std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
        if (upper.find(";VALUE=DATE") != std::string::npos && upper.find(";VALUE=DATE-TIME") == std::string::npos) {
            if (!is_date(value))
                problems.add(line.number, n + " " + quoted(value) + " is not a DATE such as 20190305 (VALUE=DATE)");
        } else if (!is_date_time(value) && !(upper.find(";VALUE=") == std::string::npos && is_date(value))) {
            problems.add(line.number,
                         n + " " + quoted(value) + " is not a DATE-TIME such as 20190305T100000Z or 20190305T100000");
        }
    }
}

std::optional<problem> source_map::read(std::string_view text, std::size_t first_line, std::size_t max_depth) {
    index_.lines = logical_lines(text, first_line);
    return build_structure(index_, max_depth);
}

std::vector<icalcomponent*> source_map::map_tree(icalcomponent* root) {
    std::vector<icalcomponent*> cals;
    if (icalcomponent_isa(root) == ICAL_XROOT_COMPONENT)
        cals = children(root, ICAL_VCALENDAR_COMPONENT);
    else if (icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT)
        cals.push_back(root);
    for (std::size_t i = 0; i < cals.size() && i < index_.top.size(); ++i) map_component(cals[i], index_.top[i]);
    return cals;
}

void source_map::map_component(icalcomponent* c, std::size_t node) {
    node_of_[c] = node;
    const std::vector<std::size_t> kids = index_.components[node].children; // copy: map_component recurses
    std::vector<bool> taken(kids.size(), false);
    std::map<std::string, std::size_t, std::less<>> cursor;             // per kind: next kid to look at
    std::map<std::string_view, std::vector<std::size_t>> zones_by_tzid; // kids by TZID, last first
    for (std::size_t j = kids.size(); j-- > 0;)
        if (index_.components[kids[j]].name == "VTIMEZONE") zones_by_tzid[text_tzid(kids[j])].push_back(j);
    for (icalcomponent* k : children(c)) {
        const char* name = icalcomponent_kind_to_string(icalcomponent_isa(k));
        if (name == nullptr) continue;
        std::optional<std::size_t> match;
        if (icalcomponent_isa(k) == ICAL_VTIMEZONE_COMPONENT) {
            icalproperty* p = first_property(k, ICAL_TZID_PROPERTY);
            const char* tzid = p != nullptr ? icalproperty_get_tzid(p) : nullptr;
            if (tzid == nullptr) continue;
            const auto it = zones_by_tzid.find(std::string_view(tzid));
            if (it == zones_by_tzid.end() || it->second.empty()) continue;
            match = it->second.back(); // the first in the text not yet matched
            it->second.pop_back();
        } else {
            std::size_t& j = cursor[name];
            while (j < kids.size() && (taken[j] || index_.components[kids[j]].name != name)) ++j;
            if (j < kids.size()) match = j++;
        }
        if (!match) continue;
        taken[*match] = true;
        map_component(k, kids[*match]);
    }
}

// The value of the first TZID line directly in a component of the text.
std::string_view source_map::text_tzid(std::size_t component) const {
    for (const std::size_t i : index_.components[component].own_lines) {
        const text_line& l = index_.lines[i];
        if (l.name == "TZID") {
            const std::size_t colon = l.text.find(':');
            return colon == std::string::npos ? std::string_view{} : std::string_view(l.text).substr(colon + 1);
        }
    }
    return {};
}

std::optional<std::size_t> source_map::node(icalcomponent* c) const {
    const auto it = node_of_.find(c);
    if (it == node_of_.end()) return std::nullopt;
    return it->second;
}

std::size_t source_map::begin_line(icalcomponent* c) const {
    const auto n = node(c);
    return n ? index_.lines[index_.components[*n].begin].number : 0;
}

std::size_t source_map::property_line(icalcomponent* c, std::string_view name, std::string_view needle) const {
    const auto n = node(c);
    if (!n) return 0;
    for (const std::size_t i : index_.components[*n].own_lines) {
        const text_line& l = index_.lines[i];
        if (l.name == name && (needle.empty() || l.text.find(needle) != std::string::npos)) return l.number;
    }
    return index_.lines[index_.components[*n].begin].number;
}

// X-LIC-ERROR messages end in the text the parser could not read ("...: GARBAGE"); the
// first max_located_errors of them are given the line holding that text.
void source_map::collect_parse_errors(icalcomponent* root, problem_list& problems) {
    std::set<std::size_t> used; // lines already given to a message
    std::size_t located = 0;
    const auto walk = [&](auto&& self, icalcomponent* c) -> void {
        for (icalproperty* p : properties(c, ICAL_XLICERROR_PROPERTY)) {
            const char* raw = icalproperty_get_xlicerror(p);
            const std::string message = raw != nullptr && *raw != '\0' ? raw : "unreadable text";
            std::size_t line = 0;
            const std::size_t colon = message.rfind(": ");
            const std::string quote = colon == std::string::npos ? std::string() : message.substr(colon + 2);
            if (!quote.empty() && located++ < max_located_errors) {
                line = quoted_line(c, quote, used);
                if (line != 0) problems.note_searched_lines();
            }
            problems.add(line, message);
            has_errors_.insert(c);
        }
        for (icalcomponent* k : children(c)) self(self, k);
    };
    walk(walk, root);
    // Cross-check with libical's own count: an error it counts that the walk missed
    // must not pass silently.
    const int counted = icalcomponent_count_errors(root);
    if (counted > 0 && static_cast<std::size_t>(counted) > problems.size())
        problems.add(0, std::to_string(static_cast<std::size_t>(counted) - problems.size()) + " further parser errors");
}

// The line holding `quote` that no earlier message took: among c's own lines, then the
// file's, first one ending in it (a value), then one containing it; 0 when none does.
std::size_t source_map::quoted_line(icalcomponent* c, const std::string& quote, std::set<std::size_t>& used) const {
    const auto take = [&](std::size_t i, bool at_end) {
        const std::string& t = index_.lines[i].text;
        if (used.contains(i) || !(at_end ? t.ends_with(quote) : t.find(quote) != std::string::npos)) return false;
        used.insert(i);
        return true;
    };
    if (const auto n = node(c))
        for (const bool at_end : {true, false})
            for (const std::size_t i : index_.components[*n].own_lines)
                if (take(i, at_end)) return index_.lines[i].number;
    for (const bool at_end : {true, false})
        for (std::size_t i = 0; i < index_.lines.size(); ++i)
            if (take(i, at_end)) return index_.lines[i].number;
    return 0;
}

} // namespace copsched::calendar::detail
