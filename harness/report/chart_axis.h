// The geometry every SVG chart of the HTML report shares, so that they line
// up one under another: one width, a left margin for row labels, time
// across the plot from 0 to the run's duration, time ticks at "nice" steps
// labelled in s or ms, and percent gridlines for the charts of shares.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

namespace harness {

struct ChartGeometry {
  static constexpr double kWidth = 1240, kLeft = 150, kRight = 16, kPlotWidth = kWidth - kLeft - kRight;

  explicit ChartGeometry(double run_ms) : dur_ms(std::max(run_ms, 1.0)) {}
  // The x of a time, kept inside the plot.
  double x(double t_ms) const { return kLeft + std::clamp(t_ms, 0.0, dur_ms) / dur_ms * kPlotWidth; }

  double dur_ms;  // the time axis's span, at least 1 ms
};

// "Nice" tick step (1, 2, 2.5 or 5 times a power of ten) for an axis
// spanning `span` with about `want` ticks.
double nice_step(double span, int want);
// A tick's label: seconds, with as many decimals as the step needs.
std::string seconds_label(double ms, double step_ms);

// The ticks of a time axis: 0, step, 2 step, ... up to the duration.
struct TimeTicks {
  double step = 1;
  std::vector<double> at_ms;
};
TimeTicks time_ticks(const ChartGeometry& g);

// Horizontal gridlines at `fractions` of a plot `height` high from `top`,
// labelled as percentages in the left margin.
std::string percent_grid(double top, double height, std::initializer_list<double> fractions);
// The tick labels under a plot whose bottom is at `bottom`.
std::string time_labels(const ChartGeometry& g, double bottom);

}  // namespace harness
