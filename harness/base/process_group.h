// Process groups and their teardown. Every program the harness starts (a
// `run` action, a helper such as mkfs, each workload exec) leads its own
// process group, so that one kill(-pgid) reaches whatever it forked, and
// so that a process can be told apart by its group (writes are attributed
// to the action whose group the writer is in). Teardown kills the whole
// group and reaps every member that is, or became, our child.
//
// A descendant that leaves its group (setsid, a daemon) is adopted by the
// nearest child subreaper when its parent dies; SubreaperScope makes the
// harness that subreaper and kills and reaps whatever it adopted.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>

#include "base/clock.h"

namespace harness {

enum class WaitEnd { exited, deadline, stopped };

// Waits until our child `pid` has exited, without reaping it, or until the
// deadline, or until should_stop() (checked at least every 100 ms) says so.
// Through a pidfd when one can be opened; otherwise (no descriptor left,
// say) by polling, so the deadline holds either way. The deadline is on
// `clock` (a run's clock, which tests can drive).
WaitEnd wait_for_exit(pid_t pid, MonoClock::time_point deadline, const std::function<bool()>& should_stop,
                      const RunClock& clock = RunClock::real());

// Reaps our child `pid` and returns its raw wait status. A failed waitpid
// (ECHILD when SIGCHLD is ignored and the kernel reaped it) has no status
// to report: it throws RuntimeError, never reports success.
int reap(pid_t pid);

// SIGKILLs every process still in group `pgid` and reaps those that are
// our children (orphans adopted by a subreaper among them), until the
// group is empty or `grace` has passed. Reap the group's leader first: its
// status is its owner's to read.
void kill_process_group(pid_t pgid, std::chrono::milliseconds grace = std::chrono::seconds(2));

// SIGKILLs process `pid` only if it is still the process that started at
// `start_time` (see process_stat), never one that reused its pid: through
// a pidfd, so the check and the kill concern the same process. Returns
// whether it signalled.
bool kill_if_same_process(pid_t pid, unsigned long long start_time);

// SIGCHLD back to its default. Ignored (inherited so from whoever started
// us), the kernel would reap our children itself and no exit status could
// ever be read.
void reset_sigchld();

// While alive, this process is a child subreaper (PR_SET_CHILD_SUBREAPER):
// orphaned descendants are re-parented to it instead of to init. The
// destructor kills and reaps every child left, and in turn whatever they
// leave, so nothing a run started outlives it. Create it while no child of
// ours is meant to outlive the scope.
class SubreaperScope {
 public:
  SubreaperScope();
  ~SubreaperScope();
  SubreaperScope(const SubreaperScope&) = delete;
  SubreaperScope& operator=(const SubreaperScope&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace harness
