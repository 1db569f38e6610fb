// harness(1) in roff, generated from the usage texts every command prints
// (usage.h): the installed man page is `harness help --man` of the built
// binary, so it cannot drift from --help.
#pragma once

#include <string>
#include <string_view>

namespace harness {

// The whole page: NAME, SYNOPSIS, DESCRIPTION, one COMMANDS subsection per
// command (its usage text verbatim), EXIT STATUS, FILES, SEE ALSO.
std::string man_page(std::string_view version);

// `text` made safe as roff text: backslashes escaped, and a line that
// starts with '.' or '\'' is not taken for a request.
std::string roff_escape(std::string_view text);

}  // namespace harness
