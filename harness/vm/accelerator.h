// Accelerator: KVM or TCG for the guest VMs, chosen once per machine.
//
// /dev/kvm existing does not mean KVM works: a paravirtual host module
// (kvm_pvm) accepts the ioctls but cannot run a stock kernel — qemu aborts
// on an MSR, reports "KVM internal error", or the guest hangs silently.
// So "auto" boots the first real run under KVM with a short deadline for
// the agent's "ready" line; if it does not come, that run restarts under
// TCG, and the outcome is remembered in a small JSON file keyed by host
// kernel and qemu version so later runs do not pay the probe again.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace harness {

enum class Accel { kvm, tcg };
std::string_view to_string(Accel a);

// How the accelerator of a run was decided, recorded the same way whatever
// the machine has (report.json environment.accelerator_decided_by), so
// that a test or a reader can check the decision without knowing the
// machine: asked for with --accel; no usable /dev/kvm (TCG, no probe);
// a KVM probe boot of this run that worked or failed (then TCG); or a
// probe's outcome remembered from an earlier run.
enum class AccelDecidedBy { requested, kvm_unusable, probe_ok, probe_failed, remembered };
std::string_view to_string(AccelDecidedBy d);

struct AccelDecision {
  Accel accel = Accel::tcg;
  std::string reason;  // recorded in report.json environment.accelerator_reason
  // KVM not yet proven on this machine: boot with probe_deadline and fall
  // back to TCG (then cache) if the guest is not ready by then.
  bool probe = false;
  AccelDecidedBy decided_by = AccelDecidedBy::requested;
};

struct AccelFacts {
  std::string requested = "auto";          // auto | kvm | tcg
  bool kvm_usable = false;                 // /dev/kvm opens read-write
  std::string kvm_unusable_why;            // when not
  std::optional<AccelDecision> cached;     // from the cache file
};

// Pure decision; throws EnvironmentError for an explicit "kvm" without a
// usable /dev/kvm, and RuntimeError for an unknown request.
AccelDecision choose_accelerator(const AccelFacts& facts);

// Opens /dev/kvm read-write; on failure says why in `why`.
bool kvm_device_usable(std::string* why);

// The qemu arguments for an accelerator. TCG gets thread=multi and at
// least 2 vCPUs: the truncation race needs the overwriter and the
// workload to really run at the same time; and RDRAND, which TCG emulates
// but its default CPU model hides, so the guest's CRNG can trust the CPU
// at boot (kernel_boot.h) instead of waiting for a virtio-rng driver.
std::vector<std::string> accel_qemu_args(Accel a, unsigned cpus);

// Kernel command-line words for a TCG guest. Under TCG the guest TSC runs
// at the host's TSC rate, but on a busy host the kernel's calibration
// against the emulated PIT fails ("tsc: Unable to calibrate against PIT",
// "No reference (HPET/PMTIMER) available") and boot then hangs. Telling
// the kernel the rate (and the matching loops-per-jiffy) skips calibration.
// Empty when the rate is unknown (0).
std::string tcg_timing_cmdline(unsigned long host_tsc_khz, unsigned guest_hz);
// The host TSC rate, measured against CLOCK_MONOTONIC_RAW over ~25 ms; 0
// if it cannot be measured (not x86, or a clock keeps jumping).
unsigned long measure_host_tsc_khz();
// CONFIG_HZ from a kernel config file (/boot/config-<release>), or 0.
unsigned kernel_config_hz(const std::filesystem::path& config);

// What a KVM probe boot showed; probe_failure() says why it failed, or
// nullopt if KVM worked.
struct ProbeObservation {
  bool ready = false;         // the agent's ready line arrived
  bool exited = false;        // qemu exited first
  std::string exit_detail;    // "exit 134", "signal SIGABRT"
  std::string qemu_stderr;    // what qemu printed
  std::chrono::milliseconds elapsed{0};
  std::chrono::milliseconds deadline{0};
};
std::optional<std::string> probe_failure(const ProbeObservation& o);

// The per-machine memory of the choice: a JSON object, key -> {accel,
// reason, decided_at}. Unreadable or corrupt files read as empty;
// writes are atomic (temp file + rename).
class AccelCache {
 public:
  explicit AccelCache(std::filesystem::path file) : file_(std::move(file)) {}
  std::optional<AccelDecision> lookup(const std::string& key) const;
  void store(const std::string& key, const AccelDecision& d) const;
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
};

std::string accel_cache_key(const std::string& host_kernel, const std::string& qemu_version);

}  // namespace harness
