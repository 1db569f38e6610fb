#include "vm/qemu_vm.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <poll.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cstring>
#include <fmt/format.h>
#include <regex>
#include <thread>

#include "base/child.h"
#include "base/error.h"
#include "base/scoped_fd.h"
#include "base/transient_uid.h"
#include "vm/guest_channel.h"
#include "vm/log_drain.h"

namespace harness {

namespace fs = std::filesystem;
namespace bp = boost::process;

std::optional<QemuUser> unprivileged_qemu_user() {
  if (geteuid() != 0) return std::nullopt;
  QemuUser u;
  u.uid = transient_uid();
  u.gid = u.uid;
  u.name = "transient";
  u.groups = {u.gid};
  // KVM, when the machine has it, is its group's to use.
  struct stat st {};
  if (::stat("/dev/kvm", &st) == 0 && st.st_gid != 0) u.groups.push_back(st.st_gid);
  return u;
}

// What qemu's seccomp filter denies beyond its default list: spawning a
// program, changing its ids, resource control, obsolete system calls.
constexpr const char* kQemuSandbox = "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny";

std::vector<std::string> qemu_argv(const VmConfig& c, const QemuFds& fds) {
  std::vector<std::string> a = {c.qemu.string()};
  for (const auto& x : c.accel_args) a.push_back(x);
  auto add = [&](std::initializer_list<std::string> xs) { a.insert(a.end(), xs); };
  // Each file is a descriptor qemu inherits: an fd set of its own, opened
  // as /dev/fdset/N wherever qemu takes a file name.
  int sets = 0;
  auto fdset = [&](std::initializer_list<int> members) {
    ++sets;
    for (int fd : members)
      if (fd >= 0) add({"-add-fd", fmt::format("fd={},set={}", fd, sets)});
    return fmt::format("/dev/fdset/{}", sets);
  };
  auto file = [&](const QemuFile& f) { return fdset({f.rw, f.ro}); };
  // The kernel loaders open a plain path: the descriptor's /proc link.
  add({"-M", "microvm", "-m", std::to_string(c.memory_mib), "-nodefaults", "-no-user-config",
       "-nographic", "-no-reboot", "-monitor", "none", "-sandbox", kQemuSandbox, "-kernel",
       fmt::format("/proc/self/fd/{}", fds.kernel), "-initrd", fmt::format("/proc/self/fd/{}", fds.initrd),
       "-append", c.append});
  if (c.serial_is_channel) {
    add({"-chardev", "stdio,id=events,signal=off", "-serial", "chardev:events"});
  } else {
    // ttyS0: the kernel console and /init's messages, into a pipe the
    // harness copies to the console log (capped). append=on: qemu would
    // truncate a file it opens, and a pipe cannot be truncated.
    add({"-chardev", fmt::format("file,id=console,path={},append=on", fdset({fds.console})), "-serial",
         "chardev:console"});
    // The event channel: a virtio console (hvc0 in the guest) whose host end
    // is qemu's stdout. A console port, not a plain virtserialport: a plain
    // port only accepts guest writes once qemu reports the host end open,
    // which a stdio chardev never does, so the guest would block forever.
    add({"-chardev", "stdio,id=events,signal=off", "-device", "virtio-serial-device", "-device",
         "virtconsole,chardev=events,name=" + c.event_port});
  }
  for (size_t i = 0; i < fds.disks.size(); ++i) {
    std::string id = fmt::format("disk{}", i);
    // cache=unsafe: the disk is thrown away with the VM, so host fsyncs buy nothing.
    add({"-drive", fmt::format("id={},file={},format=raw,if=none,cache=unsafe", id, file(fds.disks[i])),
         "-device", "virtio-blk-device,drive=" + id});
  }
  for (size_t i = 0; i < fds.logged_disks.size() && i < c.logged_disks.size(); ++i) {
    const auto& d = c.logged_disks[i];
    std::string id = fmt::format("logged{}", i);
    std::string image = file(fds.logged_disks[i].first), log = file(fds.logged_disks[i].second);
    add({"-blockdev", fmt::format("driver=file,node-name={}-file,filename={}", id, image),
         "-blockdev", fmt::format("driver=file,node-name={}-log,filename={}", id, log),
         "-blockdev", fmt::format("driver=blklogwrites,node-name={},file={}-file,log={}-log,log-sector-size={},"
                                  "log-super-update-interval=1",
                                  id, id, id, d.sector_size),
         "-device", fmt::format("virtio-blk-device,drive={},write-cache=on", id)});
  }
  return a;
}

std::string qemu_version(const fs::path& qemu) {
  std::error_code ec;
  bp::ipstream out;
  bp::child c(qemu.string(), "--version", bp::std_out > out, bp::std_err > bp::null, bp::std_in < bp::null, ec);
  if (ec) throw EnvironmentError(fmt::format("{}: cannot run: {}", qemu.string(), ec.message()));
  std::string text((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  c.wait(ec);
  static const std::regex re(R"(version ([0-9]+\.[0-9]+(\.[0-9]+)?))");
  std::smatch m;
  if (!std::regex_search(text, m, re))
    throw EnvironmentError(fmt::format("{} --version printed no version: {}", qemu.string(), text.substr(0, 200)));
  return m[1].str();
}

namespace {

// The event pipe's capacity (as root; else the system's pipe-max-size).
constexpr int kEventPipeBytes = 8 << 20;

// Runs in the forked child before exec: only async-signal-safe calls,
// and no allocation (everything it reads was made before the fork).
struct QemuChildSetup : bp::extend::handler {
  int out_fd;
  int in_fd;
  int err_fd;
  const std::vector<int>* inherit;
  rlim_t max_file_bytes;  // 0: no limit
  const QemuUser* user;   // nullptr: stay who we are
  pid_t parent;

  static void fail(const char* why) {
    ssize_t ignored = ::write(STDERR_FILENO, why, std::strlen(why));
    (void)ignored;
    ::_exit(126);
  }

  template <typename Executor>
  void on_exec_setup(Executor&) const {
    ::setpgid(0, 0);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(in_fd, STDIN_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    // Nothing else of ours reaches qemu (a file another thread opened
    // without O_CLOEXEC a moment ago): close-on-exec for every descriptor
    // from 3, then cleared again for the ones qemu is given.
    ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    for (int fd : *inherit) ::fcntl(fd, F_SETFD, 0);  // qemu keeps these across exec
    if (max_file_bytes > 0) {
      struct rlimit r {max_file_bytes, max_file_bytes};
      if (::setrlimit(RLIMIT_FSIZE, &r) != 0) fail("harness: cannot limit qemu's file sizes\n");
    }
    // No core dump of a guest's memory (and the run's disks) on the host.
    struct rlimit no_core {0, 0};
    if (::setrlimit(RLIMIT_CORE, &no_core) != 0) fail("harness: cannot forbid qemu core dumps\n");
    if (user) {
      if (::setgroups(user->groups.size(), user->groups.data()) != 0 || ::setresgid(user->gid, user->gid, user->gid) != 0 ||
          ::setresuid(user->uid, user->uid, user->uid) != 0)
        fail("harness: cannot start qemu as its unprivileged user\n");
      if (::chdir("/") != 0) fail("harness: cannot chdir to /\n");
    }
    // After the change of user, which clears it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the harness died before prctl
  }
};

unsigned long long file_size(int fd) {
  struct stat st {};
  return fstat(fd, &st) == 0 ? static_cast<unsigned long long>(st.st_size) : 0;
}

}  // namespace

struct Vm::Impl {
  VmFiles files;  // before the drains, which write into its logs
  std::vector<ScopedFd> read_only;  // the disks again, read-only, for qemu
  std::optional<LogDrain> console;
  std::optional<LogDrain> messages;
  bp::child child;
  ScopedFd out;  // read end of the event channel
  ScopedFd in;   // write end of the channel's other direction (host -> guest)
  std::string buf;
  bool eof = false;
  std::optional<int> status;
  std::vector<std::string> argv;

  void reap_if_done() {
    if (status || !child.valid()) return;
    std::error_code ec;
    if (!child.running(ec)) status = child.native_exit_code();
  }
  void finish_logs() {
    if (console) console->finish();
    if (messages) messages->finish();
  }
};

Vm::Vm(const VmConfig& c, VmFiles files) : impl_(std::make_unique<Impl>()) {
  impl_->files = std::move(files);
  const VmFiles& f = impl_->files;
  auto exe = find_program(c.qemu.string());
  if (!exe)
    throw EnvironmentError(fmt::format("{}: not found; install qemu-system-x86 (apt-get install -y qemu-system-x86)",
                                       c.qemu.string()));
  auto make_pipe = [](const char* what) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) throw RuntimeError(errno_message(fmt::format("pipe for {}", what), errno));
    return std::pair<ScopedFd, ScopedFd>(ScopedFd(p[0]), ScopedFd(p[1]));
  };
  auto [rd, wr] = make_pipe("the VM event channel");
  auto [err_rd, err_wr] = make_pipe("qemu's messages");
  std::pair<ScopedFd, ScopedFd> console;
  if (!c.serial_is_channel) console = make_pipe("the VM's serial console");
  int q[2];
  // A socket, not a pipe, for the host's replies: a write to a VM that
  // already exited must fail with EPIPE, not raise SIGPIPE (MSG_NOSIGNAL).
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, q) != 0)
    throw RuntimeError(errno_message("socketpair for the VM event channel", errno));
  ScopedFd guest_in(q[0]), host_out(q[1]);
  // qemu makes its stdout non-blocking and, for a console port, drops what
  // it cannot write at once ("XXX we should be queuing data", virtio-console.c):
  // when this process falls behind for a moment on a busy machine, a 64 KiB
  // pipe loses the end of the stream (a record message alone is ~70 KB). A
  // pipe that holds a whole run's stream (~330 KB for 1000 execs) does not.
  for (int size : {kEventPipeBytes, 1 << 20})
    if (fcntl(rd.get(), F_SETPIPE_SZ, size) >= 0) break;

  QemuFds fds;
  fds.kernel = f.kernel.get();
  fds.initrd = f.initrd.get();
  fds.console = console.second.get();
  // qemu writes no file past the largest it was given: a disk keeps its
  // size, a write log stops at its cap (the session stops the VM there).
  rlim_t max_file = 0;
  // The same file again, read-only, through our own descriptor's link.
  auto with_read_only = [&](const ScopedFd& rw) {
    impl_->read_only.emplace_back(::open(fmt::format("/proc/self/fd/{}", rw.get()).c_str(), O_RDONLY | O_CLOEXEC));
    return QemuFile{rw.get(), impl_->read_only.back().get()};
  };
  for (const auto& d : f.disks) {
    fds.disks.push_back(with_read_only(d));
    max_file = std::max<rlim_t>(max_file, file_size(d.get()));
  }
  for (const auto& d : f.logged_disks) {
    fds.logged_disks.emplace_back(with_read_only(d.image), with_read_only(d.log));
    max_file = std::max<rlim_t>({max_file, file_size(d.image.get()), d.max_log_bytes});
  }
  std::vector<int> inherit;
  for (int fd : {fds.kernel, fds.initrd, fds.console}) inherit.push_back(fd);
  for (const auto& d : fds.disks) inherit.insert(inherit.end(), {d.rw, d.ro});
  for (const auto& [image, log] : fds.logged_disks) inherit.insert(inherit.end(), {image.rw, image.ro, log.rw, log.ro});
  inherit.erase(std::remove(inherit.begin(), inherit.end(), -1), inherit.end());
  impl_->argv = qemu_argv(c, fds);

  std::vector<std::string> args(impl_->argv.begin() + 1, impl_->argv.end());
  std::error_code ec;
  impl_->child = bp::child(exe->string(), bp::args(args),
                           QemuChildSetup{{}, wr.get(), guest_in.get(), err_wr.get(), &inherit, max_file,
                                          c.user ? &*c.user : nullptr, getpid()},
                           ec);
  if (ec) throw EnvironmentError(fmt::format("{}: cannot start: {}", exe->string(), ec.message()));
  wr.reset();  // only qemu holds the write ends: EOF when it exits
  err_wr.reset();
  console.second.reset();
  guest_in.reset();
  impl_->out = std::move(rd);
  impl_->in = std::move(host_out);
  impl_->messages.emplace(std::move(err_rd), f.stderr_log.get(), kMaxQemuMessagesBytes);
  if (!c.serial_is_channel) impl_->console.emplace(std::move(console.first), f.console_log.get(), kMaxConsoleLogBytes);
}

Vm::Vm(Vm&&) noexcept = default;

Vm::~Vm() {
  if (impl_) kill();
}

pid_t Vm::pid() const { return impl_->child.id(); }

Vm::Read Vm::read_line(std::string& line, MonoClock::time_point deadline) {
  for (;;) {
    size_t nl = impl_->buf.find('\n');
    if (nl != std::string::npos) {
      line = impl_->buf.substr(0, nl);
      impl_->buf.erase(0, nl + 1);
      while (!line.empty() && (line.back() == '\r' || line.back() == '\0')) line.pop_back();
      return Read::line;
    }
    if (impl_->eof) {
      if (!impl_->buf.empty()) {
        line = std::move(impl_->buf);
        impl_->buf.clear();
        return Read::line;
      }
      return Read::closed;
    }
    auto now = MonoClock::now();
    if (now >= deadline) return Read::timeout;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    // Wake at least every 100 ms so callers can notice an interrupt.
    pollfd pfd{impl_->out.get(), POLLIN, 0};
    int r = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left + 1, 100)));
    if (r < 0) {
      if (errno == EINTR) return Read::timeout;
      throw RuntimeError(errno_message("poll on the VM event channel", errno));
    }
    if (r == 0) return Read::timeout;  // callers loop, checking interrupts between
    char chunk[65536];
    ssize_t n = ::read(impl_->out.get(), chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw RuntimeError(errno_message("read from the VM event channel", errno));
    }
    if (n == 0) {
      impl_->eof = true;
    } else {
      impl_->buf.append(chunk, static_cast<size_t>(n));
      // The buffer held no newline before this chunk; a guest that never
      // ends its line must not make us hold all it sends.
      if (impl_->buf.size() > kMaxChannelLineBytes &&
          impl_->buf.find('\n', impl_->buf.size() - static_cast<size_t>(n)) == std::string::npos) {
        impl_->buf.clear();
        return Read::too_long;
      }
    }
  }
}

bool Vm::send_line(const std::string& line) {
  if (!impl_->in.is_open()) return false;
  std::string data = line.back() == '\n' ? line : line + "\n";
  ssize_t n = ::send(impl_->in.get(), data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  return n == static_cast<ssize_t>(data.size());
}

bool Vm::running() {
  impl_->reap_if_done();
  return !impl_->status && impl_->child.valid();
}

bool Vm::wait_exit(MonoClock::time_point deadline) {
  auto pause = std::chrono::milliseconds(1);
  while (running()) {
    if (MonoClock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return true;
}

void Vm::kill() {
  impl_->reap_if_done();
  if (impl_->status || !impl_->child.valid()) {
    impl_->finish_logs();
    return;
  }
  // Not bp::child::terminate(): in Boost 1.74 it reaps with WNOHANG right
  // after the SIGKILL, which usually comes too early, leaving a zombie and
  // a garbage exit status. Kill, reap for real, then detach so Boost never
  // waits on the (possibly reused) pid again.
  pid_t pid = impl_->child.id();
  ::kill(pid, SIGKILL);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  impl_->status = st;
  impl_->child.detach();
  impl_->finish_logs();
}

std::string Vm::qemu_messages(size_t max_bytes) const {
  return impl_->files.stderr_log.is_open() ? read_fd_capped(impl_->files.stderr_log.get(), max_bytes) : "";
}

std::optional<std::string> Vm::log_over_cap() const {
  for (size_t i = 0; i < impl_->files.logged_disks.size(); ++i) {
    const auto& d = impl_->files.logged_disks[i];
    if (d.max_log_bytes > 0 && file_size(d.log.get()) >= d.max_log_bytes)  // RLIMIT_FSIZE stops it there
      return fmt::format("the write log of power-cut disk {} reached {} bytes (4 times its disk, and 256 MiB)", i + 1,
                         d.max_log_bytes);
  }
  return std::nullopt;
}

unsigned long long Vm::console_bytes_dropped() const { return impl_->console ? impl_->console->dropped() : 0; }

std::optional<int> Vm::wait_status() const { return impl_->status; }

std::string Vm::describe_exit() const {
  if (!impl_->status) return "running";
  int st = *impl_->status;
  if (WIFEXITED(st)) return fmt::format("exit {}", WEXITSTATUS(st));
  if (WIFSIGNALED(st)) {
    const char* ab = sigabbrev_np(WTERMSIG(st));
    return ab ? fmt::format("signal SIG{}", ab) : fmt::format("signal {}", WTERMSIG(st));
  }
  return fmt::format("status {:#x}", st);
}

}  // namespace harness
