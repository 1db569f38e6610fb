#include "core/sizing.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace harness {
namespace {

std::string scenario_text(const std::string& vm) {
  return R"({
    "name": "t", "timeout_s": 60,
    "workload": {"argv": ["/bin/true"], "iterations": 1000, "duration_ms": 50000},
    "expect": [{"classes": ["abnormal"], "at_most": 0}, {"min_execs_under_fault": 1000}])" +
         (vm.empty() ? std::string() : ", \"vm\": " + vm) + "}";
}

TEST(Sizing, TheHostRunsTheScenarioAsWritten) {
  Scenario s = sized_for_backend(parse_scenario(scenario_text(R"({"iterations": 100})"), "s.json"), BackendKind::host);
  EXPECT_EQ(s.workload.iterations, 1000u);
  EXPECT_EQ(s.sizing, "");
}

TEST(Sizing, TheVmBlockResizesWorkloadAndBoundAndSaysSo) {
  Scenario s = sized_for_backend(
      parse_scenario(scenario_text(R"({"iterations": 100, "duration_ms": 20000, "min_execs_under_fault": 100})"),
                     "s.json"),
      BackendKind::vm);
  EXPECT_EQ(s.workload.iterations, 100u);
  EXPECT_EQ(s.workload.duration->count(), 20000);
  EXPECT_EQ(s.expect[1].kind, ExpectationKind::min_execs_under_fault);
  EXPECT_EQ(s.expect[1].at_least, 100u);
  EXPECT_EQ(s.expect[0].at_most, 0u);  // other expectations untouched
  EXPECT_EQ(s.sizing,
            "vm sizing: iterations 100 (as written: 1000), duration_ms 20000 (as written: 50000), "
            "min_execs_under_fault 100 (as written: 1000)");
  // Applying it twice changes nothing more.
  Scenario again = sized_for_backend(s, BackendKind::vm);
  EXPECT_EQ(again.sizing, s.sizing);
  EXPECT_EQ(again.workload.iterations, 100u);
}

TEST(Sizing, WithoutAVmBlockTheVmRunsItAsWritten) {
  Scenario s = sized_for_backend(parse_scenario(scenario_text(""), "s.json"), BackendKind::vm);
  EXPECT_EQ(s.workload.iterations, 1000u);
  EXPECT_EQ(s.sizing, "");
}

ScenarioError vm_error(const std::string& vm) {
  try {
    parse_scenario(scenario_text(vm), "s.json");
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for vm " << vm;
  return ScenarioError("", 0, 0, "", "");
}

TEST(Sizing, ImpossibleOrMisplacedVmSizingIsRejectedWithItsPath) {
  auto e = vm_error(R"({"iterations": 100, "min_execs_under_fault": 200})");
  EXPECT_EQ(e.json_path(), "$.vm.min_execs_under_fault");
  EXPECT_NE(e.message().find("can never hold"), std::string::npos) << e.message();
  EXPECT_EQ(vm_error(R"({"duration_ms": 61000})").json_path(), "$.vm.duration_ms");
  EXPECT_EQ(vm_error(R"({"iteration": 10})").json_path(), "$.vm.iteration");
  EXPECT_EQ(vm_error(R"({})").json_path(), "$.vm");
  EXPECT_EQ(vm_error(R"({"iterations": 0})").json_path(), "$.vm.iterations");
  // Resizing a bound the scenario does not have is a mistake.
  try {
    parse_scenario(R"({"name": "t", "timeout_s": 60, "workload": {"argv": ["/bin/true"], "iterations": 10},
                       "expect": [{"classes": ["abnormal"], "at_most": 0}],
                       "vm": {"min_execs_under_fault": 5}})",
                   "s.json");
    ADD_FAILURE() << "accepted";
  } catch (const ScenarioError& err) {
    EXPECT_EQ(err.json_path(), "$.vm.min_execs_under_fault");
  }
}

TEST(Sizing, WithoutAVmBlockAVmRunIsCalibrated) {
  Scenario s = sized_for_backend(parse_scenario(scenario_text(""), "s.json"), BackendKind::vm);
  EXPECT_TRUE(s.calibrate);
  EXPECT_EQ(s.workload.iterations, 1000u);  // as written until the warm-up says otherwise
  EXPECT_EQ(s.sizing, "");
  EXPECT_FALSE(sized_for_backend(parse_scenario(scenario_text(""), "s.json"), BackendKind::host).calibrate);
  EXPECT_FALSE(sized_for_backend(parse_scenario(scenario_text(R"({"iterations": 100})"), "s.json"), BackendKind::vm).calibrate);
}

TEST(Sizing, CalibrationGivesASlowWorkloadHalfTheTimeLeft) {
  WorkloadSpec w;
  w.iterations = 1000;
  // 83 ms an exec (TCG), 58 s left: 1000 execs would take 83 s; 29 s given.
  CalibratedSize c = calibrate_workload(w, std::chrono::milliseconds(58000), 83, 2);
  ASSERT_TRUE(c.duration);
  EXPECT_EQ(c.duration->count(), 29000);
  // 29 s at 83 ms an exec is 349 execs; 1000 of them need a 166 s share, 108 s more than the 58 s left.
  EXPECT_EQ(c.hint,
            "for a decided verdict, give the scenario a \"vm\" block sized for a VM (about 349 execs fit here: "
            "\"vm\": {\"iterations\": 349}, and any min_execs_under_fault there no higher), or raise timeout_s by "
            "at least 108 s");
  EXPECT_EQ(c.sizing,
            "calibrated: the workload runs at most 29 s, half of the 58 s left before the timeout (1000 iterations "
            "at the warm-up's 83 ms an exec would take ~83 s); expectations as written; " + c.hint);
  // A shorter duration as written wins over the budget.
  w.duration = std::chrono::milliseconds(20000);
  EXPECT_EQ(calibrate_workload(w, std::chrono::milliseconds(58000), 83, 2).duration->count(), 20000);
  EXPECT_EQ(calibrate_workload(w, std::chrono::milliseconds(58000), 83, 2).sizing, "");
  // A duration alone longer than the budget is cut to it.
  WorkloadSpec d;
  d.duration = std::chrono::milliseconds(50000);
  c = calibrate_workload(d, std::chrono::milliseconds(58000), 83, 2);
  EXPECT_EQ(c.duration->count(), 29000);
  EXPECT_NE(c.sizing.find("duration_ms 50000 is longer"), std::string::npos) << c.sizing;
}

TEST(Sizing, CalibrationCountsWorkersThatTrulyRunAtOnce) {
  WorkloadSpec w;
  w.iterations = 600;
  w.concurrency = 2;
  // 600 x 83 ms = 49.8 s alone, 24.9 s on two CPUs: fits in 29 s.
  EXPECT_EQ(calibrate_workload(w, std::chrono::milliseconds(58000), 83, 2).sizing, "");
  EXPECT_NE(calibrate_workload(w, std::chrono::milliseconds(58000), 83, 1).sizing, "");
}

TEST(Sizing, CalibrationLeavesAWorkloadThatFitsAlone) {
  WorkloadSpec w;
  w.iterations = 1000;
  CalibratedSize c = calibrate_workload(w, std::chrono::milliseconds(58000), 4, 2);  // host pace
  EXPECT_FALSE(c.duration);
  EXPECT_EQ(c.sizing, "");
  // Nothing to judge from: as written.
  EXPECT_EQ(calibrate_workload(w, std::chrono::milliseconds(58000), 0, 2).sizing, "");
  EXPECT_EQ(calibrate_workload(w, std::chrono::milliseconds(0), 83, 2).sizing, "");
}

}  // namespace
}  // namespace harness
