// GuestBundle: what goes into a guest VM's initramfs for one scenario, so
// that the scenario file runs there unchanged: busybox (for /init only,
// under /.hb), the kernel modules for virtio/loop in load order, the
// harness binary as the agent, the scenario file, every host file the
// scenario names (image contents, programs its workload and run actions
// start, the mkfs it needs) at the same absolute paths as on the host,
// plus their shared libraries (read from the files, see elf_deps.h). The generated /init mounts the scratch
// disk (/dev/vda, ext4) at /scratch, runs the agent there and powers off.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/plan.h"
#include "vm/initramfs.h"

namespace harness {

inline constexpr const char* kGuestScratch = "/scratch";
inline constexpr const char* kGuestRunDir = "/scratch/run";
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

// The /init script (a busybox sh script).
std::string guest_init_script(const GuestBundleSpec& spec, const std::vector<std::string>& agent_argv);

// The agent's command line inside the guest.
std::vector<std::string> guest_agent_argv(const GuestBundleSpec& spec, const Plan& host_plan);

// Everything together. Throws EnvironmentError naming a missing file.
Initramfs build_guest_initramfs(const GuestBundleSpec& spec, const Plan& host_plan);

// Single-quotes a word for sh.
std::string shell_quote(const std::string& s);

}  // namespace harness
