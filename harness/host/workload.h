// Workload: the program that the incident kills, executed over and over.
// Each exec is started by spawn() (base/spawn.h: a vfork, as cheap as
// posix_spawn on this hot path; see bench/), in the run's workload cgroup,
// dying with the harness, leading its own process group; it is waited for
// with a per-exec timeout (process_group.h), and is classified from its
// raw wait status. A failed wait is the harness's error (RuntimeError),
// never an exec outcome.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/run_dir.h"
#include "base/scoped_fd.h"
#include "core/event.h"
#include "core/missing_command.h"
#include "core/workload_progress.h"

namespace harness {

class Cgroup;

struct WorkloadLimits {
  std::optional<unsigned long> iterations;
  std::optional<MonoClock::time_point> deadline;  // on the RunClock's time
  // When set, only execs that start after it became true count toward
  // `iterations` (the execs under fault); earlier ones run extra.
  const std::atomic<bool>* count_from = nullptr;
};

class Workload {
 public:
  // `cgroup`: where every exec starts (the run's; none in unit tests).
  Workload(std::vector<std::string> argv, std::chrono::milliseconds exec_timeout,
           const RunClock& clock, const Cgroup* cgroup = nullptr);

  // One exec. Returns false (and no event) if the run was interrupted or
  // `stop` became true while the child ran; the child is killed then.
  // Whatever it forked is killed with it. Throws RuntimeError if its exit
  // status cannot be had.
  bool exec_once(unsigned worker, unsigned long seq, ExecPhase phase, ExecEvent& out,
                 const std::atomic<bool>* stop = nullptr) const;

  // Every time (start, duration, the per-exec timeout, the deadline) is
  // read from `clock`.
  // Runs execs on `concurrency` threads until the limits are reached, `stop`
  // becomes true, or the run is interrupted. Events come back in start order.
  // The first worker's error stops every worker and is rethrown.
  std::vector<ExecEvent> run(unsigned concurrency, ExecPhase phase, const WorkloadLimits& limits,
                             const std::atomic<bool>& stop, WorkloadProgress& progress,
                             const std::function<void(const ExecEvent&)>& on_exec = {}) const;

  const std::vector<std::string>& argv() const { return argv_; }
  std::chrono::milliseconds exec_timeout() const { return exec_timeout_; }
  // The cgroup its execs start in (none in unit tests).
  const Cgroup* cgroup() const { return cgroup_; }

 private:
  std::vector<std::string> argv_;
  std::vector<char*> argv_ptrs_;
  std::chrono::milliseconds exec_timeout_;
  const RunClock& clock_;
  const Cgroup* cgroup_;
  ScopedFd dev_null_;  // every exec's stdio
};

// When a warm-up exec ended 126 or 127 (its script called a program that
// is not there, or its interpreter is missing): the workload runs once
// more, with its stderr kept in work/logs/workload-missing.err (the
// workload's own execs keep none), and what it lacked, confirmed on this
// machine, is said (core/missing_command.h). "" when no exec ended so, or
// nothing was confirmed missing.
std::string diagnose_workload(const Workload& w, const std::vector<ExecEvent>& warmup, const RunDir& dir,
                              MissingWhere where);

}  // namespace harness
