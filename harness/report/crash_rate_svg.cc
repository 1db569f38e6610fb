#include "report/crash_rate_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "report/chart_axis.h"
#include "report/report_html.h"
#include "report/report_view.h"

namespace harness {

using nlohmann::json;

std::string crash_rate_svg(const json& report) {
  const ChartGeometry g(run_duration_ms(report));
  const double W = g.kWidth, L = g.kLeft, PW = g.kPlotWidth, dur = g.dur_ms;
  const double top = 10, PH = 130, H = top + PH + 28;
  const size_t n = kCrashRateWindows;
  std::vector<std::map<std::string, unsigned long>> win(n);
  std::vector<unsigned long> total(n, 0);
  for (const json* e : events_of(report, "exec")) {
    size_t i = std::min(n - 1, static_cast<size_t>(std::max(0.0, num_or(*e, "t_ms")) / dur * n));
    ++total[i];
    if (std::string c = str_or(*e, "class", "?"); c != "ok") ++win[i][c];
  }
  std::string out = fmt::format("<svg id=\"crash-rate\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" "
                                "aria-label=\"Abnormal exits per time window\">\n",
                                W, H);
  out += percent_grid(top, PH, {0.0, 0.25, 0.5, 0.75, 1.0});
  out += fmt::format("<text class=\"lane-label\" x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"end\">abnormal</text>"
                     "<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"end\">share of execs</text>"
                     "<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"end\">per window</text>\n",
                     L - 48, top + PH / 2 - 8, L - 48, top + PH / 2 + 6, L - 48, top + PH / 2 + 20);
  double bw = PW / n;
  auto order = exec_class_names(report);
  for (size_t i = 0; i < n; ++i) {
    double x = L + i * bw + 2, w = bw - 4;
    double t0 = dur * i / n, t1 = dur * (i + 1) / n;
    // No exec started: not a 0% rate and not a 100% one; nothing is drawn
    // (the note under the chart says so).
    if (total[i] == 0) continue;
    unsigned long ab = 0;
    for (const auto& [c, k] : win[i]) ab += k;
    // The window had execs: a thin mark at 0% (a window whose execs all
    // ended ok shows only that), the abnormal share stacked above it. No
    // full-height track: a tall grey bar reads as 100%.
    out += fmt::format("<rect class=\"rate-base\" x=\"{:.1f}\" y=\"{:.0f}\" width=\"{:.1f}\" height=\"2\"><title>"
                       "{:.2f}..{:.2f} s: {} of {} execs abnormal ({:.1f}%)</title></rect>\n",
                       x, top + PH - 2, w, t0 / 1000, t1 / 1000, ab, total[i], 100.0 * ab / total[i]);
    double yb = top + PH;
    for (const auto& c : order) {
      auto it = win[i].find(c);
      if (it == win[i].end()) continue;
      double h = PH * it->second / total[i];
      yb -= h;
      out += fmt::format("<rect class=\"rate rate-{}\" fill=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                         "height=\"{:.1f}\"><title>{:.2f}..{:.2f} s: {} {} of {} execs</title></rect>\n",
                         html_escape(c), exec_class_color(c), x, yb, w, h, t0 / 1000, t1 / 1000, it->second, html_escape(c), total[i]);
    }
  }
  out += time_labels(g, top + PH);
  out += fmt::format("<line class=\"axis\" x1=\"{:.0f}\" x2=\"{:.0f}\" y1=\"{:.0f}\" y2=\"{:.0f}\"/>\n</svg>\n", L,
                     L + PW, top + PH, top + PH);
  return out;
}

std::string crash_rate_note(const json& report) {
  const ChartGeometry g(run_duration_ms(report));
  const size_t n = kCrashRateWindows;
  std::vector<bool> any(n, false);
  for (const json* e : events_of(report, "exec"))
    any[std::min(n - 1, static_cast<size_t>(std::max(0.0, num_or(*e, "t_ms")) / g.dur_ms * n))] = true;
  size_t empty = static_cast<size_t>(std::count(any.begin(), any.end(), false));
  std::string out = "A bar's height is the share of the execs started in its window that ended abnormally, "
                    "coloured by class; a window whose execs all ended ok has only the thin mark at 0%.";
  if (empty)
    out += fmt::format(" {} of {} windows have no mark at all: no exec started in them (the workload had not started "
                       "or had ended).",
                       empty, n);
  return out;
}

}  // namespace harness
