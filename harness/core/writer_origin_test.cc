#include "core/writer_origin.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

FaultEvent action(const std::string& fault, const std::string& kind, double t, pid_t pid,
                  std::vector<std::string> argv = {}) {
  FaultEvent f;
  f.fault = fault;
  f.action = kind;
  f.t_start_ms = t;
  f.t_end_ms = t + 50;
  f.pid = pid;
  f.argv = std::move(argv);
  return f;
}

Writer writer(pid_t pid, double t, std::vector<ProcessInfo> ancestors = {}, std::string exe = "") {
  Writer w;
  w.process = ProcessInfo{pid, ancestors.empty() ? 0 : ancestors.front().pid, std::move(exe), {}};
  w.ancestors = std::move(ancestors);
  w.path = "data/app.img";
  w.t_first_ms = t;
  w.modify_events = 1;
  return w;
}

RunRecord record() {
  RunRecord r;
  r.harness_pid = 100;
  r.faults = {action("redeploy", "overwrite_truncate", 10, 0), action("redeploy", "drop_caches", 20, 0),
              action("install", "run", 30, 200, {"/opt/bin/stack-install", "--mode", "regressed", "--dest", "d"}),
              action("install", "run", 90, 300, {"/bin/sh", "/work/user.sh"})};
  r.faults[2].label = "stack-install (regressed)";
  return r;
}

TEST(WriterOrigin, TheHarnessItselfIsItsLatestWriteActionBeforeTheWrite) {
  RunRecord r = record();
  Writer w = writer(100, 25);
  WriterOrigin o = origin_of(w, r);
  EXPECT_EQ(o.kind, WriterOrigin::Kind::harness_action);
  ASSERT_TRUE(o.action);
  EXPECT_EQ(o.action->action, "overwrite_truncate");  // not the later drop_caches: not a write action
  EXPECT_EQ(describe_writer(w, r), "the harness's fault \"redeploy\" (overwrite_truncate) (pid 100)");
}

TEST(WriterOrigin, ARunActionsOwnProcess) {
  RunRecord r = record();
  Writer w = writer(200, 40, {}, "/opt/bin/stack-install");
  WriterOrigin o = origin_of(w, r);
  EXPECT_EQ(o.kind, WriterOrigin::Kind::run_action);
  EXPECT_EQ(describe_writer(w, r),
            "stack-install (pid 200), the fault \"install\" (stack-install (regressed))");
}

TEST(WriterOrigin, AShortLivedChildIsNamedWithTheActionThatStartedIt) {
  RunRecord r = record();
  // cat under the user's sh script, which ran under the harness; cat had
  // exited, but its program and ancestry came from the kernel's events.
  Writer w = writer(305, 95, {ProcessInfo{304, 300, "/bin/dash", {}}, ProcessInfo{300, 100, "/bin/dash", {}}},
                    "/usr/bin/cat");
  WriterOrigin o = origin_of(w, r);
  EXPECT_EQ(o.kind, WriterOrigin::Kind::run_action);
  ASSERT_TRUE(o.action);
  EXPECT_EQ(o.action->pid, 300);
  EXPECT_EQ(describe_writer(w, r), "cat (pid 305), started by fault \"install\" (run): sh user.sh (pid 300)");
  EXPECT_EQ(writer_program(w, r), "cat");
  Writer shell = writer(300, 91, {}, "/bin/dash");
  EXPECT_EQ(writer_program(shell, r), "sh user.sh");  // the action's own process: its command
}

TEST(WriterOrigin, AReusedPidBelongsToTheActionRunningAtTheTime) {
  RunRecord r = record();
  r.faults.push_back(action("install", "run", 500, 200, {"/bin/true"}));
  EXPECT_EQ(origin_of(writer(200, 40), r).action->t_start_ms, 30);
  EXPECT_EQ(origin_of(writer(200, 510), r).action->t_start_ms, 500);
  // Before any action with that pid started, it is nobody's.
  EXPECT_EQ(origin_of(writer(200, 5), r).kind, WriterOrigin::Kind::other);
}

TEST(WriterOrigin, AProcessNotStartedByTheRun) {
  RunRecord r = record();
  Writer w = writer(777, 50, {ProcessInfo{1, 0, "/sbin/init", {}}}, "/usr/bin/dd");
  EXPECT_EQ(origin_of(w, r).kind, WriterOrigin::Kind::other);
  EXPECT_EQ(describe_writer(w, r), "dd (pid 777), child of init (pid 1), not started by this run");
  Writer gone = writer(778, 50);
  EXPECT_EQ(describe_writer(gone, r), "an exited process (pid 778), not started by this run");
}

TEST(WriterOrigin, ADetachedDescendantIsItsActionsByItsCgroup) {
  // `setsid sh -c '...' &`: its parent exited, it was re-parented to the
  // harness (a subreaper), and /proc no longer leads to the action; its
  // cgroup still does.
  RunRecord r = record();
  r.faults[3].cgroup = "/harness-100-1/run-2";
  Writer w = writer(950, 400, {}, "/bin/dash");
  w.process.ppid = 100;
  w.process.cgroup = "/harness-100-1/run-2";
  WriterOrigin o = origin_of(w, r);
  EXPECT_EQ(o.kind, WriterOrigin::Kind::run_action);
  ASSERT_TRUE(o.action);
  EXPECT_EQ(o.action->pid, 300);
  EXPECT_EQ(describe_writer(w, r), "dash (pid 950), started by fault \"install\" (run): sh user.sh (pid 300)");
  // Another action's cgroup, or none: not this action's.
  w.process.cgroup = "/harness-100-1/run-9";
  EXPECT_EQ(origin_of(w, r).kind, WriterOrigin::Kind::other);
}

TEST(WriterOrigin, AncestryStopsAtTheHarness) {
  // A workload exec (child of the harness) is never a run action's, even
  // if some action's pid appears further up.
  RunRecord r = record();
  r.faults.push_back(action("x", "run", 1, 100));
  Writer w = writer(900, 50, {ProcessInfo{100, 1, "/usr/bin/harness", {}}});
  EXPECT_EQ(origin_of(w, r).kind, WriterOrigin::Kind::other);
}

}  // namespace
}  // namespace harness
