// Untrusted text (inventory values, remote stdout/stderr, file contents) made safe to print on a terminal.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace kforge {

// s with every byte that could steer a terminal escaped and the result cut to about maxBytes:
//   - C0 controls, DEL and C1 controls (U+0080-U+009F) become \xNN ("\x1b[2J" -> "\\x1b[2J"), invalid UTF-8
//     bytes too, so the result is always valid UTF-8 (safe for JSON output as well);
//   - bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) become \u{NNNN};
//   - '\n' is kept when keepNewlines (multi-line messages like remote stderr), else escaped; '\t' is kept;
//   - printable ASCII and valid UTF-8 text are kept as they are (backslashes too);
//   - after maxBytes bytes of output the rest is dropped and "…(N more bytes)" appended, N counted in the input.
std::string printable(std::string_view s, size_t maxBytes = 200, bool keepNewlines = false);

}  // namespace kforge
