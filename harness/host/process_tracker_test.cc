#include "host/process_tracker.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "base/child.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// A child of this test that forks a grandchild running `cat -`, with the
// grandchild's stdin and stdout on pipes: once a byte written to it comes
// back, the grandchild has executed cat (no sleeping, no polling).
class Family {
 public:
  Family() {
    cat_ = find_program("cat").value_or("/bin/cat");
    int to[2], from[2], pid_pipe[2];
    if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC) || pipe2(pid_pipe, O_CLOEXEC)) throw std::runtime_error("pipe");
    child_ = fork();
    if (child_ < 0) throw std::runtime_error("fork");
    if (child_ == 0) {
      pid_t g = fork();
      if (g == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        const char* argv[] = {"cat", "-", nullptr};
        execv(cat_.c_str(), const_cast<char* const*>(argv));
        _exit(127);
      }
      if (write(pid_pipe[1], &g, sizeof g) != static_cast<ssize_t>(sizeof g)) _exit(126);
      close(to[0]);
      close(to[1]);
      close(from[0]);
      close(from[1]);
      int st = 0;
      waitpid(g, &st, 0);
      _exit(0);
    }
    close(to[0]);
    close(from[1]);
    close(pid_pipe[1]);
    stdin_ = to[1];
    stdout_ = from[0];
    bool got_pid = read(pid_pipe[0], &grandchild_, sizeof grandchild_) == static_cast<ssize_t>(sizeof grandchild_);
    close(pid_pipe[0]);
    char c = 'x', back = 0;
    if (!got_pid || write(stdin_, &c, 1) != 1 || read(stdout_, &back, 1) != 1 || back != 'x') {
      end();  // nothing left running, holding a pipe of whoever runs the test
      throw std::runtime_error(got_pid ? "cat did not echo" : "no grandchild pid");
    }
  }
  // Closing cat's stdin ends it; the child then exits; both are reaped.
  void end() {
    if (stdin_ < 0) return;
    close(stdin_);
    close(stdout_);
    stdin_ = stdout_ = -1;
    int st = 0;
    waitpid(child_, &st, 0);
  }
  ~Family() { end(); }
  pid_t child() const { return child_; }
  pid_t grandchild() const { return grandchild_; }
  const fs::path& cat() const { return cat_; }

 private:
  fs::path cat_;
  pid_t child_ = -1, grandchild_ = -1;
  int stdin_ = -1, stdout_ = -1;
};

TEST(ProcessTracker, SaysWhichMethodItUses) {
  ProcessTracker t(getpid());
  std::string m = t.method();
  if (t.fd() >= 0)
    EXPECT_NE(m.find("proc connector"), std::string::npos) << m;
  else
    EXPECT_NE(m.find("/proc while the process is alive (no proc connector: "), std::string::npos) << m;
}

TEST(ProcessTracker, NamesALiveDescendantAndItsAncestryUpToTheRoot) {
  ProcessTracker t(getpid());
  Family f;
  t.read_events();
  ProcessInfo g = t.info(f.grandchild());
  EXPECT_EQ(g.pid, f.grandchild());
  EXPECT_EQ(g.ppid, f.child());
  EXPECT_EQ(fs::path(g.exe), fs::canonical(f.cat()));
  EXPECT_EQ(g.argv, (std::vector<std::string>{"cat", "-"}));
  std::vector<ProcessInfo> up = t.ancestors(f.grandchild());
  ASSERT_EQ(up.size(), 1u) << "the child only: the root itself is not its own ancestor";
  EXPECT_EQ(up[0].pid, f.child());
  EXPECT_EQ(up[0].ppid, getpid());
  EXPECT_EQ(t.ancestors(f.child()).size(), 0u);
  if (t.fd() >= 0 && t.lost().empty()) {
    EXPECT_TRUE(t.executed(f.grandchild()));
    EXPECT_FALSE(t.executed(f.child())) << "the child only forked";
  } else {
    EXPECT_FALSE(t.executed(f.grandchild())) << "without events nothing is known to have executed";
  }
}

TEST(ProcessTracker, AnExitedWriterIsStillNamedOnlyWithProcessEvents) {
  ProcessTracker t(getpid());
  pid_t grandchild = 0, child = 0;
  std::string cat;
  {
    Family f;
    grandchild = f.grandchild();
    child = f.child();
    cat = fs::canonical(f.cat()).string();
    t.read_events();
  }  // both exited and reaped
  t.read_events();
  ProcessInfo g = t.info(grandchild);
  EXPECT_EQ(g.pid, grandchild);
  if (t.fd() >= 0 && t.lost().empty()) {
    EXPECT_EQ(g.exe, cat);
    EXPECT_EQ(g.ppid, child);
    std::vector<ProcessInfo> up = t.ancestors(grandchild);
    ASSERT_EQ(up.size(), 1u);
    EXPECT_EQ(up[0].pid, child);
  } else {
    // From /proc only: a process that is gone cannot be named (unless its
    // pid was reused in between, which a test cannot rule out).
    SUCCEED() << "no proc connector: " << t.method();
  }
}

TEST(ProcessTracker, AnUnknownPidHasOnlyItsPid) {
  ProcessTracker t(getpid());
  // A pid that is not (and cannot be) in use.
  pid_t none = 0x3fffffff;
  ProcessInfo p = t.info(none);
  EXPECT_EQ(p.pid, none);
  EXPECT_EQ(p.ppid, 0);
  EXPECT_EQ(p.exe, "");
  EXPECT_TRUE(p.argv.empty());
  EXPECT_TRUE(t.ancestors(none).empty());
  EXPECT_FALSE(t.executed(none));
}

}  // namespace
}  // namespace harness
