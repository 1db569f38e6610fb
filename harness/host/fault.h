// Fault actions: the things that happen to an image while the workload
// runs. perform() does one action and reports how it ended; a failure of
// the action itself (EPERM from an immutable image, an installer's exit 5)
// is an outcome to record, not an error. Every write goes through the
// RunDir, so no action can touch a file outside the run directory.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "base/clock.h"
#include "base/run_dir.h"
#include "core/event.h"
#include "core/missing_command.h"
#include "core/scenario.h"
#include "host/run_cgroups.h"
#include "host/destination_watch.h"
#include "host/running_actions.h"

namespace harness {

// What an io_error action strikes: the disks of the scratch filesystems
// made with io_errors (ScratchFilesystems). A seam, so that the action's
// timing can be tested without device-mapper.
class DiskFaults {
 public:
  virtual ~DiskFaults() = default;
  // Every I/O to the disk of the scratch filesystem at `scratch` fails
  // from now on. Returns what was done ("/dev/dm-0 (harness-12-1): ...");
  // throws Error when it could not be.
  virtual std::string fail_disk(const std::string& scratch) = 0;
};

struct FaultContext {
  const RunDir& run;
  const RunClock& clock;
  // Called as each action starts (after its start time was taken): from
  // the first call on, the workload's execs are under fault.
  std::function<void()> on_start;
  // The run was stopped (decided, or timed out): a `run` action's command
  // is killed, its outcome "stopped".
  const std::atomic<bool>* stop = nullptr;
  // The fault these actions belong to, and the commands every fault has
  // running: a `run` registers its commands there, a `kill` finds them.
  std::string fault;
  RunningActions* running = nullptr;
  // The scratch disks an io_error can fail (none outside the faults).
  DiskFaults* disks = nullptr;
  // Where the commands run: a `run` that ends 126/127 is checked for what
  // it lacked there, and the message says how to bring it in.
  MissingWhere where = MissingWhere::host;
  // Where each `run` command starts: a leaf of its own in the run's
  // cgroups (none in unit tests).
  RunCgroups* cgroups = nullptr;
  // setup and finally: a `run` action is done when everything it started
  // is (its whole cgroup empty), within its timeout. A fault's `run`
  // returns with its command; its background work runs on until the
  // faults end (RunCgroups::kill_background).
  bool wait_for_background = false;
  // What happens in the destination folders: a strike at_dest_op waits
  // for the target's N-th operation there (none outside the faults).
  DestinationWatch* destinations = nullptr;
};

// Does one action: one event, or one per command of a `run` with several
// instances. The caller fills fault/fire; perform fills the rest.
std::vector<FaultEvent> perform(const Action& action, FaultContext& ctx);

// Checks, before anything is created, that every drop_caches action could
// write /proc/sys/vm/drop_caches; throws EnvironmentError otherwise.
void check_drop_caches_writable();

}  // namespace harness
