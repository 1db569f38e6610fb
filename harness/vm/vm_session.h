// VmSession: one VM from qemu's start to its power-off: reads the event
// channel, acknowledges the end, and says how the boot ended.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "base/run_dir.h"
#include "core/backend.h"
#include "core/run_record.h"
#include "vm/qemu_vm.h"

namespace harness {

// How one boot ended.
enum class BootEnd { finished, qemu_exited, not_ready, timed_out, interrupted, guest_error };

struct BootResult {
  BootEnd end = BootEnd::qemu_exited;
  bool ready = false;
  bool got_record = false;
  double boot_ms = 0;
  std::string qemu_exit;
  std::string qemu_stderr;
  unsigned long record_execs = 0;
};

// One VM from start to power-off, collecting into `rec`.
class VmSession {
 public:
  VmSession(const VmConfig& cfg, std::string marker, const RunObserver& obs, RunRecord& rec, RunDir& dir)
      : cfg_(cfg), marker_(std::move(marker)), obs_(obs), rec_(rec), dir_(dir) {}

  // `ready_within`: how long to wait for the agent's ready line; after it,
  // `run_within` for the end line.
  BootResult run(std::chrono::milliseconds ready_within, std::chrono::milliseconds run_within, bool watch_for_kvm_errors);

 private:
  const VmConfig& cfg_;
  std::string marker_;
  const RunObserver& obs_;
  RunRecord& rec_;
  RunDir& dir_;
};

// The files of one boot, opened for qemu (qemu_vm.h): the kernel and
// initrd (as copies in memory when the unprivileged qemu could not read
// them), the disks beneath the run's work/ (no link, regular files only),
// and the logs created afresh in the run folder. Throws EnvironmentError.
VmFiles open_vm_files(const VmConfig& cfg, const RunDir& dir);

// The first line of `s` ("no message" when empty).
std::string first_line(const std::string& s);
// The last `max_lines` non-empty lines of a log's text, joined with " | ".
std::string tail_lines(const std::string& text, size_t max_lines);

}  // namespace harness
