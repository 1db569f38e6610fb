#include "report/crash_rate_svg.h"

#include <gtest/gtest.h>

#include <string>

#include "report/report_fixture.h"
#include "report/report_html.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::count_occurrences;


TEST(CrashRateSvg, OneBackgroundOrEmptyMarkPerWindow) {
  std::string svg = crash_rate_svg(fixture::heroku_like_report());
  EXPECT_EQ(count_occurrences(svg, "class=\"rate-bg\"") + count_occurrences(svg, "class=\"rate-none\""), kCrashRateWindows);
  EXPECT_GT(count_occurrences(svg, "class=\"rate rate-sigsegv\""), 0u);
  EXPECT_EQ(count_occurrences(svg, "<line class=\"grid\""), 5u);  // 0, 25, 50, 75, 100%
}

TEST(CrashRateSvg, ARunWithoutCrashesHasNoCrashBars) {
  std::string svg = crash_rate_svg(fixture::heroku_like_report(/*crashes=*/false));
  EXPECT_EQ(count_occurrences(svg, "rate-sigsegv"), 0u);
  EXPECT_EQ(count_occurrences(svg, "rate-sigbus"), 0u);
}

}  // namespace
}  // namespace harness
