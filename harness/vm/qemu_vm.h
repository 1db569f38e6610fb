// Vm owns one qemu process: started from a VmConfig, killed (SIGKILL) and
// reaped in the destructor, so no qemu outlives the Vm — and, through
// PR_SET_PDEATHSIG, none outlives the harness either, even if the harness
// is SIGKILLed. qemu runs in its own process group, so a terminal's Ctrl-C
// reaches only the harness, which then decides to kill the VM.
//
// The guest's event channel (a virtio console, hvc0) is qemu's stdout, read
// here line by line through a pipe large enough for a whole run's stream
// (qemu drops console output it cannot write at once), and qemu's stdin
// carries the host's few replies; the serial console (kernel messages, /init's own
// output) goes to a file for diagnosis, and qemu's stderr to another.
//
// PR_SET_PDEATHSIG fires when the *thread* that started qemu exits: start
// and own a Vm on a thread that outlives it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"

namespace harness {

struct VmConfig {
  std::filesystem::path qemu = "qemu-system-x86_64";
  std::filesystem::path kernel;
  std::filesystem::path initrd;
  std::string append;                  // kernel command line
  unsigned memory_mib = 256;
  std::vector<std::string> accel_args; // from accel_qemu_args()
  std::vector<std::filesystem::path> disks;  // raw, virtio-blk: /dev/vda, /dev/vdb...
  // Disks after `disks` whose every write, flush and discard qemu's
  // blklogwrites driver appends to `log` (dm-log-writes format, the super
  // block updated at every entry); flushes reach it (no cache=unsafe) and
  // the guest sees a volatile write cache, so it sends them.
  struct LoggedDisk {
    std::filesystem::path image;
    std::filesystem::path log;  // must exist (qemu opens, never creates it)
    unsigned sector_size = 512;
  };
  std::vector<LoggedDisk> logged_disks;
  std::filesystem::path console_log;   // serial console (ttyS0) output
  std::filesystem::path stderr_log;    // qemu's own messages
  std::string event_port = "harness.events";  // virtio console port name
  // No agent: the serial console itself is the channel read_line() reads,
  // and console_log is not written (the floor benchmark boots a bare /init).
  bool serial_is_channel = false;
};

// The full argv (argv[0] = qemu). Pure, for tests and for the report.
std::vector<std::string> qemu_argv(const VmConfig& c);

// "7.2.22" from `qemu --version`; throws EnvironmentError if it won't run.
std::string qemu_version(const std::filesystem::path& qemu);

class Vm {
 public:
  // Starts qemu. Throws EnvironmentError if it cannot be started.
  explicit Vm(const VmConfig& c);
  ~Vm();
  Vm(const Vm&) = delete;
  Vm& operator=(const Vm&) = delete;
  Vm(Vm&&) noexcept;
  Vm& operator=(Vm&&) = delete;

  pid_t pid() const;

  enum class Read { line, timeout, closed, too_long };
  // The next complete line from the event channel (without "\r\n"),
  // waiting at most until `deadline` but returning `timeout` at least
  // every 100 ms so the caller can check for interrupts. `closed` once
  // qemu closed its stdout (it exited) and every buffered line was returned.
  // `too_long` once a line grows past kMaxChannelLineBytes (guest_channel.h)
  // without ending: what the guest sent is not buffered further.
  Read read_line(std::string& line, MonoClock::time_point deadline);

  // Writes one line to the guest over the event channel's other direction
  // (the guest reads it from hvc0); false if it could not be written whole.
  bool send_line(const std::string& line);

  bool running();
  // Waits until qemu exits or the deadline passes; true if it exited.
  bool wait_exit(MonoClock::time_point deadline);
  // SIGKILL and reap (idempotent).
  void kill();
  // The raw wait status once exited; "exit 0", "signal SIGKILL".
  std::optional<int> wait_status() const;
  std::string describe_exit() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace harness
