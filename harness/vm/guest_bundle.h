// GuestBundle: what a guest VM gets, in two parts.
//
// The initramfs is the same for every scenario (so it is built once and
// cached): busybox (under /.hb, on no PATH: nothing the harness or a
// scenario runs uses it), the kernel modules for virtio/loop in load
// order, and the harness binary as /init and agent with its shared
// libraries, its plan in kGuestInitConfigPath: load the modules, mount the
// scratch disk (/dev/vda, ext4) at /scratch, read the run file there.
//
// The run's own part comes on that scratch disk, made on the host with
// `mkfs.ext4 -d`: the run file (GuestRun: the agent's command line and
// PATH) and the bundle, the host files the scenario brings (guest_files.h)
// at their absolute paths beneath kGuestBundleDir, which /init puts in
// place (guest_placement.h) before it starts the agent.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/plan.h"
#include "vm/guest_files.h"
#include "vm/guest_init.h"
#include "vm/initramfs.h"

namespace harness {

inline constexpr const char* kGuestScratch = "/scratch";
inline constexpr const char* kGuestRunDir = "/scratch/run";
// Images and copies the host built, at their work paths beneath this, on
// the scratch disk (see host/scenario_images.h).
inline constexpr const char* kGuestPrebuiltDir = "/scratch/prebuilt/work";
inline constexpr const char* kGuestBundleDir = "/scratch/bundle";
inline constexpr const char* kGuestRunFile = "/scratch/harness-run.json";
inline constexpr const char* kGuestBusyboxDir = "/.hb";
// The guest's PATH: the usual folders, where the bundle's programs are
// (each at its host path). No busybox applets: a program the scenario
// does not bring in is missing (exit 127, named by the run), not replaced
// by an applet with other options.
inline constexpr const char* kGuestPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct GuestBundleSpec {
  std::filesystem::path harness_exe;          // the agent, normally /proc/self/exe
  std::filesystem::path harness_copy;         // what goes at harness_exe's path in the
                                              // guest (a debug-stripped copy); empty: itself
  std::filesystem::path busybox;              // a static busybox
  std::vector<std::string> busybox_applets;   // `busybox --list`
  std::vector<std::filesystem::path> modules; // .ko files in load order
};

// What /init (the harness as PID 1) does in the guest.
GuestInitConfig guest_init_config(const GuestBundleSpec& spec);

// The agent's command line inside the guest.
std::vector<std::string> guest_agent_argv(const GuestBundleSpec& spec, const Plan& host_plan);

// The run file: the agent's arguments, kGuestPath (plus the folder of a
// declared program found elsewhere in the host's PATH), the bundle.
GuestRun guest_run(const GuestBundleSpec& spec, const Plan& host_plan, const std::vector<GuestFile>& files);

// The generic initramfs. Throws EnvironmentError naming a missing file.
Initramfs build_guest_initramfs(const GuestBundleSpec& spec);

// Writes the run's part beneath `scratch_root` (the scratch disk's
// content): the bundle of `files` and the run file. Returns the bundle's
// bytes, for sizing the disk.
uint64_t write_guest_bundle(const std::filesystem::path& scratch_root, const std::vector<GuestFile>& files,
                            const GuestRun& run);

}  // namespace harness
