// RunCgroups: the cgroup tree of one run. Every process the run starts
// lives in it -- the workload's execs in one cgroup, each `run` action's
// command (one per instance) in a leaf of its own -- so that a background
// job, a setsid'd child or a daemon is still known to be the action's,
// however it left the action's process group, session or tree:
//
//   <our cgroup>/harness-PID-N/        recorded in the run's marker for gc
//                              workload
//                              run-1, run-2, ...
//
// A leaf whose command ended is removed once empty; one that still holds
// background work stays, watched, until the faults end, when
// kill_background() kills what is left and says what it was. The
// destructor kills everything still in the tree and removes it, so nothing
// the run started outlives it; should the harness itself be SIGKILLed,
// `harness gc` does the same from the marker.
#pragma once

#include <deque>
#include <mutex>
#include <vector>

#include "base/cgroup.h"
#include "base/clock.h"
#include "base/run_dir.h"
#include "core/survivor.h"

namespace harness {

class RunCgroups {
 public:
  // Makes the tree under `parent` (our own cgroup; need_cgroup2()) and
  // records it in the run's marker. Throws EnvironmentError.
  RunCgroups(const CgroupPlace& parent, RunDir& dir);
  RunCgroups(const RunCgroups&) = delete;
  RunCgroups& operator=(const RunCgroups&) = delete;

  const Cgroup& run() const { return run_; }
  const Cgroup& workload() const { return workload_; }
  // A fresh leaf for one command; valid until this object goes.
  // Thread-safe.
  const Cgroup& new_leaf();
  // The leaf's command has ended: the leaf goes now if nothing is left in
  // it (otherwise kill_background() finds what is). Thread-safe.
  void command_ended(const Cgroup& leaf);
  // Kills whatever is still running in the leaves and in the workload's
  // cgroup, and returns it: pid, program, argv, cgroup, when it was
  // killed (on `clock`). Where it came from is the caller's to fill in.
  std::vector<Survivor> kill_background(const RunClock& clock);

 private:
  Cgroup run_;
  Cgroup workload_;
  std::mutex mu_;
  std::deque<Cgroup> leaves_;  // a deque: new_leaf()'s references stay valid
  unsigned next_leaf_ = 0;
};

}  // namespace harness
