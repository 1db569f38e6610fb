#include "core/run_failure.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::has;

template <typename E>
RunRecord recorded(E e) {
  RunRecord rec;
  record_failure(rec, std::make_exception_ptr(e));
  return rec;
}


TEST(RunFailure, TheErrorsKindChoosesTheFlags) {
  RunRecord env = recorded(EnvironmentError("no loop device"));
  EXPECT_EQ(env.error, "no loop device");
  EXPECT_TRUE(env.environment_error);
  EXPECT_FALSE(env.scenario_error);
  RunRecord scen = recorded(ScenarioError("s.json", 3, 4, "$.mounts[0].image", "missing"));
  EXPECT_TRUE(scen.scenario_error);
  EXPECT_FALSE(scen.environment_error);
  RunRecord run = recorded(RuntimeError("setup action run ended exit 1"));
  EXPECT_FALSE(run.scenario_error);
  EXPECT_FALSE(run.environment_error);
}

TEST(RunFailure, AFullDiskIsTheMachinesProblemAndSaysWhatToDo) {
  RunRecord rec = recorded(SystemError("images/a.img: write: No space left on device", ENOSPC));
  EXPECT_TRUE(rec.environment_error);
  EXPECT_TRUE(has(rec.error, "filesystem is full: free some space or use --out on another filesystem"));
  RunRecord copied = recorded(std::system_error(EDQUOT, std::generic_category(), "copy"));
  EXPECT_TRUE(copied.environment_error);
  EXPECT_TRUE(has(copied.error, "(EDQUOT); the run directory's filesystem is full"));
}

TEST(RunFailure, OtherErrorsAreKeptAsTheySay) {
  RunRecord sys = recorded(SystemError("x: read: Input/output error", EIO));
  EXPECT_EQ(sys.error, "x: read: Input/output error");
  EXPECT_FALSE(sys.environment_error);
  RunRecord copied = recorded(std::system_error(EIO, std::generic_category(), "copy"));
  EXPECT_FALSE(copied.environment_error);
  EXPECT_FALSE(has(copied.error, "full"));
  EXPECT_EQ(recorded(std::logic_error("bug")).error, "bug");
}

TEST(RunFailure, AnythingElseIsRethrown) {
  RunRecord rec;
  EXPECT_THROW(record_failure(rec, std::make_exception_ptr(42)), int);
}

// A guest's error arrives first over the channel; what the host side
// throws after it (the VM ended early) must not replace the cause.
TEST(RunFailure, TheFirstFailureIsTheRuns) {
  RunRecord rec;
  rec.error = "setup action run ended exit 1";
  record_failure(rec, std::make_exception_ptr(SystemError("vm-scratch.img: write", ENOSPC)));
  EXPECT_EQ(rec.error, "setup action run ended exit 1");
  EXPECT_FALSE(rec.environment_error);
}

}  // namespace
}  // namespace harness
