// BootLoop: boots the guest until the boot settles: decides KVM or TCG
// (one KVM probe per machine, remembered in the cache), falls back from
// the PVH vmlinux to the bzImage when the former does not reach /init,
// and boots a fresh VM once more when a TCG guest hangs before its agent
// is up. Records in `rec.environment` what it decided and why.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "vm/accelerator.h"
#include "vm/guest_tools.h"
#include "vm/kernel_boot.h"
#include "vm/vm_cache.h"
#include "vm/vm_backend.h"
#include "vm/vm_session.h"

namespace harness {

struct BootPlan {
  const VmOptions& opts;
  const GuestKernel& kernel;
  const VmCache& cache;
  std::string qemu_version;
  std::string marker;
  std::chrono::milliseconds run_within;  // after the agent is ready
  // Before booting again: makes the disks anew (a failed boot may have
  // written them).
  std::function<void()> reset_disks;
};

struct BootOutcome {
  BootResult result;
  AccelDecision decision;
};

// What follows a boot (other than a KVM probe that failed): it settled
// (the guest ran, or failed for good), the PVH vmlinux did not bring the
// guest to /init and the bzImage is booted instead, or a guest that was not
// ready in time gets one fresh VM. `reached_init` reads the console; it is
// asked only when the answer matters.
enum class NextBoot { settled, bzimage, retry };
NextBoot next_boot(const BootResult& br, bool probe, KernelForm form, unsigned retries_so_far,
                   const std::function<bool()>& reached_init);

// `cfg` holds everything but the accelerator, kernel and command line.
BootOutcome boot_until_settled(VmConfig& cfg, const BootPlan& p, const RunObserver& observer, RunRecord& rec,
                               RunDir& run_dir);

}  // namespace harness
