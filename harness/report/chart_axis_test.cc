#include "report/chart_axis.h"
#include "testing/test_support.h"

#include <gtest/gtest.h>

#include <string>

namespace harness {
namespace {

using testing::count_occurrences;


TEST(ChartAxis, NiceStepsAreOneTwoTwoAndAHalfOrFiveTimesAPowerOfTen) {
  EXPECT_DOUBLE_EQ(nice_step(1000, 10), 100);
  EXPECT_DOUBLE_EQ(nice_step(1800, 10), 200);
  EXPECT_DOUBLE_EQ(nice_step(2400, 10), 250);
  EXPECT_DOUBLE_EQ(nice_step(4100, 10), 500);
  EXPECT_DOUBLE_EQ(nice_step(0, 10), 1);  // an empty axis still has a step
}

TEST(ChartAxis, LabelsInMillisecondsOrSecondsAsTheStepNeeds) {
  EXPECT_EQ(seconds_label(50, 10), "50 ms");
  EXPECT_EQ(seconds_label(1500, 500), "1.5 s");
  EXPECT_EQ(seconds_label(12000, 2000), "12 s");
}

TEST(ChartAxis, TimeMapsOntoThePlotAndStaysInsideIt) {
  ChartGeometry g(2000);
  EXPECT_DOUBLE_EQ(g.x(0), ChartGeometry::kLeft);
  EXPECT_DOUBLE_EQ(g.x(1000), ChartGeometry::kLeft + ChartGeometry::kPlotWidth / 2);
  EXPECT_DOUBLE_EQ(g.x(2000), ChartGeometry::kLeft + ChartGeometry::kPlotWidth);
  EXPECT_DOUBLE_EQ(g.x(-5), ChartGeometry::kLeft);
  EXPECT_DOUBLE_EQ(g.x(9999), ChartGeometry::kLeft + ChartGeometry::kPlotWidth);
  EXPECT_DOUBLE_EQ(ChartGeometry(0).dur_ms, 1);  // never divides by zero
}

TEST(ChartAxis, TicksRunFromZeroToTheEndOfTheRun) {
  TimeTicks t = time_ticks(ChartGeometry(1000));
  EXPECT_DOUBLE_EQ(t.step, 100);
  ASSERT_EQ(t.at_ms.size(), 11u);
  EXPECT_DOUBLE_EQ(t.at_ms.front(), 0);
  EXPECT_NEAR(t.at_ms.back(), 1000, 1e-6);
}

TEST(ChartAxis, OneLabelPerTickAndOneGridlinePerFraction) {
  ChartGeometry g(1000);
  std::string labels = time_labels(g, 140);
  EXPECT_EQ(count_occurrences(labels, "<text"), 11u);
  EXPECT_NE(labels.find("y=\"156\""), std::string::npos);  // 16 below the plot
  std::string grid = percent_grid(10, 100, {0.0, 0.5, 1.0});
  EXPECT_EQ(count_occurrences(grid, "<line class=\"grid\""), 3u);
  EXPECT_NE(grid.find(">50%</text>"), std::string::npos);
  EXPECT_NE(grid.find("y1=\"60.0\""), std::string::npos);  // 50% halfway down
}

}  // namespace
}  // namespace harness
