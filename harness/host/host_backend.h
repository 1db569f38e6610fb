// HostBackend runs a scenario on this machine, inside the private mount
// namespace the CLI entered: build images, copy, run setup actions, loop
// mount, warm up, then run the workload and the faults side by side, and
// tear everything down in reverse. The guest agent runs the same code
// inside a VM.
#pragma once

#include <filesystem>
#include <optional>

#include "core/backend.h"

namespace harness {

class HostBackend : public Backend {
 public:
  // `prebuilt`: images and copies made beforehand, at their work paths
  // (see scenario_images.h); the guest agent passes what the vm backend
  // built on the host.
  explicit HostBackend(std::optional<std::filesystem::path> prebuilt = std::nullopt)
      : prebuilt_(std::move(prebuilt)) {}
  std::string name() const override { return "host"; }
  void preflight(const Scenario& s) const override;
  RunRecord run(const Plan& plan, RunDir& run_dir, const RunObserver& observer) override;

 private:
  std::optional<std::filesystem::path> prebuilt_;
};

}  // namespace harness
