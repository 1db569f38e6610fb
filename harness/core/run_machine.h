// RunMachine: the machine side of a run, as the conductor (core/conductor.h)
// drives it. The host supplies the real one (host/host_machine.h: loop
// mounts, fanotify, cgroups, real execs); unit tests supply a fake that
// records the calls. Each call does one step; the order of the steps, when
// each fault acts, when the run stops and what goes into the record when
// are the conductor's.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/run_record.h"
#include "core/scenario.h"
#include "core/workload_progress.h"

namespace harness {

enum class ActionPhase { setup, fault, finally };

// Where an action runs, and what it may see of the run.
struct ActionScope {
  ActionPhase phase = ActionPhase::setup;
  std::string fault;  // "setup", "finally" or the fault's name
  // Faults: called as each action starts; from the first call on, the
  // workload's execs are under fault.
  std::function<void()> on_start;
  // The run was stopped (decided, or timed out): a running command is killed.
  const std::atomic<bool>* stop = nullptr;
};

// One batch of workload execs.
struct ExecBatch {
  ExecPhase phase = ExecPhase::fault;
  unsigned concurrency = 1;
  std::optional<unsigned long> iterations;
  std::optional<std::chrono::milliseconds> duration;  // from the batch's start
  // When set, only execs that start after it became true count toward
  // `iterations` (the execs under fault).
  const std::atomic<bool>* count_from = nullptr;
};

class RunMachine {
 public:
  virtual ~RunMachine() = default;

  // Setup. Before anything runs: follow every process of the run.
  virtual void start_watching() = 0;
  // The scenario's images, copies and scratch filesystems; `made` for each.
  virtual void make_images(const std::function<void(ImageRecord)>& made) = 0;
  virtual std::vector<FaultEvent> perform(const Action& a, const ActionScope& scope) = 0;
  // The setup's install made durable on the power-cut disks (their events).
  virtual std::vector<FaultEvent> make_setups_durable() = 0;
  // Before the first mount: what setup left where the images are mounted from.
  virtual void check_images() = 0;
  // Watched before it is mounted, so no write while mounted slips past.
  virtual MountRecord mount(const MountSpec& m) = 0;
  // The workload's program, when it lives on a mounted image: its reads
  // are sampled from now on.
  virtual void sample_workload() = 0;
  virtual void snapshot(const std::string& moment) = 0;
  // From now until the faults end: the destination folders, the scratch
  // filesystems' space, and which versions the faults offer.
  virtual std::vector<Offer> watch_destinations() = 0;

  // Runs execs until the batch's limits, or until `stop`. Each completed
  // exec goes to `on_exec` (from the exec's thread) as it ends; all of them
  // come back in start order.
  virtual std::vector<ExecEvent> run_execs(const ExecBatch& batch, const std::atomic<bool>& stop,
                                           WorkloadProgress& progress,
                                           const std::function<void(const ExecEvent&)>& on_exec) = 0;
  // Why warm-up execs that ended 126/127 did (empty: they did not).
  virtual std::string diagnose_missing(const std::vector<ExecEvent>& warmup) = 0;
  // Watched images a writer has touched while mounted, so far.
  virtual std::set<std::string> images_written() = 0;

  // Teardown. Kills what the run left running; the workload's own survivors
  // come back with fault "workload", the others with their cgroup.
  virtual std::vector<Survivor> kill_background() = 0;
  // Ends the destination watch: what it saw (nothing when none was started).
  virtual void finish_destinations(DestinationActivity& activity, std::vector<ScratchSpace>& space) = 0;
  // Lets go of the files inside the mounts it sampled.
  virtual void stop_sampling_mounted_files() = 0;
  virtual bool has_failed_disks() = 0;
  // The files `installed` expectations judge, as they are now.
  virtual std::vector<nlohmann::json> read_files(const std::string& moment) = 0;
  virtual void unmount_images() = 0;
  // Writes from here on are not writes while mounted.
  virtual void unwatch_images() = 0;
  // Ends the evidence recorder and moves what it gathered into `rec` (safe twice).
  virtual void finish_evidence(RunRecord& rec) = 0;
  virtual std::vector<FaultEvent> recover_failed_disks() = 0;
  virtual void unmount_scratch() = 0;
};

}  // namespace harness
