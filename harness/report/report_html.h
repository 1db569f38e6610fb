// HTML rendering of a report.json: one self-contained page (inline CSS and
// SVG, no external URL of any kind, no script needed) with the verdict, a
// server-side SVG timeline of every exec and fault action, the crash rate
// over time, and the evidence tables. It reads only the report document
// and renders whatever optional parts it has.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace harness {

std::string render_html(const nlohmann::json& report);

// &, <, >, " and ' as entities; C0 control characters (but tab and line
// breaks) as U+FFFD, which HTML does not allow raw.
std::string html_escape(std::string_view s);
// A complete page around `body_html` with the report stylesheet, for other
// renderings (compare) that want the same look.
std::string html_document(std::string_view title, std::string_view body_html);
// The colour of an exec class on the timeline and in the charts.
std::string_view exec_class_color(std::string_view cls);

// Caps that keep the page readable; report.json has everything.
inline constexpr size_t kHtmlKernelLogLines = 500;
inline constexpr size_t kCrashRateWindows = 20;
// Tables longer than this are folded (<details>) under a line saying what they hold.
inline constexpr size_t kHtmlOpenRows = 12;

}  // namespace harness
