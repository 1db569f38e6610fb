#include "cli/exit_code.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(ExitCode, ARunThatStoppedOnAnErrorExitsWithItsCause) {
  // A program found missing during the run is the scenario's mistake.
  EXPECT_EQ(exit_code_for(VerdictStatus::error, false, ErrorKind::invalid_scenario), kExitInvalid);
  EXPECT_EQ(exit_code_for(VerdictStatus::error, false, ErrorKind::environment), kExitEnvironment);
  EXPECT_EQ(exit_code_for(VerdictStatus::error, false, ErrorKind::runtime), kExitRuntime);
  EXPECT_EQ(exit_code_for(VerdictStatus::error, false, std::nullopt), kExitRuntime);
  EXPECT_EQ(exit_code_for(VerdictStatus::error, true, ErrorKind::invalid_scenario), kExitInterrupted);
}

TEST(ExitCode, AFinishedRunExitsWithItsVerdict) {
  EXPECT_EQ(exit_code_for(VerdictStatus::pass, false, std::nullopt), kExitPass);
  EXPECT_EQ(exit_code_for(VerdictStatus::fail, false, std::nullopt), kExitFail);
  EXPECT_EQ(exit_code_for(VerdictStatus::timeout, false, std::nullopt), kExitFail);
  EXPECT_EQ(exit_code_for(VerdictStatus::inconclusive, false, std::nullopt), kExitInconclusive);
}

TEST(ExitCode, MoreSeriousOrder) {
  EXPECT_EQ(more_serious(kExitPass, kExitInconclusive), kExitInconclusive);
  EXPECT_EQ(more_serious(kExitInconclusive, kExitFail), kExitFail);
  EXPECT_EQ(more_serious(kExitFail, kExitRuntime), kExitRuntime);
  EXPECT_EQ(more_serious(kExitEnvironment, kExitRuntime), kExitEnvironment);
  EXPECT_EQ(more_serious(kExitInterrupted, kExitEnvironment), kExitInterrupted);
}

CellRuns matrix_cell(const std::string& verdict, const std::string& expected_unsafe = "") {
  CellRuns c{"mine", "redeploy", "matrix--mine--redeploy"};
  c.expected_unsafe = expected_unsafe;
  nlohmann::json r = {{"verdict", verdict}, {"expectations", nlohmann::json::array()}};
  if (verdict == "error") r["run"] = {{"error", "setup action run ended exit_nonzero"}};
  add_cell_run(c, r, "runs/x");
  return c;
}

TEST(ExitCode, AMatrixFailsTheGateOnlyOnAnUnexpectedUnsafeCell) {
  EXPECT_EQ(matrix_exit_code({}), kExitPass);
  EXPECT_EQ(matrix_exit_code({matrix_cell("pass")}), kExitPass);
  EXPECT_EQ(matrix_exit_code({matrix_cell("pass"), matrix_cell("fail")}), kExitFail);
  EXPECT_EQ(matrix_exit_code({matrix_cell("fail", "--allow-unsafe mine:redeploy")}), kExitPass);
  EXPECT_EQ(matrix_exit_code({matrix_cell("inconclusive")}), kExitInconclusive);
  // An expected-UNSAFE cell is not held to anything but running.
  EXPECT_EQ(matrix_exit_code({matrix_cell("inconclusive", "the fixture's legacy row")}), kExitPass);
  EXPECT_EQ(matrix_exit_code({matrix_cell("error", "the fixture's legacy row")}), kExitRuntime);
  // The precedence of more_serious: an error, then an unexpected UNSAFE
  // cell, then an inconclusive one.
  EXPECT_EQ(matrix_exit_code({matrix_cell("inconclusive"), matrix_cell("fail")}), kExitFail);
  EXPECT_EQ(matrix_exit_code({matrix_cell("fail"), matrix_cell("error"), matrix_cell("inconclusive")}), kExitRuntime);
}

}  // namespace
}  // namespace harness
