#include "cli/run_options.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

TEST(RunOptions, AFolderIsItsScenarioFilesWithoutTheSchema) {
  testing::TempDir tmp;
  for (const char* f : {"b.json", "schema.json", "a.json", "notes.txt"}) std::ofstream(tmp.path() / f) << "{}";
  fs::create_directories(tmp.path() / "sub.json");  // a folder is not a scenario
  auto files = scenario_files({tmp.path(), "x.json"});
  EXPECT_EQ(files, (std::vector<fs::path>{tmp.path() / "a.json", tmp.path() / "b.json", "x.json"}));
  fs::path empty = tmp.path() / "empty";
  fs::create_directories(empty);
  try {
    scenario_files({empty});
    ADD_FAILURE() << "an empty folder names no scenario";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
  }
}

TEST(RunOptions, ParsesAndRefuses) {
  auto ra = parse_run_options({"a.json", "--repeat", "3", "-j", "2", "--backend", "vm", "--no-early-stop"});
  EXPECT_EQ(ra.scenarios, std::vector<fs::path>{"a.json"});
  EXPECT_EQ(ra.repeat, 3u);
  EXPECT_EQ(ra.jobs, 2u);
  EXPECT_TRUE(ra.no_early_stop);
  EXPECT_EQ(parse_run_options({}, 5).repeat, 5u);
  EXPECT_THROW(parse_run_options({"--repeat", "0"}), Error);
  EXPECT_THROW(parse_run_options({"--frobnicate"}), Error);
  EXPECT_THROW(parse_run_options({"--out"}), Error);
  RunOptionsArgs host_jobs = parse_run_options({"--backend", "host", "-j", "2"});
  EXPECT_THROW(settle_run_options(host_jobs), Error);
}

}  // namespace
}  // namespace harness
