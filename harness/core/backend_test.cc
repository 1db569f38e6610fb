#include "core/backend.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "base/system_info.h"
#include "testing/test_support.h"

namespace harness {
namespace {

Scenario scenario() {
  Scenario s;
  s.file = "scenarios/heroku-2017-truncation.json";
  s.name = "heroku-2017-truncation";
  s.description = "Rewriting a mounted image.";
  FaultSpec must;
  must.name = "redeploy";
  FaultSpec may;
  may.name = "memory-pressure";
  may.optional = true;
  s.faults = {must, may};
  return s;
}

TEST(Backend, ARecordBeginsWithTheRunsIdentityAndTheMachine) {
  testing::TempDir tmp;
  RunDir dir(tmp.path() / "run-42");
  RunRecord r = begin_record(scenario(), dir, BackendKind::vm);
  EXPECT_EQ(r.scenario, "heroku-2017-truncation");
  EXPECT_EQ(r.scenario_file, "scenarios/heroku-2017-truncation.json");
  EXPECT_EQ(r.description, "Rewriting a mounted image.");
  EXPECT_EQ(r.run_dir, (tmp.path() / "run-42").string());
  EXPECT_EQ(r.run_id, "run-42");
  EXPECT_EQ(r.backend, BackendKind::vm);
  EXPECT_EQ(r.started_at.size(), std::string("2026-11-29T21:11:48Z").size()) << r.started_at;
  EXPECT_EQ(r.environment.at("backend"), "vm");
  EXPECT_EQ(r.environment.at("kernel"), kernel_release());
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  EXPECT_EQ(r.environment.at("hostname"), host);
  EXPECT_FALSE(r.environment.at("harness_version").get<std::string>().empty());
  EXPECT_FALSE(r.environment.contains("sizing")) << "a run as written says nothing of sizing";
  ASSERT_EQ(r.planned_faults.size(), 2u);
  EXPECT_EQ(r.planned_faults[0].name, "redeploy");
  EXPECT_FALSE(r.planned_faults[0].optional);
  EXPECT_EQ(r.planned_faults[1].name, "memory-pressure");
  EXPECT_TRUE(r.planned_faults[1].optional);
  // Nothing observed yet.
  EXPECT_TRUE(r.execs.empty());
  EXPECT_TRUE(r.faults.empty());
  EXPECT_TRUE(r.error.empty());
}

TEST(Backend, ASizedScenarioSaysHowInTheEnvironment) {
  testing::TempDir tmp;
  RunDir dir(tmp.path() / "run");
  Scenario s = scenario();
  s.sizing = "vm sizing: iterations 100 (as written: 1000)";
  EXPECT_EQ(begin_record(s, dir, BackendKind::host).environment.at("sizing"), s.sizing);
}

}  // namespace
}  // namespace harness
