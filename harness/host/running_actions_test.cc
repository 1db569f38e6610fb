#include "host/running_actions.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace harness {
namespace {

using std::chrono::milliseconds;

pid_t spawn_sleeper() {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);  // a group of its own, as a Child's
    execl("/bin/sleep", "sleep", "30", nullptr);
    _exit(127);
  }
  return pid;
}

TEST(RunningActions, AKillFindsTheCommandOnceItStartsAndSignalsIt) {
  RunningActions r;
  pid_t pid = spawn_sleeper();
  ASSERT_GT(pid, 0);
  std::thread later([&] {
    std::this_thread::sleep_for(milliseconds(50));
    r.started("install", pid);
  });
  auto found = r.wait_for("install", milliseconds(5000), nullptr);
  later.join();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].pid, pid);
  EXPECT_TRUE(r.running("install", pid));
  EXPECT_EQ(r.signal("install", SIGKILL), std::vector<pid_t>{pid});
  int st = 0;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  r.ended("install", pid);
  EXPECT_FALSE(r.running("install", pid));
  EXPECT_TRUE(r.signal("install", SIGKILL).empty()) << "nothing left to signal";
}

TEST(RunningActions, AReapedCommandIsNeverSignalled) {
  RunningActions r;
  pid_t pid = spawn_sleeper();
  r.started("install", pid);
  kill(pid, SIGKILL);
  int st = 0;
  waitpid(pid, &st, 0);
  // Still registered (the action has not said it ended), but the pidfd
  // names a process that is gone: no signal goes to whoever gets the pid.
  EXPECT_TRUE(r.signal("install", SIGTERM).empty());
}

TEST(RunningActions, WaitingGivesUpAtTheTimeoutOrWhenStopped) {
  RunningActions r;
  auto t0 = MonoClock::now();
  EXPECT_TRUE(r.wait_for("install", milliseconds(60), nullptr).empty());
  EXPECT_GE(MonoClock::now() - t0, milliseconds(60));
  std::atomic<bool> stop{true};
  EXPECT_TRUE(r.wait_for("install", milliseconds(60000), &stop).empty());
}

}  // namespace
}  // namespace harness
