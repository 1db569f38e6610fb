// KernelBoot: which form of the guest kernel a VM boots, and the command
// line words that make any form boot faster.
//
// The fast form is the uncompressed PVH vmlinux inside the package's
// bzImage (see bzimage.h): qemu loads it straight into guest memory, where
// the bzImage would first decompress itself on the emulated CPU (~0.7 s
// under TCG here). It is extracted once per kernel into the VM cache,
// named by the bzImage's SHA-256, so an upgraded kernel gets its own. The
// bzImage is booted instead when extraction fails, and when qemu refused
// the vmlinux once (remembered beside it, so later runs do not try again);
// the report's environment says which form was booted and why.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "vm/vm_cache.h"

namespace harness {

// Each word shortens the boot without changing what a scenario observes:
//   mitigations=off       no speculative-execution workarounds: they are
//                         patched in at boot and tax every syscall, and a
//                         disposable guest runs nothing but the scenario
//   pci=off               microvm has no PCI bus; do not probe for one
//   8250.nr_uarts=1       only ttyS0 exists; do not probe three more ports
//   cryptomgr.notests     no crypto self-tests at boot
//   random.trust_cpu=on   credit RDRAND, so the CRNG is ready at boot and
//                         getrandom() (mkfs.ext4's UUIDs) never waits
inline constexpr std::string_view kFastBootCmdline =
    "mitigations=off pci=off 8250.nr_uarts=1 cryptomgr.notests random.trust_cpu=on";

// A guest's kernel command line: the serial console kept quiet
// (loglevel=1: only emergencies reach the slow serial console; the agent
// reads the rest from /dev/kmsg), panic=-1 (a panic reboots, and qemu,
// started with -no-reboot, exits), kFastBootCmdline, then `params` (the
// run's own: its channel marker, TCG timing), then, if `init_args` is not
// empty, "--" and the words the kernel passes on to /init.
std::string guest_kernel_cmdline(const std::vector<std::string>& params, std::string_view init_args);

enum class KernelForm { pvh_vmlinux, bzimage };
std::string_view to_string(KernelForm f);  // "pvh-vmlinux", "bzImage"

struct KernelBoot {
  std::filesystem::path image;  // what qemu's -kernel gets
  KernelForm form = KernelForm::bzimage;
  std::string why;              // for the report's environment
  std::filesystem::path bzimage;
  std::string key;              // the bzImage's digest prefix; names its cache files
};

// The PVH vmlinux of `bzimage`, from the cache or extracted into it now;
// the bzImage itself, saying why, if that cannot be had or qemu refused
// it before. Never throws for a kernel it cannot extract: the bzImage is
// always bootable.
KernelBoot choose_kernel_boot(const std::filesystem::path& bzimage, const VmCache& cache);

// The bzImage boot to use after the PVH vmlinux of `failed` did not boot.
// With `remember`, later runs boot the bzImage at once: for a refusal by
// qemu, which would repeat, not for a guest that merely hung once.
KernelBoot fall_back_to_bzimage(const KernelBoot& failed, const VmCache& cache, const std::string& why,
                                bool remember);

}  // namespace harness
