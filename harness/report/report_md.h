// Markdown rendering of a report.json, for pasting into a postmortem: a
// summary of at most kSummaryMaxLines lines (the verdict and why, who wrote
// the image, the counts and the bound, what to do next), then what
// happened in words and the evidence tables. It reads only the report document and renders whatever
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

// report.md opens with the summary (report_summary.h), then the details,
// with long lists capped so that a run of hundreds of writers and
// installer runs stays a page one can paste; report.json has everything.
inline constexpr size_t kMarkdownKernelLogLines = 20;
inline constexpr size_t kMarkdownCommandRows = 10;

}  // namespace harness
