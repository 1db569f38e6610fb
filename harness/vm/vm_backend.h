// VmBackend runs each scenario in a fresh, disposable qemu VM booted from
// the Debian kernel, with the harness itself as the guest agent; events
// stream back over a virtio-serial port and become the same RunRecord the
// host backend produces. Every exec the report counts ran in the guest.
//
// Per run, in the run directory: work/vm-scratch.img (a sparse ext4 disk,
// /dev/vda in the guest, where the scenario's images live, so the loop
// devices sit on a disk-backed ext4 as on a host; removed with work/),
// vm-console.log (the guest's serial console) and vm-qemu.log (qemu's
// stderr). A `power_cut` scratch folder adds work/power-cut-N.img (the
// guest's /dev/vdb, /dev/vdc...), work/power-cut-N.base.img (its initial
// image) and work/power-cut-N.log (qemu's blklogwrites log of its writes),
// replayed after the run (host/power_cut.h); the images are removed then. Per machine, in <parent of the run directory>/.cache/ (for
// the default run directories: reports/runs/.cache/; /var/cache/harness
// when that parent is a folder others may write to, default_vm_cache_dir):
//   initramfs-<digest>.cpio  guest root filesystems, keyed by a digest of
//                            their manifest (see Initramfs::manifest_digest);
//                            the 8 most recently used are kept
//   agent-<digest>           the harness without debug info, for the guest
//                            (objcopy --strip-debug, when binutils is installed)
//   accelerator.json         the KVM-or-TCG decision (see accelerator.h)
//   vmlinux-<digest>         the uncompressed PVH kernel inside the bzImage
//                            whose SHA-256 starts so (see kernel_boot.h); the
//                            4 most recently made are kept, and
//                            vmlinux-<digest>.refused says why qemu could not
//                            boot it (the bzImage is booted instead)
// The folder is private (0700; see vm_cache.h).
// Nothing else is written on the host.
//
// Times: event t_ms are on the guest's clock, since the guest agent
// started the run (as the host backend's are since its run started);
// duration_ms is the host's wall time for the whole run, boot included.
// A scenario's timeout_s is enforced in the guest (the verdict is
// `timeout`); the host kills the VM if the guest has not finished
// timeout_s + 15 s after it reported ready, and also records `timeout`.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "core/backend.h"
#include "core/host_path_policy.h"
#include "vm/guest_tools.h"

namespace harness {

struct VmOptions {
  std::optional<std::filesystem::path> kernel;  // default: newest /boot/vmlinuz-* with modules
  unsigned memory_mib = 256;
  unsigned cpus = 2;
  std::string accel = "auto";  // auto | kvm | tcg
  std::optional<std::filesystem::path> cache_dir;  // default: default_vm_cache_dir(<parent of run dir>)
  std::chrono::milliseconds kvm_probe_deadline{5000};
  std::chrono::milliseconds boot_deadline{60000};  // qemu start to agent ready, TCG
  std::chrono::milliseconds finish_grace{15000};   // past timeout_s, before the host kills
  // --untrusted: the host files a scenario may name (core/host_path_policy.h);
  // what it names otherwise is refused at preflight, exit 2.
  std::optional<HostPathPolicy> untrusted;
};

class VmBackend : public Backend {
 public:
  explicit VmBackend(VmOptions opts);
  BackendKind kind() const override { return BackendKind::vm; }
  void preflight(const Scenario& s) const override;
  RunRecord run(const Plan& plan, RunDir& run_dir, const RunObserver& observer) override;

  // True when qemu, a readable guest kernel with its modules, and a
  // static busybox are installed (the CLI then makes vm the default).
  static bool available();
  // Why not, in a few words ("" when available()).
  static std::string unavailable_reason();

 private:
  VmOptions opts_;
};

}  // namespace harness
