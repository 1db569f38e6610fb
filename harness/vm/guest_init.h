// GuestInit: PID 1 of a harness guest VM. The initramfs's /init is the
// harness binary itself, started by the kernel as `/init guest-init`
// (the words after "--" on the kernel command line), so that nothing
// stands between the kernel and the agent: a shell script spent about a
// second of emulated CPU here on busybox processes, one per mount and per
// module, and on loading the agent's shared libraries a second time.
//
// It mounts /proc, /sys and /dev, loads the kernel modules (finit_module,
// in the given order), waits for the scratch disk and mounts it, reads
// the run's plan there (GuestRun: the agent's arguments and PATH), puts
// the run's host files in place (the bundle on that disk, see
// guest_placement.h), then forks the agent (run_guest_agent, in this same
// process image: no exec) and, being PID 1, reaps every orphan until the
// agent ends; then it powers the VM off. Each step writes a line to the serial console
// (vm-console.log on the host), so a boot that never reports ready says
// how far it got; any failure powers off at once, naming the step.
//
// Its plan is a JSON file in the initramfs (kGuestInitConfigPath) written
// by the guest bundle: the same for every scenario (the initramfs is
// generic); what is the run's own comes on the scratch disk.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

inline constexpr std::string_view kGuestInitCommand = "guest-init";
inline constexpr std::string_view kGuestInitConfigPath = "/.harness-init.json";
// Every console line of guest init starts so: the host tells from it that
// the kernel reached /init.
inline constexpr std::string_view kGuestInitConsolePrefix = "harness-init: ";

struct GuestInitConfig {
  std::vector<std::string> modules;  // .ko paths, each after its dependencies
  std::string scratch_device = "/dev/vda";
  std::string scratch_fs = "ext4";
  std::string scratch_dir = "/scratch";
  std::string run_file = "/scratch/harness-run.json";  // a GuestRun, on the scratch disk
};

// One run's part, on its scratch disk.
struct GuestRun {
  std::string path_env;                 // PATH for the agent and what it starts
  std::vector<std::string> agent_args;  // run_guest_agent's arguments
  std::string bundle_dir;               // the run's host files beneath it, at their paths
};

nlohmann::json to_json(const GuestInitConfig& c);
nlohmann::json to_json(const GuestRun& r);
// Both throw RuntimeError naming the missing or mistyped field.
GuestInitConfig guest_init_config_from_json(const nlohmann::json& j);
GuestRun guest_run_from_json(const nlohmann::json& j);

// `harness guest-init [CONFIG]`: refuses to run unless it is PID 1 (it
// mounts over /dev and powers the machine off). Returns only on refusal.
int run_guest_init(const std::vector<std::string>& args);

}  // namespace harness
