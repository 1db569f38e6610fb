#include "report/timeline_svg.h"

#include <gtest/gtest.h>

#include <string>

#include "report/chart_axis.h"
#include "report/report_fixture.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::count_occurrences;


TEST(TimelineSvg, PlotsOnTheSharedGeometry) {
  std::string svg = timeline_svg(fixture::heroku_like_report());
  EXPECT_NE(svg.find("data-plot-left=\"150\" data-plot-right=\"1224\""), std::string::npos);
  EXPECT_NE(svg.find("<rect class=\"fault-window\""), std::string::npos);
  EXPECT_GT(count_occurrences(svg, "<line class=\"grid\""), 1u);
}

TEST(TimelineSvg, TheLegendNamesWritersOnlyWhenThereAreSome) {
  nlohmann::json r = fixture::minimal_report();
  EXPECT_EQ(timeline_legend_html(r).find("image writer"), std::string::npos);
  r["writers"] = nlohmann::json::array({{{"who", "cat"}, {"t_ms", 1.0}}});
  EXPECT_NE(timeline_legend_html(r).find("image writer"), std::string::npos);
}

}  // namespace
}  // namespace harness
