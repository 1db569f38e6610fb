#include "report/crash_rate_svg.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "report/report_fixture.h"
#include "report/report_html.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using nlohmann::json;
using testing::count_occurrences;


TEST(CrashRateSvg, CrashesAreStackedOnAPercentGrid) {
  std::string svg = crash_rate_svg(fixture::heroku_like_report());
  EXPECT_GT(count_occurrences(svg, "class=\"rate rate-sigsegv\""), 0u);
  EXPECT_EQ(count_occurrences(svg, "<line class=\"grid\""), 5u);  // 0, 25, 50, 75, 100%
}

TEST(CrashRateSvg, ARunWithoutCrashesHasNoCrashBars) {
  std::string svg = crash_rate_svg(fixture::heroku_like_report(/*crashes=*/false));
  EXPECT_EQ(count_occurrences(svg, "rate-sigsegv"), 0u);
  EXPECT_EQ(count_occurrences(svg, "rate-sigbus"), 0u);
}

// No window has a full-height track (a tall grey bar reads as 100%): a
// window of ok execs has a thin mark at 0%, and one in which no exec
// started has no rate and nothing drawn; the note says how many and why.
TEST(CrashRateSvg, NoFullHeightTrackAndAWindowWithoutExecsHasNoMark) {
  json r = fixture::power_cut_cell_report();  // 9 s run; execs from 40 ms to 2.6 s
  std::string svg = crash_rate_svg(r);
  const double dur = r.at("run").at("duration_ms").get<double>();
  std::vector<bool> has_exec(kCrashRateWindows, false);
  for (const auto& e : r.at("events"))
    if (e.at("type") == "exec")
      has_exec[std::min(kCrashRateWindows - 1, static_cast<size_t>(e.at("t_ms").get<double>() / dur * kCrashRateWindows))] = true;
  size_t with = static_cast<size_t>(std::count(has_exec.begin(), has_exec.end(), true));
  ASSERT_GT(with, 0u);
  ASSERT_LT(with, kCrashRateWindows);
  EXPECT_EQ(count_occurrences(svg, "<rect "), with) << "one mark per window with execs, nothing for the others";
  EXPECT_EQ(count_occurrences(svg, "class=\"rate-base\""), with);
  EXPECT_EQ(count_occurrences(svg, "height=\"2\""), with) << "every execution ended ok: no bar above 0%";
  std::string note = crash_rate_note(r);
  EXPECT_NE(note.find(fmt::format("{} of {} windows have no mark at all: no exec started in them",
                                  kCrashRateWindows - with, kCrashRateWindows)),
            std::string::npos)
      << note;
}

}  // namespace
}  // namespace harness
