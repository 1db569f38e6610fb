// HostBackend runs a scenario on this machine, inside the private mount
// namespace the CLI entered: build images, copy, run setup actions, loop
// mount, warm up, then run the workload and the faults side by side, and
// tear everything down in reverse. The guest agent runs the same code
// inside a VM.
#pragma once

#include "core/backend.h"

namespace harness {

class HostBackend : public Backend {
 public:
  std::string name() const override { return "host"; }
  void preflight(const Scenario& s) const override;
  RunRecord run(const Plan& plan, RunDir& run_dir, const RunObserver& observer) override;
};

}  // namespace harness
