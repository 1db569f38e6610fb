// RunCgroups and the `run` actions in it, as root on a machine with a
// writable cgroup2 mount: a fault's command leaves its background work
// running until kill_background(); setup's waits for it; everything goes
// with the tree; the marker records it for gc.
#include "host/run_cgroups.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "base/run_marker.h"
#include "host/fault.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using testing::processes_with;
using testing::survivors;
using testing::testprog;
using testing::unique_token;

class RunCgroupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to make cgroups";
    std::string why;
    auto p = own_cgroup2(why);
    if (!p) GTEST_SKIP() << "no writable cgroup2 here: " << why;
    parent = *p;
  }
  // A `run` action of `fault` running `sh -c script` in `cgroups`.
  FaultEvent run(RunCgroups& cgroups, const std::string& fault, const std::string& script, bool wait_for_background,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    FaultContext ctx{dir, clock, {}, nullptr, fault, nullptr};
    ctx.cgroups = &cgroups;
    ctx.wait_for_background = wait_for_background;
    Action a;
    a.kind = ActionKind::run;
    a.argv = {"/bin/sh", "-c", script};
    a.timeout = timeout;
    auto evs = perform(a, ctx);
    EXPECT_EQ(evs.size(), 1u);
    return evs.at(0);
  }
  testing::TempDir tmp;
  RunDir dir{tmp.path() / "run"};
  RunClock clock;
  CgroupPlace parent;
};

TEST_F(RunCgroupsTest, AFaultsBackgroundWorkRunsOnUntilKilledAndIsListedAsIts) {
  std::string token = unique_token("rc");
  fs::path run_dir;
  {
    RunCgroups cgroups(parent, dir);
    run_dir = cgroups.run().place().dir;
    auto marker = parse_marker(testing::slurp(dir.path() / kRunMarkerName));
    ASSERT_TRUE(marker);
    ASSERT_EQ(marker->cgroups.size(), 1u);
    EXPECT_EQ(marker->cgroups[0].path, run_dir.string());
    EXPECT_EQ(marker->cgroups[0].id, cgroups.run().id());

    FaultEvent ev = run(cgroups, "redeploy", "setsid " + testprog("hang") + " " + token + " & echo started", false);
    EXPECT_EQ(ev.outcome, "ok") << ev.detail;
    EXPECT_EQ(ev.cgroup.rfind(cgroups.run().place().proc_path + "/run-", 0), 0u) << ev.cgroup;
    // Returned, and its detached child runs on.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_EQ(processes_with(token).size(), 1u);
    // A command that left nothing: its leaf is gone already.
    FaultEvent quick = run(cgroups, "redeploy", "true", false);
    EXPECT_FALSE(fs::exists(run_dir / fs::path(quick.cgroup).filename())) << quick.cgroup;

    auto left = cgroups.kill_background(clock);
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].cgroup, ev.cgroup);
    EXPECT_EQ(left[0].argv, (std::vector<std::string>{testprog("hang"), token}));
    EXPECT_GT(left[0].t_killed_ms, ev.t_end_ms);
    EXPECT_TRUE(survivors(token).empty());
    EXPECT_TRUE(cgroups.kill_background(clock).empty()) << "nothing twice";
  }
  EXPECT_FALSE(fs::exists(run_dir)) << "the tree goes with the object";
}

TEST_F(RunCgroupsTest, SetupIsDoneWhenItsBackgroundWorkIsOrTimesOutSayingWhatItLeft) {
  std::string token = unique_token("rc-setup");
  RunCgroups cgroups(parent, dir);
  FaultEvent done = run(cgroups, "setup", testprog("sleep_ms") + " 300 & echo started", true);
  EXPECT_EQ(done.outcome, "ok") << done.detail;
  EXPECT_GE(done.t_end_ms - done.t_start_ms, 290.0) << "returned before its background work ended";
  FaultEvent stuck =
      run(cgroups, "setup", testprog("hang") + " " + token + " & echo started", true, std::chrono::milliseconds(300));
  EXPECT_FALSE(stuck.ok);
  EXPECT_EQ(stuck.outcome, "timeout");
  EXPECT_NE(stuck.detail.find("left hang (pid"), std::string::npos) << stuck.detail;
  EXPECT_NE(stuck.detail.find("300 ms timeout"), std::string::npos) << stuck.detail;
  EXPECT_TRUE(survivors(token).empty());
  EXPECT_TRUE(cgroups.kill_background(clock).empty());
}

TEST_F(RunCgroupsTest, TheWorkloadsLeftoversAreListedAsTheWorkloads) {
  std::string token = unique_token("rc-wl");
  RunCgroups cgroups(parent, dir);
  ChildOptions o;
  o.cgroup = &cgroups.workload();
  ASSERT_TRUE(run_child({"/bin/sh", "-c", "setsid " + testprog("hang") + " " + token + " &"}, o).succeeded());
  auto left = cgroups.kill_background(clock);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].cgroup, cgroups.workload().place().proc_path);
  EXPECT_TRUE(survivors(token).empty());
}

}  // namespace
}  // namespace harness
