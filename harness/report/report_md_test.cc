#include "report/report_md.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "report/report_fixture.h"
#include "report/report_view.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::has;

using nlohmann::json;


TEST(ReportMarkdown, ReproductionStatesVerdictStoryAndEvidence) {
  std::string md = render_markdown(fixture::heroku_like_report());
  EXPECT_TRUE(has(md, "# heroku-2017-truncation: PASS\n")) << md;
  // The story is built from the data: the fault, the image, the burst.
  EXPECT_TRUE(has(md, "Fault \"redeploy\" first wrote images/demo.img at 100 ms")) << md;
  EXPECT_TRUE(has(md, "while it was mounted (loop,ro) at mnt/demo on /dev/loop0")) << md;
  EXPECT_TRUE(has(md, "that action ran 4 times in all")) << md;
  EXPECT_TRUE(has(md, "with SIGSEGV")) << md;
  EXPECT_TRUE(has(md, "with SIGBUS")) << md;
  EXPECT_TRUE(has(md, "the first crash came ")) << md;
  // Every class is in the summary table, zeros included.
  for (const char* cls : {"ok", "exit_nonzero", "sigsegv", "sigbus", "sigill", "other_signal", "exec_failed",
                          "hung"})
    EXPECT_TRUE(has(md, fmt::format("| {} |", cls))) << cls;
  EXPECT_TRUE(has(md, "| sigill | 0 | 0 |")) << md;
  EXPECT_TRUE(has(md, "(95% CI ")) << md;
  EXPECT_TRUE(has(md, "| held | sigsegv+sigbus >= 1 |")) << md;
  // Fault-action table: one row per (fault, action, label), with fires and outcomes.
  EXPECT_TRUE(has(md, "| redeploy | overwrite_truncate | cat backup.img > demo.img | 4 | ok x4 | 0.100 s |"))
      << md;
  EXPECT_TRUE(has(md, "| redeploy | drop_caches |  | 4 | ok x4 |")) << md;
  EXPECT_TRUE(has(md, "| harness_version | 0.1.0 |")) << md;
  EXPECT_TRUE(has(md, "| images/demo.img | mnt/demo | loop,ro | /dev/loop0 | 4242 | 65024 |")) << md;
  EXPECT_TRUE(has(md, "## Write attribution")) << md;
  EXPECT_TRUE(has(md, "**Who wrote the image while it was mounted:** the harness's fault")) << md;  // writer_summary
  EXPECT_TRUE(has(md, "## Image evidence")) << md;
  EXPECT_TRUE(has(md, "| before redeploy#0 |  | images/demo.img | 10485760 | 4242 |")) << md;
  EXPECT_TRUE(has(md, "## Page cache residency")) << md;
  EXPECT_TRUE(has(md, "| images/demo.img | 2560 | 10 | 100% | 10% | 100% | 10% |")) << md;
  EXPECT_TRUE(has(md, "## Kernel log (2 lines)")) << md;
  EXPECT_TRUE(has(md, "bad extent <&\"'>")) << md;  // verbatim inside the code block
}

TEST(ReportMarkdown, ZeroAbnormalStatesTheOneSidedBound) {
  json r = fixture::heroku_like_report(/*crashes=*/false, 3000);
  std::string md = render_markdown(r);
  EXPECT_TRUE(has(md, "# heroku-2017-truncation: PASS")) << md;
  // 1 - 0.05^(1/3000) = 0.000998...
  EXPECT_TRUE(has(md, "crash probability < 0.000998 at 95% (Clopper–Pearson one-sided, 3000 execs)")) << md;
  EXPECT_TRUE(has(md, "None of the ")) << md;
}

TEST(ReportMarkdown, FailedExpectationIsShown) {
  RunRecord rec = fixture::heroku_like_record(true);
  Verdict v = decide({fixture::no_abnormal_expectation()}, rec);
  std::string md = render_markdown(build_report(rec, v));
  EXPECT_TRUE(has(md, "# heroku-2017-truncation: FAIL")) << md;
  EXPECT_TRUE(has(md, "| FAILED | abnormal <= 0 |")) << md;
}

TEST(ReportMarkdown, MissingOptionalKeysAndWrongTypesDoNotThrow) {
  std::string md = render_markdown(fixture::minimal_report());
  EXPECT_TRUE(has(md, "# bare: PASS")) << md;
  EXPECT_TRUE(has(md, "No fault action ran.")) << md;
  EXPECT_TRUE(has(md, "No execs ran under fault")) << md;
  EXPECT_FALSE(has(md, "## Kernel log")) << md;
  EXPECT_FALSE(has(md, "## Write attribution")) << md;

  // Garbage in every optional slot, and events with missing fields.
  json odd = fixture::minimal_report();
  odd["run"] = "not an object";
  odd["statistics"] = json::array();
  odd["mounts"] = json::object();
  odd["kernel_log"] = {"a bare string line", 42};
  odd["writers"] = {json::object()};
  odd["events"] = {{{"type", "fault"}}, {{"type", "exec"}}, 7};
  odd["counts"] = {{"ok", "three"}, {"future_class", 2}};
  std::string md2;
  EXPECT_NO_THROW(md2 = render_markdown(odd));
  EXPECT_TRUE(has(md2, "| future_class | 2 |")) << md2;  // unknown classes are still counted
  EXPECT_TRUE(has(md2, "a bare string line")) << md2;
  EXPECT_NO_THROW(render_markdown(json::object()));
  EXPECT_NO_THROW(render_markdown(json(nullptr)));
}

TEST(ReportMarkdown, EscapesMarkdownAndCapsKernelLog) {
  json r = fixture::heroku_like_report();
  r["scenario"] = "a|b *c*\nd";
  json log = json::array();
  for (size_t i = 0; i < kMarkdownKernelLogLines + 50; ++i) log.push_back({{"t_ms", 1.0 * i}, {"line", "```x"}});
  r["kernel_log"] = log;
  std::string md = render_markdown(r);
  EXPECT_TRUE(has(md, "# a\\|b \\*c\\* d: PASS\n")) << md.substr(0, 200);
  EXPECT_TRUE(has(md, fmt::format("Showing the first {} of {} lines", kMarkdownKernelLogLines,
                                  kMarkdownKernelLogLines + 50)));
  EXPECT_TRUE(has(md, "````text\n")) << "the fence must outgrow the backticks inside";
}

TEST(ReportMarkdown, CodeBlockFence) {
  EXPECT_EQ(md_code_block("a"), "```text\na\n```\n");
  EXPECT_EQ(md_code_block("``````"), "```````text\n``````\n```````\n");
}

// The crash points are a power-cut run's main evidence: the page shows
// them, one row each; the installed path's detail counts only the
// sidecars that exist; the power-cut disk's size is shown.
TEST(ReportMarkdown, APowerCutRunShowsItsCrashPointsAndSaysNothingItDidNotSee) {
  std::string md = render_markdown(fixture::power_cut_cell_report());
  EXPECT_TRUE(has(md, "## Power-cut crash points\n")) << md;
  EXPECT_TRUE(has(md, "**data: 40 logged writes, 3 flushes; 4 crash points, 1 broken**")) << md;
  EXPECT_TRUE(has(md, "| point | entries replayed | flush or sampled | what the folder held | held or broken |")) << md;
  EXPECT_TRUE(has(md, "| 1 | 6 of 40 | flush | nothing installed yet: data/stack.img and its sidecars do not exist | held |"))
      << md;
  EXPECT_TRUE(has(md, "| 3 | 23 of 40 | sampled between flushes | (e2fsck exit 1) data/stack.img is torn: 4194304 bytes, "
                      "sha256 5d41402abc4b, which is none of v1/stack.img, v2/stack.img | BROKEN |"))
      << md;
  EXPECT_TRUE(has(md, "| 4 | 40 of 40 | end of the log |")) << md;
  EXPECT_TRUE(has(md, "its sidecar data/stack.img.sha256 agrees; data/stack.img.md5 does not exist")) << md;
  EXPECT_FALSE(has(md, "2 sidecars agree")) << md;
  EXPECT_TRUE(has(md, "| scratch-1 | /dev/vdb | 16.0 MiB | ext4 |")) << md;
  EXPECT_FALSE(has(md, "kernel's record of writes")) << md;
  EXPECT_FALSE(has(md, "Stop writing the image while it is mounted")) << md;
  // A log that was not judged says why, with no table.
  json r = fixture::power_cut_cell_report();
  r["power_cut"][0] = {{"scratch", "data"}, {"paths", {"data/stack.img"}},
                       {"error", "the run stopped on an error: its write log was not judged"}};
  md = render_markdown(r);
  EXPECT_TRUE(has(md, "**data**: not judged: the run stopped on an error: its write log was not judged")) << md;
  EXPECT_FALSE(has(md, "| point |")) << md;
  EXPECT_FALSE(has(render_markdown(fixture::heroku_like_report()), "crash point"));
}

}  // namespace
}  // namespace harness
