// HostBackend runs a scenario on this machine, inside the private mount
// namespace the CLI entered: build images, copy, run setup actions, loop
// mount, warm up, then run the workload and the faults side by side, and
// tear everything down in reverse. The guest agent runs the same code
// inside a VM.
#pragma once

#include <filesystem>
#include <map>
#include <optional>

#include "core/backend.h"
#include "core/missing_command.h"

namespace harness {

class HostBackend : public Backend {
 public:
  // `prebuilt`: images and copies made beforehand, at their work paths
  // (see scenario_images.h); the guest agent passes what the vm backend
  // built on the host.
  explicit HostBackend(std::optional<std::filesystem::path> prebuilt = std::nullopt)
      : prebuilt_(std::move(prebuilt)) {}
  BackendKind kind() const override { return BackendKind::host; }
  void preflight(const Scenario& s) const override;
  RunRecord run(const Plan& plan, RunDir& run_dir, const RunObserver& observer) override;
  // The block device that holds a `power_cut` scratch filesystem (by its
  // index in the scenario), made and logged by the vm backend; the guest
  // agent passes it. Without one, a power-cut scratch is refused.
  void set_scratch_device(size_t index, std::filesystem::path device) { scratch_devices_[index] = std::move(device); }
  // The guest agent runs this backend inside the vm backend's guest: a
  // command that lacks a program there is told to name it in the
  // scenario's "programs", not to install it.
  void set_in_guest() { where_ = MissingWhere::guest; }

 private:
  std::optional<std::filesystem::path> prebuilt_;
  std::map<size_t, std::filesystem::path> scratch_devices_;
  MissingWhere where_ = MissingWhere::host;
};

}  // namespace harness
