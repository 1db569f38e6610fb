// JUnit XML for CI: one <testsuite> of scenario reports, one <testcase>
// per report. A failed expectation is a <failure>, a timeout or a run
// error an <error>; the verdict reasons and the kernel log go to
// <system-out>, capped. Everything from a report is escaped and made valid
// XML 1.0 (invalid UTF-8 and control characters never reach the file).
// The structure follows reports/junit.xsd.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

std::string render_junit(const std::vector<nlohmann::json>& reports);

// Escapes markup characters (and, for attributes, quotes and line breaks)
// and replaces what XML 1.0 cannot carry: invalid UTF-8 becomes U+FFFD,
// control characters other than tab and line breaks become "\x1b"-style
// text, as do U+FFFE and U+FFFF.
std::string xml_escape(std::string_view s, bool attribute = false);

// Cap on a testcase's <system-out> text, before escaping.
inline constexpr size_t kJunitSystemOutCap = 64 * 1024;

}  // namespace harness
