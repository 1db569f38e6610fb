#include "vm/vm_session.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include <sstream>
#include <vector>

#include "base/child.h"
#include "base/error.h"
#include "base/clock.h"
#include "base/interrupt.h"
#include "base/procfs.h"
#include "base/system_info.h"
#include "vm/guest_channel.h"

namespace harness {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;

std::string first_line(const std::string& s) {
  std::string l = s.substr(0, s.find('\n'));
  return l.empty() ? "no message" : l;
}

std::string tail_lines(const std::string& all, size_t max_lines) {
  std::vector<std::string> lines;
  std::istringstream in(all);
  std::string l;
  while (std::getline(in, l)) {
    if (!l.empty() && l.back() == '\r') l.pop_back();  // a serial console ends its lines in CRLF
    if (!l.empty()) lines.push_back(l);
  }
  std::string out;
  size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
  for (size_t i = from; i < lines.size(); ++i) out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

namespace {

// A file the unprivileged qemu opens as /proc/self/fd/N: that reopens the
// file, so its mode must let qemu's user read it; else a sealed copy in
// memory is handed over instead.
ScopedFd readable_for_qemu(const fs::path& p, const VmConfig& cfg, const char* what) {
  ScopedFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.is_open()) throw EnvironmentError(errno_message(fmt::format("{}: cannot open {}", p.string(), what), errno));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    throw EnvironmentError(fmt::format("{}: {} is not a regular file", p.string(), what));
  if (!cfg.user || (st.st_mode & S_IROTH)) return fd;
  ScopedFd copy(memfd_create(what, MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!copy.is_open()) throw EnvironmentError(errno_message("memfd_create", errno));
  for (off_t off = 0; off < st.st_size;) {
    ssize_t n = sendfile(copy.get(), fd.get(), &off, static_cast<size_t>(st.st_size - off));
    if (n <= 0) throw EnvironmentError(errno_message(fmt::format("{}: cannot copy {}", p.string(), what), errno));
  }
  fcntl(copy.get(), F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
  return copy;
}

// `p` beneath the run's work/, as RunDir::open takes it.
std::string beneath_work(const fs::path& p, const RunDir& dir) {
  return p.is_absolute() ? p.lexically_relative(dir.work()).string() : p.string();
}

ScopedFd disk(const fs::path& p, const RunDir& dir) {
  try {
    return dir.open_regular(beneath_work(p, dir), O_RDWR);
  } catch (const Error& e) {
    throw EnvironmentError(fmt::format("a VM disk: {}", e.what()));
  }
}

}  // namespace

VmFiles open_vm_files(const VmConfig& cfg, const RunDir& dir) {
  VmFiles f;
  f.kernel = readable_for_qemu(cfg.kernel, cfg, "the guest kernel");
  f.initrd = readable_for_qemu(cfg.initrd, cfg, "the initramfs");
  // Fresh per boot: what a failed boot logged is not this one's.
  const int log_flags = O_RDWR | O_CREAT | O_TRUNC;
  f.stderr_log = dir.open_in_run_folder(cfg.stderr_log, log_flags);
  if (!cfg.serial_is_channel) f.console_log = dir.open_in_run_folder(cfg.console_log, log_flags);
  for (const auto& d : cfg.disks) f.disks.push_back(disk(d, dir));
  for (const auto& d : cfg.logged_disks) {
    VmFiles::Logged l;
    l.image = disk(d.image, dir);
    l.log = disk(d.log, dir);
    struct stat st {};
    fstat(l.image.get(), &st);
    l.max_log_bytes = power_cut_log_cap(static_cast<unsigned long long>(st.st_size));
    f.logged_disks.push_back(std::move(l));
  }
  return f;
}

BootResult VmSession::run(milliseconds ready_within, milliseconds run_within, bool watch_for_kvm_errors) {
  BootResult res;
  Vm vm(cfg_, open_vm_files(cfg_, dir_));
  rec_.environment["qemu_user"] = cfg_.user ? fmt::format("{} (uid {})", cfg_.user->name, cfg_.user->uid)
                                            : fmt::format("uid {}, as the harness", geteuid());
  dir_.record_process("qemu", vm.pid());  // should we die, gc kills this qemu and no other
  auto t0 = MonoClock::now();
  auto deadline = t0 + ready_within;
  auto next_check = t0;
  ChannelReceiver receiver(marker_, rec_, obs_);
  std::string line;
  for (;;) {
    if (interrupted()) {
      vm.kill();
      res.end = BootEnd::interrupted;
      break;
    }
    auto r = vm.read_line(line, deadline);
    auto now = MonoClock::now();
    if (r == Vm::Read::line) {
      ChannelReceiver::Step step = receiver.take(line);
      if (step == ChannelReceiver::Step::ready) {
        res.ready = true;
        res.boot_ms = std::chrono::duration<double, std::milli>(now - t0).count();
        // What the kernel says qemu runs as, once it runs the guest.
        const std::string seccomp = process_status_field(vm.pid(), "Seccomp");
        rec_.environment["qemu_seccomp"] = seccomp == "2" ? "filter" : seccomp == "0" ? "none" : seccomp;
        deadline = now + run_within;
        if (obs_.on_phase) obs_.on_phase("guest ready");
      } else if (step == ChannelReceiver::Step::end) {
        // Everything before "end" has been read: let the agent exit.
        vm.send_line(channel_line(marker_, {{"msg", "ack"}}));
        // /init powers off next; give it a moment, then make sure.
        if (!vm.wait_exit(MonoClock::now() + milliseconds(5000))) vm.kill();
        res.end = BootEnd::finished;
        break;
      }
      continue;
    }
    if (r == Vm::Read::too_long) {
      receiver.guest_error(fmt::format("a line of more than {} bytes on the event channel; the VM was stopped",
                                       kMaxChannelLineBytes));
      vm.kill();
      res.end = BootEnd::guest_error;
      break;
    }
    if (r == Vm::Read::closed) {
      vm.wait_exit(MonoClock::now() + milliseconds(5000));
      vm.kill();
      res.end = BootEnd::qemu_exited;
      break;
    }
    if (now >= next_check) {
      next_check = now + milliseconds(100);
      if (watch_for_kvm_errors && !res.ready && vm.qemu_messages(64 * 1024).find("KVM internal error") != std::string::npos) {
        vm.kill();
        res.end = BootEnd::not_ready;
        break;
      }
      // A guest that writes its power-cut disk for ever fills no host disk.
      if (auto over = vm.log_over_cap()) {
        receiver.guest_error(*over + "; the VM was stopped");
        vm.kill();
        res.end = BootEnd::guest_error;
        break;
      }
    }
    if (now >= deadline) {
      vm.kill();
      res.end = res.ready ? BootEnd::timed_out : BootEnd::not_ready;
      break;
    }
  }
  vm.kill();
  res.got_record = receiver.got_record();
  res.record_execs = receiver.record_execs();
  res.qemu_exit = vm.describe_exit();
  res.qemu_stderr = vm.qemu_messages(64 * 1024);
  if (unsigned long long dropped = vm.console_bytes_dropped())
    rec_.environment["vm_console_log_dropped_bytes"] = dropped;  // the log ends with a note saying so
  return res;
}

}  // namespace harness
