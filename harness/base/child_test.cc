// Child with real programs: the process group it leads, what a timeout
// kills, that it dies with its parent, and that a failed wait is an error.
#include "base/child.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fmt/format.h>

#include "base/error.h"
#include "base/scoped_fd.h"
#include "base/transient_uid.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::testprog;

using testing::survivors;
using testing::unique_token;


TEST(Child, LeadsItsOwnProcessGroup) {
  ChildOptions o;
  o.timeout = std::chrono::seconds(10);
  Child c({testprog("sleep_ms"), "200"}, o);
  EXPECT_EQ(getpgid(c.pid()), c.pid());
  EXPECT_TRUE(c.wait().succeeded());
}

TEST(Child, ATimeoutKillsEveryProcessOfItsGroup) {
  std::string token = unique_token();
  ChildOptions o;
  o.timeout = std::chrono::milliseconds(300);
  // The shell leaves a background child behind and then hangs itself.
  ChildResult r = run_child({"/bin/sh", "-c", testprog("hang") + " " + token + " & " + testprog("hang")}, o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_TRUE(survivors(token).empty()) << "a background child outlived its timed-out parent";
}

TEST(Child, DiesWithTheThreadThatStartedIt) {
  std::string token = unique_token();
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  pid_t parent = fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    // A parent that dies without tearing its child down (as a SIGKILLed
    // harness would).
    close(p[0]);
    ChildOptions o;
    Child c({testprog("hang"), token}, o);
    pid_t pid = c.pid();
    if (write(p[1], &pid, sizeof pid) != sizeof pid) _exit(2);
    _exit(0);
  }
  close(p[1]);
  pid_t child = 0;
  ASSERT_EQ(read(p[0], &child, sizeof child), static_cast<ssize_t>(sizeof child));
  close(p[0]);
  int st = 0;
  waitpid(parent, &st, 0);
  EXPECT_TRUE(survivors(token).empty()) << "pid " << child << " outlived the process that started it";
}

TEST(Child, AFailedWaitIsAnErrorNeverASuccess) {
  // With SIGCHLD ignored the kernel reaps children itself and waitpid()
  // fails with ECHILD: there is no exit status to report.
  struct sigaction ign {}, old {};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGCHLD, &ign, &old);
  ChildOptions o;
  o.timeout = std::chrono::seconds(10);
  EXPECT_THROW(run_child({testprog("exit_n"), "0"}, o), RuntimeError);
  sigaction(SIGCHLD, &old, nullptr);
}

TEST(Child, WritesItsOutputToTheGivenDescriptors) {
  char tmpl[] = "/tmp/harness-child-test-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ChildOptions o;
  o.stdout_fd = fd;
  o.stderr_fd = fd;
  ASSERT_TRUE(run_child({"/bin/sh", "-c", "echo out; echo err >&2"}, o).succeeded());
  EXPECT_EQ(read_fd_capped(fd, 100), "out\nerr\n");
  close(fd);
  unlink(tmpl);
}

// A confined child (what parses a guest's bytes) is a uid of its own with
// no groups and no new privileges, in /, with nothing of our environment,
// and cannot write past its file-size cap.
TEST(Child, AConfinedChildIsItsOwnUnprivilegedUserWithItsLimits) {
  if (geteuid() != 0) GTEST_SKIP() << "changing uid needs root";
  ScopedFd out(::memfd_create("confined", MFD_CLOEXEC));
  ASSERT_TRUE(out.is_open());
  ::setenv("HARNESS_SECRET_FOR_TEST", "leaked", 1);
  ::chdir("/tmp");
  const uid_t uid = transient_uid();
  ChildOptions o;
  o.stdout_fd = out.get();
  o.confine = SpawnConfinement{uid, 1 << 20, 1ull << 30, 7, true};
  ChildResult r = run_child({"/bin/sh", "-c",
                             "id -u; id -g; id -G; echo \"[$HARNESS_SECRET_FOR_TEST]\"; pwd; "
                             "grep NoNewPrivs /proc/self/status; awk '/^Max processes/ {print $3}' /proc/self/limits; "
                             "grep -c : /proc/net/dev; "
                             "exec head -c 2000000 /dev/zero"},
                            o);
  ::unsetenv("HARNESS_SECRET_FOR_TEST");
  EXPECT_TRUE(WIFSIGNALED(r.wait_status) && WTERMSIG(r.wait_status) == SIGXFSZ) << r.describe();
  const std::string text = read_fd_capped(out.get(), 4096);
  // ... no more than 7 processes of its uid, and no network but its own
  // loopback (one interface in /proc/net/dev).
  const std::string want = fmt::format("{0}\n{0}\n{0}\n[]\n/\nNoNewPrivs:\t1\n7\n1\n", uid);
  EXPECT_EQ(text.substr(0, want.size()), want);
  EXPECT_LE(::lseek(out.get(), 0, SEEK_END), 1 << 20) << "wrote past RLIMIT_FSIZE";
  o.confine->uid = 0;
  EXPECT_THROW(run_child({"/bin/true"}, o), RuntimeError) << "uid 0 is no confinement";
}

}  // namespace
}  // namespace harness
