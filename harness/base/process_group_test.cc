// Process groups and the subreaper with real processes: a daemon that
// left its group is adopted and does not outlive the scope.
#include "base/process_group.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "base/child.h"
#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::testprog;

using testing::survivors;
using testing::unique_token;


TEST(SubreaperScope, AdoptsWhatLeftItsGroupAndLeavesNothingRunning) {
  std::string token = unique_token("daemon");
  {
    SubreaperScope reaper;
    int on = 0;
    prctl(PR_GET_CHILD_SUBREAPER, &on);
    EXPECT_EQ(on, 1);
    // A new session and group, its parent gone soon after (long enough
    // for setsid() to happen before the parent's group is torn down).
    ChildOptions o;
    ASSERT_TRUE(run_child({"/bin/sh", "-c", "setsid " + testprog("hang") + " " + token + " & sleep 0.3"}, o).succeeded());
    auto adopted = testing::processes_with(token);
    ASSERT_EQ(adopted.size(), 1u);
    EXPECT_NE(getpgid(adopted[0]), getpgid(0));
  }
  EXPECT_TRUE(survivors(token).empty());
  int on = 1;
  prctl(PR_GET_CHILD_SUBREAPER, &on);
  EXPECT_EQ(on, 0) << "the previous setting is restored";
}

TEST(ProcessGroup, KillProcessGroupLeavesNoMember) {
  std::string token = unique_token("group");
  SubreaperScope reaper;  // the orphans become ours to reap
  ChildOptions o;
  o.timeout = std::chrono::seconds(10);
  Child c({"/bin/sh", "-c", testprog("hang") + " " + token + " & " + testprog("hang") + " " + token + " & exit 0"}, o);
  EXPECT_TRUE(c.wait().succeeded());
  EXPECT_TRUE(survivors(token).empty());
  EXPECT_EQ(kill(-c.pid(), 0), -1) << "the group is empty and reaped";
}

TEST(ProcessGroup, NeverSignalsEveryProcess) {
  // kill(-1) would reach every process we may signal.
  kill_process_group(1);
  kill_process_group(0);
  SUCCEED();
}

TEST(ProcessGroup, ReapingAChildThatIsNotOursIsAnError) {
  EXPECT_THROW(reap(1), RuntimeError);
}

}  // namespace
}  // namespace harness
