#include "cli/derived_runs.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "cli/exit_code.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A valid scenario document named `name`, with a "vm" block.
DerivedScenario doc(const std::string& name) {
  json d = {{"name", name},
            {"timeout_s", 60},
            {"workload", {{"argv", {"/bin/true"}}, {"iterations", 1000}}},
            {"expect", {{{"classes", {"abnormal"}}, {"at_most", 0}}}},
            {"vm", {{"iterations", 100}}}};
  return {name + ".json", d};
}

std::vector<std::string> names(const std::vector<Scenario>& ss) {
  std::vector<std::string> out;
  for (const auto& s : ss) out.push_back(s.name);
  return out;
}

TEST(DerivedRuns, EachDocumentIsWrittenAndParsed) {
  testing::TempDir tmp;
  RunOptionsArgs ra;
  ra.backend = BackendKind::host;
  std::vector<Scenario> ss = write_derived({doc("a"), doc("b")}, tmp.path() / "out", "scenarios", ra);
  EXPECT_EQ(names(ss), (std::vector<std::string>{"a", "b"}));
  fs::path file = tmp.path() / "out" / "scenarios" / "a.json";
  ASSERT_TRUE(fs::is_regular_file(file));
  EXPECT_EQ(json::parse(testing::slurp(file)), doc("a").document);
  EXPECT_EQ(testing::slurp(file).back(), '\n');
  EXPECT_EQ(ss[0].file, file) << "a failing run names the file it came from";
  EXPECT_EQ(ss[0].workload.iterations, 1000u) << "the host runs it as written";
}

TEST(DerivedRuns, TheyAreSizedForTheBackend) {
  testing::TempDir tmp;
  RunOptionsArgs ra;
  ra.backend = BackendKind::vm;
  std::vector<Scenario> ss = write_derived({doc("a")}, tmp.path(), "derived", ra);
  ASSERT_EQ(ss.size(), 1u);
  EXPECT_EQ(ss[0].workload.iterations, 100u);
  EXPECT_NE(ss[0].sizing, "");
}

TEST(DerivedRuns, AShardTakesEveryNthButAllAreWritten) {
  testing::TempDir tmp;
  RunOptionsArgs ra;
  ra.backend = BackendKind::host;
  std::vector<DerivedScenario> docs = {doc("s0"), doc("s1"), doc("s2"), doc("s3"), doc("s4")};
  ra.shard = Shard{1, 2};
  EXPECT_EQ(names(write_derived(docs, tmp.path(), "d", ra)), (std::vector<std::string>{"s1", "s3"}));
  ra.shard = Shard{0, 2};
  EXPECT_EQ(names(write_derived(docs, tmp.path(), "d", ra)), (std::vector<std::string>{"s0", "s2", "s4"}));
  for (const auto& d : docs) EXPECT_TRUE(fs::exists(tmp.path() / "d" / d.file_name)) << d.file_name;
}

TEST(DerivedRuns, AnInvalidDocumentIsAScenarioErrorNamingItsFile) {
  testing::TempDir tmp;
  RunOptionsArgs ra;
  ra.backend = BackendKind::host;
  DerivedScenario bad = doc("bad");
  bad.document["workload"]["iterations"] = "many";
  try {
    write_derived({doc("good"), bad}, tmp.path(), "d", ra);
    FAIL() << "loaded an invalid scenario";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), (tmp.path() / "d" / "bad.json").string());
    EXPECT_NE(e.json_path().find("iterations"), std::string::npos) << e.what();
  }
}

TEST(DerivedRuns, AFolderThatCannotBeMadeIsAnEnvironmentError) {
  testing::TempDir tmp;
  std::ofstream(tmp.path() / "file") << "x";
  RunOptionsArgs ra;
  ra.backend = BackendKind::host;
  try {
    write_derived({doc("a")}, tmp.path() / "file", "d", ra);
    FAIL() << "made a folder inside a file";
  } catch (const EnvironmentError& e) {
    EXPECT_NE(std::string(e.what()).find((tmp.path() / "file").string() + ": cannot open"), std::string::npos)
        << e.what();
  }
}

// Another user's link where the folder of derived scenarios goes (in a
// shared --out): nothing is written through it, nothing is read back.
TEST(DerivedRuns, ALinkPlantedForTheFolderIsRefused) {
  testing::TempDir tmp;
  fs::create_directories(tmp.path() / "out");
  fs::create_directories(tmp.path() / "theirs");
  fs::create_directory_symlink(tmp.path() / "theirs", tmp.path() / "out" / "cells");
  RunOptionsArgs ra;
  ra.backend = BackendKind::host;
  try {
    write_derived({doc("a")}, tmp.path() / "out", "cells", ra);
    FAIL() << "wrote through a link";
  } catch (const EnvironmentError& e) {
    EXPECT_NE(std::string(e.what()).find((tmp.path() / "out" / "cells").string() + ": a symbolic link"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(fs::is_empty(tmp.path() / "theirs"));
}

TEST(DerivedRuns, NothingToRunPasses) {
  testing::TempDir tmp;
  RunOptionsArgs ra;
  bool called = false;
  EXPECT_EQ(run_derived({}, tmp.path(), ra, [&](const RunOutcome&, const json&) { called = true; }), kExitPass);
  EXPECT_FALSE(called);
  EXPECT_FALSE(fs::exists(tmp.path() / "runs")) << "no backend, no gc, no folders";
}

}  // namespace
}  // namespace harness
