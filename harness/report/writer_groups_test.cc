#include "report/writer_groups.h"

#include <gtest/gtest.h>

#include "report/report_fixture.h"

namespace harness {
namespace {

TEST(WriterGroups, OneRowPerProgramAndActionWithCountsAndTimes) {
  auto groups = writer_groups(fixture::in_place_installer_report(116));
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].program, "install-in-place.sh");  // the action's own process: its command
  EXPECT_EQ(groups[0].started_by, "fault \"redeploy\" (install-in-place.sh)");
  EXPECT_EQ(groups[0].writers, 116u);
  EXPECT_EQ(groups[0].truncated_at_open, 116u);
  EXPECT_EQ(groups[1].program, "cat");
  EXPECT_EQ(groups[1].writers, 116u);
  // cat wrote through the shell's truncating descriptor: it truncated too.
  EXPECT_EQ(groups[1].truncating, 116u);
  EXPECT_EQ(groups[1].truncated_at_open, 0u);
  EXPECT_DOUBLE_EQ(groups[0].first_ms, 155);
  EXPECT_DOUBLE_EQ(groups[1].last_ms, 150 + 115 * 300 + 50);
  EXPECT_EQ(groups[0].pids.size(), 5u);
  EXPECT_EQ(writer_group_line(groups[0]),
            "116 \u00d7 install-in-place.sh, started by fault \"redeploy\" (install-in-place.sh): wrote "
            "data/app.img, 155 ms to 34.70 s; each opened it with truncation");
  EXPECT_EQ(writer_group_line(groups[1]),
            "116 \u00d7 cat, started by fault \"redeploy\" (install-in-place.sh): wrote data/app.img, 200 ms to "
            "34.70 s; each wrote while it was truncated");
}

TEST(WriterGroups, TheHarnessItselfAndAReportWithoutProgramNames) {
  auto groups = writer_groups(fixture::heroku_like_report());
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].program, "the harness");
  EXPECT_EQ(writer_group_line(groups[0]),
            "1 \u00d7 the harness, its fault \"redeploy\" (cat backup.img > demo.img): wrote images/demo.img, at "
            "800 ms; it wrote while it was truncated");
  nlohmann::json old = {{"writers", {{{"exe", "/usr/bin/cat"}, {"path", "x.img"}, {"origin", "other"}}}}};
  auto g = writer_groups(old);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].program, "cat");
  EXPECT_EQ(g[0].started_by, "nothing this run started");
  EXPECT_EQ(writer_group_line(g[0]), "1 \u00d7 cat, not started by this run: wrote x.img");
}

}  // namespace
}  // namespace harness
