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
// output) goes to a file for diagnosis, and qemu's stderr to another,
// both through pipes and capped (log_drain.h).
//
// The guest is not trusted, and qemu emulates it: qemu never runs as root
// (it is started as an unprivileged user, VmConfig::user), runs under its
// seccomp sandbox (no spawning, no set*id, no resource control, no
// obsolete calls), opens no path of the run (every file is a descriptor
// it inherits), and may write no file past the largest disk it was given
// (RLIMIT_FSIZE).
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
#include "base/scoped_fd.h"

namespace harness {

// Who qemu runs as: an unprivileged user of its own, with /dev/kvm's group.
struct QemuUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::string name;  // "transient"
};
// A transient uid (base/transient_uid.h), no account's and no other
// process's, when we are root; else nullopt (qemu runs as us).
std::optional<QemuUser> unprivileged_qemu_user();

struct VmConfig {
  std::filesystem::path qemu = "qemu-system-x86_64";
  std::filesystem::path kernel;
  std::filesystem::path initrd;
  std::string append;                  // kernel command line
  unsigned memory_mib = 256;
  std::vector<std::string> accel_args; // from accel_qemu_args()
  // The files below are opened by the harness beneath the run folder
  // (open_vm_files, vm_session.h) and handed to qemu as descriptors.
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
  std::string console_log = "vm-console.log";  // in the run folder: serial console (ttyS0) output
  std::string stderr_log = "vm-qemu.log";      // in the run folder: qemu's own messages
  std::string event_port = "harness.events";  // virtio console port name
  // No agent: the serial console itself is the channel read_line() reads,
  // and console_log is not written (the floor benchmark boots a bare /init).
  bool serial_is_channel = false;
  // The user qemu runs as: it is started as that user (never as root),
  // with /dev/kvm's group; nullopt runs it as we are (a test as non-root).
  std::optional<QemuUser> user = unprivileged_qemu_user();
};

// The descriptors qemu inherits, by number: qemu_argv() names each file as
// /dev/fdset/N (-add-fd), or the kernel and initrd as /proc/self/fd/N.
// A disk's set holds it read-write and read-only: qemu opens an image
// read-only first and again read-write once a writer attaches, and takes
// from the set the descriptor whose access mode matches.
struct QemuFile {
  int rw = -1, ro = -1;
};
struct QemuFds {
  int kernel = -1, initrd = -1;
  int console = -1;  // the write end of the serial console's pipe
  std::vector<QemuFile> disks;
  std::vector<std::pair<QemuFile, QemuFile>> logged_disks;  // image, log
};

// The full argv (argv[0] = qemu). Pure, for tests and for the report.
std::vector<std::string> qemu_argv(const VmConfig& c, const QemuFds& fds);

// "7.2.22" from `qemu --version`; throws EnvironmentError if it won't run.
std::string qemu_version(const std::filesystem::path& qemu);

// The files of one boot, opened by the harness (following no link) for
// qemu, which opens no path of the run itself.
struct VmFiles {
  ScopedFd kernel, initrd;
  ScopedFd console_log;  // what the serial console prints lands here, capped
  ScopedFd stderr_log;   // qemu's own messages, capped
  std::vector<ScopedFd> disks;  // read-write, one per VmConfig::disks
  struct Logged {
    ScopedFd image, log;
    unsigned long long max_log_bytes = 0;  // power_cut_log_cap() of its image
  };
  std::vector<Logged> logged_disks;
};

// What a guest may make the host keep on its disk: past these, the rest is
// dropped (the log says how much) or the VM is stopped (a guest error).
inline constexpr size_t kMaxConsoleLogBytes = 16u << 20;
inline constexpr size_t kMaxQemuMessagesBytes = 1u << 20;
// A power-cut write log holds every write to its disk, so it may outgrow
// the disk; four times it, and 256 MiB more, is far beyond any installer.
constexpr unsigned long long power_cut_log_cap(unsigned long long disk_bytes) {
  return 4 * disk_bytes + (256ull << 20);
}

class Vm {
 public:
  // Starts qemu with `files` (which it keeps until it is gone). Throws
  // EnvironmentError if it cannot be started.
  Vm(const VmConfig& c, VmFiles files);
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

  // qemu's own messages so far (the start of its log).
  std::string qemu_messages(size_t max_bytes) const;
  // Why a power-cut write log must not grow further (it passed its cap),
  // or nullopt.
  std::optional<std::string> log_over_cap() const;
  // Bytes of serial console output past kMaxConsoleLogBytes, not kept;
  // final once the VM was killed.
  unsigned long long console_bytes_dropped() const;

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
