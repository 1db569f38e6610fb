#include "report/matrix_report.h"

#include <fmt/format.h>
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

TEST(MatrixReport, ATextIsShortenedAtAWordWithAnEllipsis) {
  EXPECT_EQ(shorten_at_word("short enough", 40), "short enough");
  EXPECT_EQ(shorten_at_word("data/stack.img is torn: 4194304 bytes", 26), "data/stack.img is torn\u2026");
  EXPECT_EQ(shorten_at_word("one, two; three", 9), "one\u2026");
  // One long word is cut inside it, never inside a UTF-8 character.
  std::string cut = shorten_at_word("a/\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", 6);
  EXPECT_EQ(cut, "a/\u00e9\u2026");
}

// The "Why" list cuts a long reason at a word boundary, with an
// ellipsis, never inside a word.
TEST(MatrixReport, AWhyBulletIsCutAtAWord) {
  CellRuns c{"regressed", "redeploy", "matrix--regressed--redeploy"};
  std::string detail;
  for (int i = 0; i < 40; ++i) detail += fmt::format("writer{} wrote data/stack.img; ", i);
  json r = {{"verdict", "fail"},
            {"expectations", json::array({{{"text", "no write to data/stack.img while mounted"}, {"state", "failed"},
                                           {"detail", detail}}})}};
  add_cell_run(c, r, "runs/x");
  std::string md = matrix_markdown(build_matrix(meta({"regressed"}, {"redeploy"}), {c}));
  size_t at = md.find("- **regressed × redeploy**");
  ASSERT_NE(at, std::string::npos) << md;
  std::string bullet = md.substr(at, md.find('\n', at) - at);
  size_t ellipsis = bullet.find("\u2026");
  ASSERT_NE(ellipsis, std::string::npos) << bullet;
  // What comes before the ellipsis ends a word of the reason.
  std::string shown = bullet.substr(0, ellipsis);
  std::string last_word = shown.substr(shown.find_last_of(' ') + 1);
  EXPECT_NE(detail.find(last_word + " "), std::string::npos) << "cut mid-word: " << bullet;
  EXPECT_EQ(bullet.find("..."), std::string::npos) << bullet;
}

// A cell whose run stopped on an error is "error", with the error as its
// reason, and fails the gate as such; an expected-UNSAFE cell does not.
TEST(MatrixReport, AnErrorIsAnErrorAndTheGateNamesWhatItFollowsFrom) {
  CellRuns err{"mine", "power-cut", "matrix--mine--power-cut"};
  json e = {{"verdict", "error"}, {"run", {{"error", "setup action run ended exit 127: rsync: not found"}}}};
  e["power_cut"] = json::array({{{"scratch", "data"}, {"log_entries", 9}, {"crash_points", json::array({
      {{"entries", 3}, {"why", "flush"}, {"fsck", 0}, {"checks", json::array()}}})}}});
  add_cell_run(err, e, "runs/e");
  CellRuns legacy = cell("legacy", "redeploy", false);
  legacy.expected_unsafe = "the fixture's legacy row writes in place on purpose";
  CellRuns mine = cell("mine", "redeploy", false);
  json m = build_matrix(meta({"legacy", "mine"}, {"redeploy", "power-cut"}), {legacy, mine, err});
  EXPECT_EQ(m["error_cells"], 1u);
  EXPECT_EQ(m["unexpected_unsafe_cells"], 1u);
  EXPECT_EQ(m["inconclusive_cells"], 0u);
  std::string md = matrix_markdown(m);
  EXPECT_NE(md.find("| mine | **UNSAFE** (0/1 passed) | **error** (0/1 passed) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| legacy | UNSAFE (expected) (0/1 passed) | — |"), std::string::npos) << md;
  EXPECT_NE(md.find("**mine × power-cut** (error): error: setup action run ended exit 127: rsync: not found"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("crash point"), std::string::npos) << "a run that errored struck nothing: " << md;
  EXPECT_NE(md.find("expected: the fixture's legacy row"), std::string::npos) << md;
  std::string gate = gate_text(m);
  EXPECT_NE(gate.find("exit 4: a run stopped on an error in mine × power-cut"), std::string::npos) << gate;
  EXPECT_NE(gate.find("exit 1: UNSAFE, not expected: mine × redeploy"), std::string::npos) << gate;
  EXPECT_EQ(gate.find("legacy"), std::string::npos) << gate;
  EXPECT_NE(matrix_html(m).find("<td class=\"error\""), std::string::npos);
  // Through the matrix.json a shard writes and `harness merge` reads.
  std::vector<CellRuns> back = matrix_cells(json::parse(m.dump()));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].expected_unsafe, legacy.expected_unsafe);
  EXPECT_EQ(back[2].state(), "error");
  EXPECT_EQ(gate_text(build_matrix(meta({"legacy"}, {"redeploy"}), {legacy})).rfind("gate: exit 0", 0), 0u);
}

}  // namespace
}  // namespace harness
