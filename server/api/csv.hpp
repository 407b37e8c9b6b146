#pragma once
// CSV for spreadsheet exports (RFC 4180), written so Excel and LibreOffice open it right:
// UTF-8 with a byte-order mark (without it Excel reads the bytes as the ANSI code page and
// garbles names like "Coördinator"), CRLF line ends, and a caller-chosen delimiter and
// decimal separator, because Excel in a Dutch locale splits fields on ';' and reads ',' as the
// decimal point, while an English one expects ',' and '.'. Pure functions; any thread.

#include <string>
#include <vector>

namespace copsched::server {

// The whole document: the BOM (EF BB BF), then every row's fields joined by `delimiter`, each
// row ended by CRLF (an empty row is a bare CRLF). A field is quoted when it contains the
// delimiter, a double quote, CR or LF; quotes inside are doubled. Against formula injection
// (OWASP "CSV injection"), a field starting with '=', '+', '-', '@', TAB or CR gets a leading
// apostrophe so the spreadsheet shows it as text; plain numbers (an optional '-', digits, and
// at most one '.' or ',' followed by digits) are left as they are so they stay numbers. Bytes
// are otherwise copied unchanged: fields are expected to be UTF-8 already.
[[nodiscard]] std::string csv_document(const std::vector<std::vector<std::string>>& rows, char delimiter);

// `value` rounded to `decimals` (0..15) places in fixed notation with `decimal_separator`
// ('.' or ','), no thousands separator, independent of the process locale: 66.66, 1, ','
// gives "66,7". A value that rounds to zero has no minus sign; NaN and infinities give "".
[[nodiscard]] std::string csv_number(double value, int decimals, char decimal_separator);

} // namespace copsched::server
