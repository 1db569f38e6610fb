// Markdown rendering of a report.json, for pasting into a postmortem: the
// verdict, what happened in words, the counts, the statistic, and the
// evidence tables. It reads only the report document and renders whatever
// optional parts it has.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace harness {

std::string render_markdown(const nlohmann::json& report);

// Text made safe for a markdown paragraph or table cell: markdown
// punctuation backslash-escaped, line breaks folded into spaces.
std::string md_escape(std::string_view s);
// A fenced code block whose fence is longer than any backtick run inside.
std::string md_code_block(std::string_view text);

// At most this many kernel log lines are rendered; report.json has them all.
inline constexpr size_t kMarkdownKernelLogLines = 200;

}  // namespace harness
