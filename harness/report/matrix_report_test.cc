#include "report/matrix_report.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

using nlohmann::json;

CellRuns cell(const std::string& installer, const std::string& fault, bool pass) {
  CellRuns c{installer, fault, "matrix--" + installer + "--" + fault};
  json r = {{"verdict", pass ? "pass" : "fail"},
            {"expectations", json::array({{{"text", "no write"}, {"state", pass ? "held" : "failed"}, {"detail", "x"}}})}};
  add_cell_run(c, r, "runs/" + c.name + "-01");
  return c;
}

MatrixMeta meta(std::vector<std::string> installers, std::vector<std::string> faults) {
  MatrixMeta m;
  m.installers = std::move(installers);
  m.faults = std::move(faults);
  m.seconds = 10;
  for (const auto& f : m.faults) m.legend.push_back(MatrixFault{f, "what " + f + " does", true});
  return m;
}

TEST(MatrixReport, ShardsJoinIntoOneTableInRowAndColumnOrder) {
  json a = build_matrix(meta({"hardened", "regressed"}, {"redeploy", "race"}),
                        {cell("regressed", "redeploy", false), cell("hardened", "race", true)});
  json b = build_matrix(meta({"hardened", "regressed"}, {"redeploy", "race"}),
                        {cell("hardened", "redeploy", true), cell("regressed", "race", true)});
  json m = join_matrices({a, b});
  ASSERT_EQ(m["cells"].size(), 4u);
  EXPECT_EQ(m["cells"][0]["installer"], "hardened");
  EXPECT_EQ(m["cells"][0]["fault"], "redeploy");
  EXPECT_EQ(m["cells"][3]["installer"], "regressed");
  EXPECT_EQ(m["cells"][3]["fault"], "race");
  EXPECT_EQ(m["safe_cells"], 3u);
  EXPECT_EQ(m["unsafe_cells"], 1u);
  EXPECT_EQ(m["seconds"], 20.0);
  std::string md = matrix_markdown(m);
  EXPECT_NE(md.find("| installer | redeploy | race |"), std::string::npos) << md;
  EXPECT_NE(md.find("| regressed | **UNSAFE** (0/1 passed) | safe (1/1) |"), std::string::npos) << md;
  EXPECT_NE(md.find("**regressed × redeploy** (UNSAFE): no write: x"), std::string::npos) << md;
  std::string html = matrix_html(m);
  EXPECT_NE(html.find("href=\"runs/matrix--regressed--redeploy-01/report.html\""), std::string::npos);
  EXPECT_NE(html.find("href=\"cells/matrix--hardened--race.json\""), std::string::npos);
}

TEST(MatrixReport, APowerCutCellCountsItsCrashPointsAndTheBrokenOnes) {
  CellRuns c{"regressed", "power-cut", "matrix--regressed--power-cut"};
  json r = {{"verdict", "fail"}, {"expectations", json::array()}};
  json checks_ok = {{{"path", "data/stack.img"}, {"held", true}}};
  json checks_bad = {{{"path", "data/stack.img"}, {"held", false}}};
  r["power_cut"] = json::array({{{"scratch", "data"}, {"log_entries", 30}, {"crash_points", {
      {{"entries", 2}, {"why", "flush"}, {"fsck", 0}, {"checks", checks_ok}},
      {{"entries", 9}, {"why", "flush"}, {"fsck", 1}, {"checks", checks_bad}},
      {{"entries", 30}, {"why", "end"}, {"fsck", 0}, {"checks", checks_ok}}}}}});
  add_cell_run(c, r, "runs/x");
  std::string md = matrix_markdown(build_matrix(meta({"regressed"}, {"power-cut"}), {c}));
  EXPECT_NE(md.find("| regressed | **UNSAFE** (0/1 passed, 3 crash points, 1 broken) |"), std::string::npos) << md;
}

// Where a kill or a disk failure struck, from each run's events; a strike
// that missed is not a crash point, and leaves the cell unjudged.
TEST(MatrixReport, KillsAndDiskFailuresAreCountedByWhatStruck) {
  auto struck = [](const char* action, const char* outcome) {
    return json{{"verdict", "pass"},
                {"expectations", json::array()},
                {"events", {{{"type", "fault"}, {"action", action}, {"outcome", outcome},
                             {"result", {{"offset_ms", 120}, {"writes", 16}}}}}}};
  };
  CellRuns disk{"hardened", "eio", "matrix--hardened--eio"};
  add_cell_run(disk, struck("io_error", "ok"), "runs/a");
  add_cell_run(disk, struck("io_error", "ok"), "runs/b");
  CellRuns kill{"hardened", "kill-write", "matrix--hardened--kill-write"};
  add_cell_run(kill, struck("kill", "ok"), "runs/c");
  CellRuns missed{"legacy", "eio", "matrix--legacy--eio"};
  add_cell_run(missed, struck("io_error", "missed"), "runs/d");
  EXPECT_EQ(missed.state(), "inconclusive");
  EXPECT_TRUE(missed.crash_points.empty());
  std::string md = matrix_markdown(
      build_matrix(meta({"hardened", "legacy"}, {"kill-write", "eio"}), {disk, kill, missed}));
  EXPECT_NE(md.find("| hardened | safe (1/1, 1 kill) | safe (2/2, 2 disk failures) |"), std::string::npos) << md;
  EXPECT_NE(md.find("not exercised: the io_error did not strike"), std::string::npos) << md;
}

}  // namespace
}  // namespace harness
