#include "base/process_group.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>
#include <thread>
#include <vector>

#include "base/procfs.h"
#include "base/error.h"
#include "base/scoped_fd.h"
#include "base/system_info.h"

namespace harness {

using std::chrono::milliseconds;

namespace {

// glibc 2.36's <sys/pidfd.h> lacks extern "C"; call the system call.
int open_pidfd(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

bool exited_without_reaping(pid_t pid) {
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return errno != EINTR;  // nothing to wait for: reap() says why
  return info.si_pid != 0;
}

// Our children, as /proc says (zombies included), with their groups.
std::vector<ProcessStat> our_children() {
  std::vector<ProcessStat> out;
  const pid_t self = getpid();
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end) continue;
    auto st = process_stat(static_cast<pid_t>(pid));
    if (st && st->ppid == self) out.push_back(*st);
  }
  closedir(d);
  return out;
}

}  // namespace

WaitEnd wait_for_exit(pid_t pid, MonoClock::time_point deadline, const std::function<bool()>& should_stop,
                      const RunClock& clock) {
  ScopedFd pidfd(open_pidfd(pid));
  auto pause = milliseconds(1);
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - clock.now());
    if (left.count() <= 0) return WaitEnd::deadline;
    if (should_stop && should_stop()) return WaitEnd::stopped;
    int slice = static_cast<int>(std::min<long>(left.count(), 100)) + 1;
    if (pidfd.is_open()) {
      pollfd p{pidfd.get(), POLLIN, 0};
      if (poll(&p, 1, slice) > 0) return WaitEnd::exited;
    } else {
      if (exited_without_reaping(pid)) return WaitEnd::exited;
      std::this_thread::sleep_for(std::min(pause, milliseconds(slice)));
      pause = std::min(pause * 2, milliseconds(20));
    }
  }
}

int reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno == EINTR) continue;
    int err = errno;
    throw RuntimeError(errno_message(fmt::format("waitpid({})", pid), err) +
                       (err == ECHILD ? "; its exit status is lost (is SIGCHLD ignored?)" : ""));
  }
  return status;
}

void kill_process_group(pid_t pgid, milliseconds grace) {
  if (pgid <= 1) return;  // never kill(-1) or kill(0)
  auto end = MonoClock::now() + grace;
  auto pause = milliseconds(1);
  // A zombie still counts as a member, so kill() succeeds until every
  // member is dead and reaped (by us, or by whoever adopted it).
  while (kill(-pgid, SIGKILL) == 0) {
    for (const auto& c : our_children())
      if (c.pgid == pgid) waitpid(c.pid, nullptr, WNOHANG);
    if (MonoClock::now() >= end) return;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, milliseconds(20));
  }
}

bool kill_if_same_process(pid_t pid, unsigned long long start_time) {
  if (pid <= 1) return false;
  ScopedFd pidfd(open_pidfd(pid));
  if (!pidfd.is_open()) return false;
  // The pidfd holds the process that had `pid` when it was opened; if the
  // pid still shows that start time, that process is this one.
  auto st = process_stat(pid);
  if (!st || st->start_time != start_time) return false;
  return syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0) == 0;
}

void reset_sigchld() {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(SIGCHLD, &dfl, nullptr);
}

SubreaperScope::SubreaperScope() {
  prctl(PR_GET_CHILD_SUBREAPER, &previous_);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
}

SubreaperScope::~SubreaperScope() {
  // Killing a child re-parents its own children to us: repeat until none
  // is left (bounded, in case one cannot die, stuck in the kernel).
  auto end = MonoClock::now() + std::chrono::seconds(5);
  auto pause = milliseconds(1);
  for (auto children = our_children(); !children.empty() && MonoClock::now() < end; children = our_children()) {
    for (const auto& c : children) kill(c.pid, SIGKILL);
    for (const auto& c : children) waitpid(c.pid, nullptr, WNOHANG);
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, milliseconds(20));
  }
  prctl(PR_SET_CHILD_SUBREAPER, previous_);
}

}  // namespace harness
