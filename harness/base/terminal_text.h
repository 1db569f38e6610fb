// Text read from files others may write (a report's verdict, a scenario's
// description, a folder's name), made safe to print on a terminal: a
// control character could start an escape sequence that rewrites the
// screen or the window title, or forge a line of output. Each one is
// shown as an escape instead ("\x1b", "\u009b").
#pragma once

#include <string>
#include <string_view>

namespace harness {

// C0 controls, DEL and the C1 controls (U+0080..U+009F) escaped; "\n"
// (and "\t") kept only when `keep_newlines`, for text of several lines.
std::string terminal_safe(std::string_view s, bool keep_newlines = false);

}  // namespace harness
