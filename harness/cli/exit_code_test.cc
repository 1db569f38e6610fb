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

}  // namespace
}  // namespace harness
