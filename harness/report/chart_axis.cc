#include "report/chart_axis.h"

#include <fmt/format.h>

#include <cmath>

namespace harness {

double nice_step(double span, int want) {
  if (span <= 0) return 1;
  double raw = span / want;
  double mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

std::string seconds_label(double ms, double step_ms) {
  if (step_ms >= 1000) return fmt::format("{:g} s", std::round(ms / 100) / 10);
  if (step_ms >= 100) return fmt::format("{:.1f} s", ms / 1000);
  return fmt::format("{:.0f} ms", ms);
}

TimeTicks time_ticks(const ChartGeometry& g) {
  TimeTicks ticks;
  ticks.step = nice_step(g.dur_ms, 10);
  // Summed, not multiplied: the tick times every chart has always drawn.
  for (double t = 0; t <= g.dur_ms + 1e-9; t += ticks.step) ticks.at_ms.push_back(t);
  return ticks;
}

std::string percent_grid(double top, double height, std::initializer_list<double> fractions) {
  const double L = ChartGeometry::kLeft, PW = ChartGeometry::kPlotWidth;
  std::string out;
  for (double f : fractions) {
    double yy = top + height * (1 - f);
    out += fmt::format("<line class=\"grid\" x1=\"{:.0f}\" x2=\"{:.0f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>"
                       "<text x=\"{:.0f}\" y=\"{:.1f}\" text-anchor=\"end\">{:.0f}%</text>\n",
                       L, L + PW, yy, yy, L - 8, yy + 4, f * 100);
  }
  return out;
}

std::string time_labels(const ChartGeometry& g, double bottom) {
  TimeTicks ticks = time_ticks(g);
  std::string out;
  for (double t : ticks.at_ms)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.0f}\" text-anchor=\"middle\">{}</text>", g.x(t), bottom + 16,
                       seconds_label(t, ticks.step));
  return out;
}

}  // namespace harness
