// spawn() with real programs: what the program starts with (its cgroup,
// its group, its descriptors and signals), why it could not start, and
// that it dies with the process that started it.
#include "base/spawn.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/cgroup.h"
#include "base/procfs.h"
#include "base/scoped_fd.h"
#include "testing/test_support.h"

extern char** environ;

namespace harness {
namespace {

using testing::processes_with;
using testing::survivors;
using testing::testprog;
using testing::unique_token;

// Runs `argv` (stdio on `out`, or /dev/null) and returns its exit status.
struct Launch {
  std::vector<std::string> args;
  std::vector<char*> argv;
  ScopedFd null_fd{::open("/dev/null", O_RDWR | O_CLOEXEC)};
  SpawnPlan plan;
  explicit Launch(std::vector<std::string> a, int out = -1) : args(std::move(a)) {
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    plan.exe = argv[0];
    plan.argv = argv.data();
    plan.envp = environ;
    plan.stdin_fd = null_fd.get();
    plan.stdout_fd = out >= 0 ? out : null_fd.get();
    plan.stderr_fd = null_fd.get();
  }
};

int wait_status(pid_t pid) {
  int st = 0;
  EXPECT_EQ(waitpid(pid, &st, 0), pid);
  return st;
}

TEST(Spawn, LeadsItsOwnGroupWithOnlyTheDescriptorsItIsGiven) {
  char tmpl[] = "/tmp/harness-spawn-test-XXXXXX";
  ScopedFd out(mkstemp(tmpl));
  ASSERT_TRUE(out.is_open());
  unlink(tmpl);
  ScopedFd passed(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ScopedFd not_passed(::open("/dev/null", O_RDONLY | O_CLOEXEC | 0));
  fcntl(not_passed.get(), F_SETFD, 0);  // even without close-on-exec
  Launch r({"/bin/sh", "-c", "echo $$ $(cut -d' ' -f5 /proc/$$/stat); ls /proc/$$/fd | sort -n | tr '\\n' ' '"},
        out.get());
  r.plan.pass_fds = {passed.get()};
  SpawnResult s = spawn(r.plan);
  ASSERT_TRUE(s.started()) << s.err;
  int st = wait_status(s.pid);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  std::string text = read_fd_capped(out.get(), 4096);
  EXPECT_EQ(text.substr(0, text.find('\n')), std::to_string(s.pid) + " " + std::to_string(s.pid)) << text;
  std::string fds = text.substr(text.find('\n') + 1);
  EXPECT_NE(fds.find(" " + std::to_string(passed.get()) + " "), std::string::npos) << fds;
  EXPECT_EQ(fds.find(" " + std::to_string(not_passed.get()) + " "), std::string::npos) << fds;
}

TEST(Spawn, SaysWhetherTheExecOrAStepBeforeItFailed) {
  Launch missing({"/nonexistent/program"});
  SpawnResult s = spawn(missing.plan);
  EXPECT_FALSE(s.started());
  EXPECT_TRUE(s.exec_failed);
  EXPECT_EQ(s.err, ENOENT);
  // A cgroup it cannot join (here: a descriptor not open for writing) is
  // the harness's trouble, and nothing runs.
  std::string token = unique_token("spawn");
  Launch r({testprog("hang"), token});
  ScopedFd read_only(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  r.plan.cgroup_join_fd = read_only.get();
  s = spawn(r.plan);
  EXPECT_FALSE(s.started());
  EXPECT_FALSE(s.exec_failed);
  EXPECT_EQ(s.err, EBADF);
  EXPECT_TRUE(processes_with(token).empty());
}

TEST(Spawn, StartsWithDefaultSignalsWhateverWeIgnoreOrBlock) {
  struct sigaction ign {}, old {};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGTERM, &ign, &old);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &block, &old_mask);
  Launch r({testprog("hang")});
  SpawnResult s = spawn(r.plan);
  sigaction(SIGTERM, &old, nullptr);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ASSERT_TRUE(s.started());
  ASSERT_EQ(kill(s.pid, SIGTERM), 0);
  int st = wait_status(s.pid);
  EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) << st;
}

TEST(Spawn, DiesWithTheProcessThatStartedIt) {
  std::string token = unique_token("spawn-pdeath");
  pid_t parent = fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    // Dies without tearing it down, as a SIGKILLed harness would.
    Launch r({testprog("hang"), token});
    _exit(spawn(r.plan).started() ? 0 : 1);
  }
  int st = wait_status(parent);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  EXPECT_TRUE(survivors(token).empty()) << "it outlived the process that started it";
}

TEST(Spawn, JoinsItsCgroupBeforeItRuns) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to make cgroups";
  std::string why;
  auto place = own_cgroup2(why);
  if (!place) GTEST_SKIP() << "no writable cgroup2 here: " << why;
  Cgroup cg = Cgroup::create(*place, "harness-spawntest-" + std::to_string(getpid()));
  char tmpl[] = "/tmp/harness-spawn-test-XXXXXX";
  ScopedFd out(mkstemp(tmpl));
  ASSERT_TRUE(out.is_open());
  unlink(tmpl);
  Launch r({"/bin/cat", "/proc/self/cgroup"}, out.get());
  r.plan.cgroup_join_fd = cg.join_fd();
  SpawnResult s = spawn(r.plan);
  ASSERT_TRUE(s.started()) << s.err;
  wait_status(s.pid);
  EXPECT_NE(read_fd_capped(out.get(), 4096).find("0::" + cg.place().proc_path + "\n"), std::string::npos)
      << read_fd_capped(out.get(), 4096);
  EXPECT_EQ(process_cgroup(getpid()), place->proc_path) << "we stay where we were";
}

}  // namespace
}  // namespace harness
