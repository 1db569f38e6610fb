// VmBackend runs each scenario in a fresh, disposable qemu VM booted from
// the Debian kernel, with the harness itself as the guest agent; events
// stream back over the console and become the same RunRecord the host
// backend produces.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "backend.h"

namespace harness {

struct VmOptions {
  std::optional<std::filesystem::path> kernel;  // default: newest /boot/vmlinuz-*
  unsigned memory_mib = 256;
  unsigned cpus = 2;
  std::string accel = "auto";  // auto | kvm | tcg
};

class VmBackend : public Backend {
 public:
  explicit VmBackend(VmOptions opts);
  std::string name() const override { return "vm"; }
  void preflight(const Scenario& s) const override;
  RunRecord run(const Plan& plan, RunDir& run_dir, const RunObserver& observer) override;

  // True when qemu and a guest kernel are installed (the CLI then makes vm
  // the default backend).
  static bool available();

 private:
  VmOptions opts_;
};

}  // namespace harness
