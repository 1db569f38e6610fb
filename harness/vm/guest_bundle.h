// GuestBundle: what goes into a guest VM's initramfs for one scenario, so
// that the scenario file runs there unchanged: busybox (for /init only,
// under /.hb), the kernel modules for virtio/loop in load order, the
// harness binary as the agent, the scenario file, every host file the
// scenario names (image contents, programs its workload and run actions
// start, the mkfs it needs) at the same absolute paths as on the host,
// plus their shared libraries (read from the files, see elf_deps.h). /init
// is the harness binary itself (see guest_init.h), with its plan in
// kGuestInitConfigPath: load the modules, mount the scratch disk
// (/dev/vda, ext4) at /scratch, run the agent there and power off.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/plan.h"
#include "vm/guest_init.h"
#include "vm/initramfs.h"

namespace harness {

inline constexpr const char* kGuestScratch = "/scratch";
inline constexpr const char* kGuestRunDir = "/scratch/run";
// Images and copies the host built, at their work paths beneath this, on
// the scratch disk (see host/scenario_images.h).
inline constexpr const char* kGuestPrebuiltDir = "/scratch/prebuilt/work";
inline constexpr const char* kGuestBusyboxDir = "/.hb";

struct GuestBundleSpec {
  std::filesystem::path harness_exe;          // the agent, normally /proc/self/exe
  std::filesystem::path harness_copy;         // what goes at harness_exe's path in the
                                              // guest (a debug-stripped copy); empty: itself
  std::filesystem::path busybox;              // a static busybox
  std::vector<std::string> busybox_applets;   // `busybox --list`
  std::vector<std::filesystem::path> modules; // .ko files in load order
};

// Host files a plan needs in the guest: images[].files[].from, and the
// program (argv[0], never another argument) of the workload and of run
// actions, except one inside the run's work directory (the guest makes its
// own), and the mkfs the images need. Programs named without a '/' are
// resolved through PATH.
std::vector<std::filesystem::path> scenario_host_files(const Plan& host_plan);

// What /init (the harness as PID 1) does in the guest.
GuestInitConfig guest_init_config(const GuestBundleSpec& spec, const std::vector<std::string>& agent_argv);

// The agent's command line inside the guest.
std::vector<std::string> guest_agent_argv(const GuestBundleSpec& spec, const Plan& host_plan);

// Everything together. Throws EnvironmentError naming a missing file.
Initramfs build_guest_initramfs(const GuestBundleSpec& spec, const Plan& host_plan);

}  // namespace harness
