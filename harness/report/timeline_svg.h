// The timeline of the HTML report: one row per exec class present, a lane
// per fault, the image writers, phase markers and the fault window, in
// SVG, on the time axis every chart shares (chart_axis.h). Every text
// label is placed by a LabelLayout: none overlaps another or leaves the
// picture.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace harness {

std::string timeline_svg(const nlohmann::json& report);
// The key to the timeline's colours, as HTML.
std::string timeline_legend_html(const nlohmann::json& report);

}  // namespace harness
