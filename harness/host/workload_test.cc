// Classification of real execs: tiny programs that die in known ways,
// run through the same exec loop the runner uses.
#include "host/workload.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/resource.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::testprog;


// Test time for a RunClock: it moves by `step` at every read, and whenever
// the test advances it; never by itself.
class FakeTime {
 public:
  explicit FakeTime(std::chrono::milliseconds step = {}) : step_(step) {}
  RunClock::Source source() {
    return [this] { return MonoClock::time_point(std::chrono::milliseconds(ms_.fetch_add(step_.count()))); };
  }
  void advance(std::chrono::milliseconds by) { ms_ += by.count(); }

 private:
  std::chrono::milliseconds step_;
  std::atomic<long> ms_{1000};
};

ExecEvent run_one(std::vector<std::string> argv, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  RunClock clock;
  Workload w(std::move(argv), timeout, clock);
  ExecEvent e;
  EXPECT_TRUE(w.exec_once(0, 0, ExecPhase::fault, e));
  return e;
}

TEST(Workload, Ok) {
  auto e = run_one({testprog("exit_n"), "0"});
  EXPECT_EQ(e.outcome.cls, ExecClass::ok);
  EXPECT_EQ(e.outcome.exit_code, 0);
  EXPECT_GT(e.pid, 0);
}

TEST(Workload, ExitNonzeroKeepsItsCode) {
  // 11 is the code Boost.Process confuses with SIGSEGV.
  auto e = run_one({testprog("exit_n"), "11"});
  EXPECT_EQ(e.outcome.cls, ExecClass::exit_nonzero);
  EXPECT_EQ(e.outcome.exit_code, 11);
  EXPECT_EQ(e.outcome.signal, 0);
}

TEST(Workload, Sigsegv) {
  auto e = run_one({testprog("segv")});
  EXPECT_EQ(e.outcome.cls, ExecClass::sigsegv);
  EXPECT_EQ(e.outcome.signal, SIGSEGV);
}

TEST(Workload, Sigbus) {
  auto e = run_one({testprog("bus")});
  EXPECT_EQ(e.outcome.cls, ExecClass::sigbus);
  EXPECT_EQ(e.outcome.signal, SIGBUS);
}

TEST(Workload, Sigill) {
  auto e = run_one({testprog("ill")});
  EXPECT_EQ(e.outcome.cls, ExecClass::sigill);
  EXPECT_EQ(e.outcome.signal, SIGILL);
}

TEST(Workload, OtherSignalKeepsItsNumber) {
  auto e = run_one({testprog("abort_self")});
  EXPECT_EQ(e.outcome.cls, ExecClass::other_signal);
  EXPECT_EQ(e.outcome.signal, SIGABRT);
}

TEST(Workload, NotExecutableIsExecFailedWithErrno) {
  auto e = run_one({testprog("not_executable")});
  EXPECT_EQ(e.outcome.cls, ExecClass::exec_failed);
  EXPECT_EQ(e.outcome.err, EACCES);
}

TEST(Workload, GarbageIsEnoexec) {
  auto e = run_one({testprog("garbage_exec")});
  EXPECT_EQ(e.outcome.cls, ExecClass::exec_failed);
  EXPECT_EQ(e.outcome.err, ENOEXEC);
}

TEST(Workload, MissingProgramIsEnoent) {
  auto e = run_one({testprog("does_not_exist")});
  EXPECT_EQ(e.outcome.cls, ExecClass::exec_failed);
  EXPECT_EQ(e.outcome.err, ENOENT);
}

// Killed when the clock says the timeout has passed, and no later: with a
// clock that moves 50 ms per read, the exec lasts 200 ms on that clock plus
// at most the two reads around the kill.
TEST(Workload, HangIsKilledAtTheTimeout) {
  FakeTime time(std::chrono::milliseconds(50));
  RunClock clock(time.source());
  Workload w({testprog("hang")}, std::chrono::milliseconds(200), clock);
  ExecEvent e;
  ASSERT_TRUE(w.exec_once(0, 0, ExecPhase::fault, e));
  EXPECT_EQ(e.outcome.cls, ExecClass::hung);
  EXPECT_EQ(e.outcome.signal, SIGKILL);
  EXPECT_GE(e.dur_ms, 200.0);
  EXPECT_LE(e.dur_ms, 300.0);
  // Reaped: the pid is gone.
  EXPECT_EQ(kill(e.pid, 0), -1);
}

TEST(Workload, AHungExecTakesItsWholeProcessGroupWithIt) {
  std::string token = testing::unique_token("workload");
  auto e = run_one({"/bin/sh", "-c", testprog("hang") + " " + token + " & exec " + testprog("hang")},
                   std::chrono::milliseconds(200));
  EXPECT_EQ(e.outcome.cls, ExecClass::hung);
  EXPECT_TRUE(testing::survivors(token).empty()) << "a hung exec's background child survived it";
}

TEST(Workload, KeepsItsTimeoutWhenNoPidfdCanBeOpened) {
  // With no descriptor left to give, pidfd_open fails (EMFILE); the exec
  // still must not outlast its timeout. The fillers are close-on-exec, so
  // the exec itself (and its dynamic loader) has descriptors to spare.
  int lowest_free = dup(0);
  ASSERT_GE(lowest_free, 0);
  close(lowest_free);
  rlimit old{};
  getrlimit(RLIMIT_NOFILE, &old);
  rlimit tight = old;
  tight.rlim_cur = static_cast<rlim_t>(lowest_free + 64);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
  RunClock clock;
  Workload w({testprog("sleep_ms"), "4000"}, std::chrono::milliseconds(200), clock);
  std::vector<int> fillers;
  for (int fd; (fd = fcntl(0, F_DUPFD_CLOEXEC, 0)) >= 0;) fillers.push_back(fd);
  ExecEvent e;
  bool done = w.exec_once(0, 0, ExecPhase::fault, e);
  for (int fd : fillers) close(fd);
  setrlimit(RLIMIT_NOFILE, &old);
  EXPECT_TRUE(done);
  EXPECT_EQ(e.outcome.cls, ExecClass::hung);
  EXPECT_LT(e.dur_ms, 2000.0);
}

TEST(Workload, AFailedWaitIsAHarnessErrorNeverOk) {
  // SIGCHLD ignored (inherited that way, say): the kernel reaps the exec
  // itself, waitpid() fails with ECHILD and there is no status to classify.
  struct sigaction ign {}, old {};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGCHLD, &ign, &old);
  RunClock clock;
  Workload w({testprog("segv")}, std::chrono::seconds(5), clock);
  ExecEvent e;
  EXPECT_THROW(w.exec_once(0, 0, ExecPhase::fault, e), RuntimeError);
  sigaction(SIGCHLD, &old, nullptr);
}

TEST(Workload, LoopHonoursIterationsAcrossWorkers) {
  RunClock clock;
  Workload w({testprog("exit_n"), "0"}, std::chrono::seconds(5), clock);
  std::atomic<bool> stop{false};
  WorkloadProgress progress;
  WorkloadLimits limits;
  limits.iterations = 57;
  unsigned streamed = 0;
  std::mutex m;
  auto events = w.run(4, ExecPhase::fault, limits, stop, progress, [&](const ExecEvent&) {
    std::lock_guard<std::mutex> l(m);
    ++streamed;
  });
  EXPECT_EQ(events.size(), 57u);
  EXPECT_EQ(streamed, 57u);
  EXPECT_EQ(progress.execs.load(), 57u);
  std::set<unsigned long> seqs;
  for (size_t i = 0; i < events.size(); ++i) {
    seqs.insert(events[i].seq);
    if (i) {
      EXPECT_LE(events[i - 1].t_ms, events[i].t_ms);
    }
  }
  EXPECT_EQ(seqs.size(), 57u);
  EXPECT_EQ(*seqs.rbegin(), 56u);
}

// Each exec moves the clock 60 ms on: execs start at 0, 60, ..., 240 ms,
// and at 300 ms the deadline stops the loop.
TEST(Workload, LoopHonoursTheDeadline) {
  FakeTime time;
  RunClock clock(time.source());
  Workload w({testprog("exit_n"), "0"}, std::chrono::seconds(5), clock);
  std::atomic<bool> stop{false};
  WorkloadProgress progress;
  WorkloadLimits limits;
  limits.deadline = clock.start() + std::chrono::milliseconds(300);
  auto events = w.run(1, ExecPhase::fault, limits, stop, progress,
                      [&](const ExecEvent&) { time.advance(std::chrono::milliseconds(60)); });
  ASSERT_EQ(events.size(), 5u);
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].t_ms, 60.0 * static_cast<double>(i));
}

}  // namespace
}  // namespace harness
