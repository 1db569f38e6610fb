#include "cli/report_commands.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "cli/exit_code.h"
#include "report/matrix_report.h"
#include "report/report_fixture.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::has;

namespace fs = std::filesystem;


TEST(ReportCommands, CompareNeedsTwoReadableRuns) {
  testing::TempDir tmp;
  fs::path dir = tmp.path();
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  std::ofstream(dir / "a" / "report.json") << fixture::heroku_like_report().dump();
  std::ofstream(dir / "b" / "report.json") << "{\"scenario\": \"x\",\n \"verdict\": }";
  try {
    cmd_compare({(dir / "a").string(), (dir / "b").string()});
    ADD_FAILURE() << "a malformed report must be rejected";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_scenario);
    EXPECT_TRUE(has(e.what(), (dir / "b" / "report.json").string() + ":2:")) << e.what();
  }
  try {
    cmd_compare({(dir / "a").string()});
    ADD_FAILURE() << "one run is a usage mistake";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_EQ(exit_code_for(e.kind()), kExitInvalid);
  }
  std::ofstream(dir / "b" / "report.json") << fixture::heroku_like_report(false).dump();
  EXPECT_EQ(cmd_compare({(dir / "a").string(), (dir / "b").string(), "--out", (dir / "cmp").string()}), kExitPass);
  EXPECT_TRUE(fs::file_size(dir / "cmp" / "compare.md") > 500);
  EXPECT_TRUE(fs::file_size(dir / "cmp" / "compare.html") > 500);
}

TEST(ReportCommands, ReportRerendersFromReportJsonAlone) {
  testing::TempDir tmp;
  fs::path dir = tmp.path();
  std::ofstream(dir / "report.json") << fixture::heroku_like_report().dump(2);
  ASSERT_EQ(cmd_report({dir.string(), "--junit", (dir / "all.xml").string()}), kExitPass);
  EXPECT_TRUE(fs::exists(dir / "report.md"));
  EXPECT_TRUE(fs::exists(dir / "report.html"));
  EXPECT_TRUE(fs::exists(dir / "junit.xml"));
  EXPECT_NE(testing::slurp(dir / "all.xml").find("name=\"heroku-2017-truncation\""), std::string::npos);
  // A report.json path works as well as its directory.
  EXPECT_EQ(cmd_report({(dir / "report.json").string()}), kExitPass);
  EXPECT_THROW(cmd_report({}), Error);
}

// The merged exit code is the most serious of the runs': a failure beats
// an inconclusive run, which beats a pass.
TEST(ReportCommands, MergeExitsWithTheMostSeriousVerdict) {
  testing::TempDir tmp;
  auto put = [&](const std::string& name, const std::string& verdict) {
    nlohmann::json r = fixture::heroku_like_report();
    r["scenario"] = name;
    r["verdict"] = verdict;
    fs::create_directories(tmp.path() / name);
    std::ofstream(tmp.path() / name / "report.json") << r.dump();
  };
  put("a", "pass");
  put("b", "inconclusive");
  fs::path out = tmp.path() / "merged";
  EXPECT_EQ(cmd_merge({tmp.path().string(), "--out", out.string()}), kExitInconclusive);
  put("c", "fail");
  EXPECT_EQ(cmd_merge({tmp.path().string(), "--out", out.string()}), kExitFail);
  EXPECT_TRUE(fs::exists(out / "summary.json"));
}

// The shards of one matrix merge into the gate of all its cells: an
// expected-UNSAFE cell in one shard passes, an unexpected one in another
// fails the merge.
TEST(ReportCommands, MergedMatrixShardsExitAsTheWholeMatrixWould) {
  testing::TempDir tmp;
  auto shard = [&](const std::string& dir, const std::string& row, const std::string& expected) {
    CellRuns c{row, "redeploy", "matrix--" + row + "--redeploy", expected};
    add_cell_run(c, {{"verdict", "fail"}, {"expectations", nlohmann::json::array()}}, "runs/x");
    MatrixMeta meta;
    meta.installers = {"legacy", "mine"};
    meta.faults = {"redeploy"};
    fs::create_directories(tmp.path() / dir);
    std::ofstream(tmp.path() / dir / "matrix.json") << build_matrix(meta, {c}).dump();
  };
  shard("s0", "legacy", "the fixture's legacy row writes in place on purpose");
  shard("s1", "mine", "--allow-unsafe mine:redeploy");
  fs::path out = tmp.path() / "merged";
  EXPECT_EQ(cmd_merge({(tmp.path() / "s0").string(), (tmp.path() / "s1").string(), "--out", out.string()}), kExitPass);
  shard("s1", "mine", "");
  EXPECT_EQ(cmd_merge({(tmp.path() / "s0").string(), (tmp.path() / "s1").string(), "--out", out.string()}), kExitFail);
  EXPECT_TRUE(fs::exists(out / "matrix.md"));
}

}  // namespace
}  // namespace harness
