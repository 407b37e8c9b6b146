#pragma once
// The text layer of the iCalendar import (calendar/import.hpp): what is read from the file
// as text, before and beside libical, and how problems are reported by line. Internal to
// calendar/: only calendar/import*.cpp include it.
//
//  - read_text: the checks that need no parser (size, UTF-8, NUL, a first line
//    BEGIN:VCALENDAR), each failing with the one problem import.hpp lists;
//  - source_map: the file's logical lines (RFC 5545 unfolding) and BEGIN/END tree, checked
//    before libical sees the text (libical returns nothing for a cut-off file and prints
//    to standard error on a stray END), and afterwards the line each libical component,
//    property and parser error (X-LIC-ERROR) came from, since libical keeps no line
//    numbers;
//  - problem_list: the problems of one file, turned into the single errc::invalid_input
//    error the import returns (field "body", sorted by line, at most max_listed listed).
//
// Nothing here is shared between calls: one source_map and one problem_list per import.

#include "calendar/import.hpp"
#include "scheduler/result.hpp"

#include <libical/ical.h>

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::calendar::detail {

// --- problems ------------------------------------------------------------------------------

struct problem {
    std::size_t line = 0; // 0: not known
    std::string text;
};

class problem_list {
public:
    // Keeps a problem; text longer than a few hundred bytes is cut at a UTF-8 boundary.
    void add(std::size_t line, std::string text);
    [[nodiscard]] bool empty() const noexcept { return list_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return list_.size(); }
    [[nodiscard]] bool has_line(std::size_t line) const noexcept;
    // The detail then says that the lines of parser messages were found by searching.
    void note_searched_lines() noexcept { searched_lines_ = true; }

    // errc::invalid_input: problems by line, those without a line last, the first
    // max_listed as field "body" ("line N: ..."), the total in the detail.
    [[nodiscard]] scheduler::error to_error(std::size_t max_listed) &&;

private:
    std::vector<problem> list_;
    bool searched_lines_ = false;
};

// The error of a file with exactly this problem.
[[nodiscard]] scheduler::error one_problem(std::size_t line, std::string text, std::size_t max_listed);

// The longest prefix of s (valid UTF-8) of at most max bytes that ends on a character boundary.
[[nodiscard]] std::string_view utf8_prefix(std::string_view s, std::size_t max);

// --- the text before the parser -------------------------------------------------------------

// The file as the parser reads it.
struct ics_text {
    std::string_view body;      // from BEGIN:VCALENDAR on (no byte order mark, no blank lines before)
    std::size_t first_line = 1; // the physical line of the file that body starts on
};

// Checks ics against limits.max_bytes, UTF-8 (RFC 3629), NUL characters and a first line
// BEGIN:VCALENDAR (any case, after a byte order mark and white space). Errors: one problem
// each, listed as import.hpp says.
[[nodiscard]] scheduler::result<ics_text> read_text(std::string_view ics, const import_limits& limits);

// --- our own index of the text: logical lines and component nesting ----------------------------

struct text_line {
    std::size_t number = 0; // physical line (1-based) where the logical line starts
    std::string text;       // unfolded, without the line end
    std::string name;       // upper case, up to the first ';' or ':'
    std::string value;      // BEGIN/END only: the component name, upper case
};

struct text_component {
    std::string name;                   // upper case, e.g. "VEVENT"
    std::size_t begin = 0;              // index of the BEGIN line
    std::vector<std::size_t> children;  // indices into text_index::components
    std::vector<std::size_t> own_lines; // property lines directly inside, in order
};

struct text_index {
    std::vector<text_line> lines;
    std::vector<text_component> components;
    std::vector<std::size_t> top; // the VCALENDARs
};

// The values libical reads leniently, checked against RFC 5545's syntax: DTSTART, DTEND,
// DUE and RECURRENCE-ID a DATE (20190305) or DATE-TIME (20190305T100000, Z optional) as
// their VALUE parameter says, TZOFFSETFROM and TZOFFSETTO a UTC offset (+0100, -023000;
// hours below 24). libical turns "2019-03-05T10:00:00Z" or "+9999" into some other time
// or offset without an error. One problem per line at fault, added to `problems` unless
// it already has one for that line (libical's own parse error).
void check_value_syntax(const text_index& index, problem_list& problems);

// The text's index and, once libical has parsed the same text, where each of its
// components came from. Components it does not know (map_tree was not told of them, or
// they had no counterpart in the text) have line 0.
class source_map {
public:
    // Indexes text (physical lines numbered from first_line) and checks its BEGIN/END
    // structure: BEGIN with a name, at most max_depth deep, everything inside VCALENDARs,
    // each END closing its BEGIN, none left open, at least one VCALENDAR. Returns the
    // first problem found, or nullopt.
    [[nodiscard]] std::optional<problem> read(std::string_view text, std::size_t first_line, std::size_t max_depth);

    [[nodiscard]] const text_index& index() const noexcept { return index_; }

    // Matches libical's tree (an XROOT of VCALENDARs, or one VCALENDAR) with the index and
    // returns its VCALENDARs in order. The k-th child of a kind is the k-th BEGIN of that
    // name in the text (libical keeps document order within a kind and drops unknown
    // components), except VTIMEZONEs: libical puts each new one first, so they are
    // matched by TZID.
    std::vector<icalcomponent*> map_tree(icalcomponent* root);

    // Every X-LIC-ERROR below root as a problem, with the line of the text it quotes where
    // that is found (see the .cpp); the components holding them are remembered. Adds one
    // more problem when libical counts more errors than `problems` then holds, so call it
    // while `problems` is still empty.
    void collect_parse_errors(icalcomponent* root, problem_list& problems);
    [[nodiscard]] bool has_parse_errors(icalcomponent* c) const { return has_errors_.contains(c); }

    // The line of BEGIN for c, or 0.
    [[nodiscard]] std::size_t begin_line(icalcomponent* c) const;
    // The first line directly in c named `name` (and containing `needle`), else c's BEGIN
    // line, else 0.
    [[nodiscard]] std::size_t property_line(icalcomponent* c, std::string_view name,
                                            std::string_view needle = {}) const;

private:
    void map_component(icalcomponent* c, std::size_t node);
    [[nodiscard]] std::string_view text_tzid(std::size_t component) const;
    [[nodiscard]] std::optional<std::size_t> node(icalcomponent* c) const;
    [[nodiscard]] std::size_t quoted_line(icalcomponent* c, const std::string& quote,
                                          std::set<std::size_t>& used) const;

    text_index index_;
    std::map<const icalcomponent*, std::size_t> node_of_;
    std::set<const icalcomponent*> has_errors_;
};

} // namespace copsched::calendar::detail
