// HostMachine: the real machine side of a run on this host (core/run_machine.h):
// images built with mkfs, loop mounts checked against the file opened,
// fanotify evidence, the run's cgroups, real execs and actions. Its parts
// are torn down in reverse order by their destructors should the
// conductor not get that far.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <vector>

#include "base/run_dir.h"
#include "core/missing_command.h"
#include "core/run_machine.h"
#include "host/destination_watch.h"
#include "host/evidence.h"
#include "host/mount.h"
#include "host/run_cgroups.h"
#include "host/running_actions.h"
#include "host/scratch_filesystems.h"
#include "host/workload.h"

namespace harness {

class HostMachine final : public RunMachine {
 public:
  HostMachine(const Scenario& s, RunDir& dir, const RunClock& clock, std::optional<std::filesystem::path> prebuilt,
              std::map<size_t, std::filesystem::path> scratch_devices, MissingWhere where);

  void start_watching() override;
  void make_images(const std::function<void(ImageRecord)>& made) override;
  std::vector<FaultEvent> perform(const Action& a, const ActionScope& scope) override;
  std::vector<FaultEvent> make_setups_durable() override;
  void check_images() override;
  MountRecord mount(const MountSpec& m) override;
  void sample_workload() override;
  void snapshot(const std::string& moment) override { evidence_->snapshot(moment); }
  std::vector<Offer> watch_destinations() override;
  std::vector<ExecEvent> run_execs(const ExecBatch& batch, const std::atomic<bool>& stop, WorkloadProgress& progress,
                                   const std::function<void(const ExecEvent&)>& on_exec) override;
  std::string diagnose_missing(const std::vector<ExecEvent>& warmup) override;
  std::set<std::string> images_written() override { return evidence_->images_written(); }
  std::vector<Survivor> kill_background() override;
  void finish_destinations(DestinationActivity& activity, std::vector<ScratchSpace>& space) override;
  void stop_sampling_mounted_files() override { evidence_->stop_sampling_mounted_files(); }
  bool has_failed_disks() override { return scratch_.has_failed_disks(); }
  std::vector<nlohmann::json> read_files(const std::string& moment) override;
  void unmount_images() override;
  void unwatch_images() override { evidence_->unwatch_all(); }
  void finish_evidence(RunRecord& rec) override;
  std::vector<FaultEvent> recover_failed_disks() override { return scratch_.recover_failed_disks(dir_, clock_, nullptr); }
  void unmount_scratch() override { scratch_.unmount(); }

 private:
  std::vector<std::string> program_locations() const;
  ScopedFd open_image(const std::string& image);

  const Scenario& s_;
  RunDir& dir_;
  const RunClock& clock_;
  std::optional<std::filesystem::path> prebuilt_;
  std::map<size_t, std::filesystem::path> scratch_devices_;
  MissingWhere where_;
  RunningActions running_;
  // Scratch filesystems outlive the image mounts (an image may lie on one).
  ScratchFilesystems scratch_;
  std::vector<Mount> mounts_;
  // Declared after the mounts: whatever the run started is killed before
  // they are undone.
  std::optional<RunCgroups> cgroups_;
  std::optional<Workload> workload_;
  // Declared after mounts_: destroyed first, releasing its files in them.
  std::optional<EvidenceRecorder> evidence_;
  std::optional<DestinationWatch> destinations_;
};

}  // namespace harness
