#include "report/crash_rate_svg.h"

#include <gtest/gtest.h>

#include <string>

#include "report/report_fixture.h"
#include "report/report_html.h"
#include "testing/test_support.h"

namespace harness {
namespace {

size_t count(const std::string& s, const std::string& needle) { return testing::count_occurrences(s, needle); }

TEST(CrashRateSvg, OneBackgroundOrEmptyMarkPerWindow) {
  std::string svg = crash_rate_svg(fixture::heroku_like_report());
  EXPECT_EQ(count(svg, "class=\"rate-bg\"") + count(svg, "class=\"rate-none\""), kCrashRateWindows);
  EXPECT_GT(count(svg, "class=\"rate rate-sigsegv\""), 0u);
  EXPECT_EQ(count(svg, "<line class=\"grid\""), 5u);  // 0, 25, 50, 75, 100%
}

TEST(CrashRateSvg, ARunWithoutCrashesHasNoCrashBars) {
  std::string svg = crash_rate_svg(fixture::heroku_like_report(/*crashes=*/false));
  EXPECT_EQ(count(svg, "rate-sigsegv"), 0u);
  EXPECT_EQ(count(svg, "rate-sigbus"), 0u);
}

}  // namespace
}  // namespace harness
