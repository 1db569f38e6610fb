#include "core/plan.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

PlanPaths paths() { return PlanPaths{"/runs/r/work", "/src/scenarios", "/opt/harness/bin", "/opt/harness/fixtures"}; }

TEST(Plan, PlaceholdersExpandEverywhereInAnArgument) {
  EXPECT_EQ(expand_placeholders("{work}/mnt/{work}", paths()), "/runs/r/work/mnt//runs/r/work");
  EXPECT_EQ(expand_placeholders("{scenario_dir}/x.sh", paths()), "/src/scenarios/x.sh");
  EXPECT_EQ(expand_placeholders("{harness_dir}", paths()), "/opt/harness/bin");
  EXPECT_EQ(expand_placeholders("{fixtures_bin}/stack-install", paths()), "/opt/harness/fixtures/stack-install");
  EXPECT_EQ(expand_placeholders("plain", paths()), "plain");
}

TEST(Plan, AnUnknownPlaceholderIsNamed) {
  EXPECT_EQ(unknown_placeholder("{work}/{wrok}/x"), "{wrok}");
  EXPECT_FALSE(unknown_placeholder("{work}/{fixtures_bin}"));
  EXPECT_EQ(placeholder_names().size(), 4u);
}

TEST(Plan, MakePlanExpandsTheWorkloadAndEveryRunAction) {
  Scenario s;
  s.workload.argv = {"{work}/mnt/sleep", "0.001"};
  Action run;
  run.kind = ActionKind::run;
  run.argv = {"{fixtures_bin}/stack-install", "--dest", "{work}/data"};
  s.setup.push_back(run);
  FaultSpec f;
  f.name = "redeploy";
  f.actions.push_back(run);
  s.faults.push_back(f);
  s.finally.push_back(run);
  Plan p = make_plan(s, paths());
  EXPECT_EQ(p.scenario.workload.argv[0], "/runs/r/work/mnt/sleep");
  EXPECT_EQ(p.scenario.setup[0].argv[0], "/opt/harness/fixtures/stack-install");
  EXPECT_EQ(p.scenario.faults[0].actions[0].argv[2], "/runs/r/work/data");
  EXPECT_EQ(p.scenario.finally[0].argv[0], "/opt/harness/fixtures/stack-install");
  EXPECT_EQ(p.paths.work, "/runs/r/work");
}

}  // namespace
}  // namespace harness
