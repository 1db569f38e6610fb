#include "report/merge.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "report/report_fixture.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::has;

using nlohmann::json;
namespace fs = std::filesystem;


json named(const std::string& scenario, const std::string& verdict, const std::string& run_dir = "") {
  json r = fixture::minimal_report();
  r["scenario"] = scenario;
  r["verdict"] = verdict;
  // Unsigned, as json::parse reads counts from a file.
  r["counts"] = {{"ok", 10u}, {"sigsegv", verdict == "pass" ? 0u : 2u}};
  if (!run_dir.empty()) r["run"] = {{"run_dir", run_dir}, {"interrupted", false}};
  return r;
}

class Merge : public ::testing::Test {
 protected:
  fs::path put(const fs::path& rel, const json& report) {
    fs::path p = tmp_.path() / rel / "report.json";
    fs::create_directories(p.parent_path());
    std::ofstream(p) << report.dump();
    return p;
  }
  testing::TempDir tmp_;
};

TEST_F(Merge, FindsReportsAtTheDirectoryAndTwoLevelsBelowSortedOnce) {
  fs::path top = put(".", named("top", "pass"));
  fs::path one = put("b", named("one", "pass"));
  fs::path two = put("a/shard-1", named("two", "pass"));
  put("a/shard-1/deeper/x", named("too-deep", "pass"));  // three levels: not looked at
  std::ofstream(tmp_.path() / "a" / "not-a-report.json") << "{}";
  // The same directory named twice is listed once.
  std::vector<fs::path> found = find_reports({tmp_.path(), tmp_.path()});
  std::vector<fs::path> want = {top.lexically_normal(), one, two};
  for (auto& f : found) f = f.lexically_normal();
  std::sort(want.begin(), want.end());
  EXPECT_EQ(found, want);
}

TEST_F(Merge, AMissingDirectoryHasNoReports) {
  EXPECT_TRUE(find_reports({tmp_.path() / "nothing-here"}).empty());
}

TEST_F(Merge, SummaryCountsVerdictsAndSortsByScenario) {
  Merged m = merge_reports(
      std::vector<json>{named("zeta", "pass", "runs/z"), named("alpha", "fail", "runs/a"), named("mid", "pass")});
  ASSERT_EQ(m.summary.at("scenarios").size(), 3u);
  EXPECT_EQ(m.summary.at("scenarios")[0].at("scenario"), "alpha");
  EXPECT_EQ(m.summary.at("scenarios")[0].at("run_dir"), "runs/a");
  EXPECT_EQ(m.summary.at("scenarios")[0].at("counts").at("sigsegv"), 2);
  EXPECT_EQ(m.summary.at("scenarios")[1].at("scenario"), "mid");
  EXPECT_EQ(m.summary.at("scenarios")[1].at("run_dir"), "") << "a report without run has no run_dir";
  EXPECT_EQ(m.summary.at("scenarios")[2].at("scenario"), "zeta");
  EXPECT_EQ(m.summary.at("verdicts"), json({{"fail", 1}, {"pass", 2}}));
  EXPECT_EQ(m.summary.at("reports"), 3);
  EXPECT_FALSE(m.summary.at("pass").get<bool>());
  EXPECT_FALSE(m.all_pass);
  ASSERT_EQ(m.outcomes.size(), 3u);
  EXPECT_EQ(m.outcomes[0].first, VerdictStatus::fail);
  EXPECT_EQ(m.outcomes[1].first, VerdictStatus::pass);
  EXPECT_EQ(m.summary.at("by_scenario").size(), 3u);
  EXPECT_TRUE(has(m.junit, "alpha")) << m.junit;
  EXPECT_TRUE(has(m.junit, "zeta")) << m.junit;
}

TEST_F(Merge, AllPassOnlyWhenEveryReportPassed) {
  EXPECT_TRUE(merge_reports(std::vector<json>{named("a", "pass"), named("b", "pass")}).all_pass);
  for (const char* v : {"fail", "inconclusive", "timeout", "error"}) {
    Merged m = merge_reports(std::vector<json>{named("a", "pass"), named("b", v)});
    EXPECT_FALSE(m.all_pass) << v;
    EXPECT_EQ(m.outcomes[1].first, verdict_status_from_string(v)) << v;
  }
  // Nothing to merge passes vacuously; the caller decides whether that is an error.
  Merged none = merge_reports(std::vector<json>{});
  EXPECT_TRUE(none.all_pass);
  EXPECT_EQ(none.summary.at("reports"), 0);
}

TEST_F(Merge, AnInterruptedRunIsReported) {
  json r = named("a", "pass", "runs/a");
  r["run"]["interrupted"] = true;
  Merged m = merge_reports(std::vector<json>{r, named("b", "pass", "runs/b")});
  EXPECT_TRUE(m.outcomes[0].second);
  EXPECT_FALSE(m.outcomes[1].second);
}

TEST_F(Merge, AnUnknownVerdictCountsAsAnError) {
  Merged m = merge_reports(std::vector<json>{named("a", "exploded")});
  EXPECT_EQ(m.outcomes[0].first, VerdictStatus::error);
  EXPECT_FALSE(m.all_pass);
  EXPECT_EQ(m.summary.at("verdicts").at("exploded"), 1);
}

TEST_F(Merge, FromFilesReadsEachReport) {
  fs::path a = put("shard-0", fixture::heroku_like_report());
  fs::path b = put("shard-1", named("control", "pass", "runs/c"));
  Merged m = merge_reports(std::vector<fs::path>{a, b});
  ASSERT_EQ(m.summary.at("scenarios").size(), 2u);
  EXPECT_EQ(m.summary.at("scenarios")[0].at("scenario"), "control");
  EXPECT_EQ(m.summary.at("scenarios")[1].at("scenario"), "heroku-2017-truncation");
  EXPECT_EQ(m.summary.at("scenarios")[1].at("run_dir"), "/tmp/fixture-run");
  EXPECT_TRUE(m.all_pass);
}

TEST_F(Merge, ABrokenReportFileStopsTheMergeNamingIt) {
  fs::path good = put("shard-0", named("a", "pass"));
  fs::path bad = tmp_.path() / "shard-1" / "report.json";
  fs::create_directories(bad.parent_path());
  std::ofstream(bad) << R"({"scenario": "b"})";
  try {
    merge_reports(std::vector<fs::path>{good, bad});
    FAIL() << "merged a report without a verdict";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_scenario);
    EXPECT_TRUE(has(e.what(), bad.string())) << e.what();
    EXPECT_TRUE(has(e.what(), "$.verdict: missing")) << e.what();
  }
}

// Counts written as signed numbers (a report built in memory) are counts:
// an abnormal exit counts the way a crash does.
TEST_F(Merge, AnAbnormalExitCountsWhateverTheNumbersType) {
  json r = named("a", "fail");
  r["counts"] = {{"ok", 5}, {"exit_nonzero", 2}};
  ASSERT_TRUE(r["counts"]["exit_nonzero"].is_number_integer());
  json pooled = pool_by_scenario({r});
  EXPECT_EQ(pooled[0].at("runs_with_abnormal_exit"), 1) << pooled.dump();
  EXPECT_EQ(pooled[0].at("runs_with_sigsegv_or_sigbus"), 0);
}

TEST_F(Merge, PoolingIgnoresCountsThatAreNotNumbers) {
  json r = named("a", "fail");
  r["counts"]["note"] = "not a count";
  r["statistics"] = {{"n", 10}, {"abnormal", 2}};
  json pooled = pool_by_scenario({r});
  ASSERT_EQ(pooled.size(), 1u);
  EXPECT_EQ(pooled[0].at("runs_with_sigsegv_or_sigbus"), 1);
  EXPECT_EQ(pooled[0].at("runs_with_abnormal_exit"), 1);
  EXPECT_EQ(pooled[0].at("pooled_under_fault").at("abnormal"), 2);
  // A report without a scenario or verdict still has a row.
  json pooled_bare = pool_by_scenario({json::object()});
  EXPECT_EQ(pooled_bare[0].at("scenario"), "(unnamed scenario)");
  EXPECT_EQ(pooled_bare[0].at("verdicts").at("unknown"), 1);
  EXPECT_TRUE(has(pooled_text(pooled_bare), "no execs under fault")) << pooled_text(pooled_bare);
  EXPECT_TRUE(has(pooled_text(pooled_bare), "(unnamed scenario): 1 run (unknown 1)")) << pooled_text(pooled_bare);
}

}  // namespace
}  // namespace harness
