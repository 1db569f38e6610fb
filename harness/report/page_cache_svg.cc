#include "report/page_cache_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "report/chart_axis.h"
#include "report/report_html.h"
#include "report/report_view.h"

namespace harness {

using nlohmann::json;

std::string page_cache_svg(const json& report) {
  const json& pc = array_or_empty(report, "page_cache");
  const ChartGeometry g(run_duration_ms(report));
  const double W = g.kWidth, top = 10, PH = 110, H = top + PH + 28;
  std::vector<std::pair<std::string, std::string>> lines;  // path -> points
  unsigned long clamped = 0;
  for (const auto& s : pc) {
    std::string p = str_or(s, "path", "?");
    bool over = false;
    double f = residency_fraction(s, &over);
    clamped += over;
    auto it = std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return l.first == p; });
    if (it == lines.end()) {
      lines.emplace_back(p, "");
      it = lines.end() - 1;
    }
    it->second += fmt::format("{:.1f},{:.1f} ", g.x(num_or(s, "t_ms")), top + PH * (1 - f));
  }
  static const char* kColors[] = {"#1f77b4", "#2ca02c", "#9467bd", "#e377c2", "#17becf", "#bcbd22"};
  std::string out = fmt::format("<svg id=\"page-cache\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" "
                                "aria-label=\"Page cache residency over time\">\n",
                                W, H);
  out += percent_grid(top, PH, {0.0, 0.5, 1.0});
  for (size_t i = 0; i < lines.size(); ++i)
    out += fmt::format("<polyline class=\"pc-line\" stroke=\"{}\" points=\"{}\"><title>{}</title></polyline>\n",
                       kColors[i % 6], lines[i].second, html_escape(lines[i].first));
  out += time_labels(g, top + PH);
  out += "</svg>\n<div class=\"legend\">";
  for (size_t i = 0; i < lines.size(); ++i)
    out += fmt::format("<span><i class=\"swatch\" style=\"background:{}\"></i>{} (resident pages, % of file)</span>",
                       kColors[i % 6], html_escape(lines[i].first));
  out += "</div>\n";
  if (clamped) out += fmt::format("<p>{} ({} samples.)</p>\n", html_escape(kResidencyClampNote), clamped);
  return out;
}

}  // namespace harness
