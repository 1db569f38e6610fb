#include "vm/qemu_vm.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cstring>
#include <fmt/format.h>
#include <regex>
#include <thread>

#include "base/child.h"
#include "base/error.h"
#include "base/scoped_fd.h"
#include "vm/guest_channel.h"

namespace harness {

namespace fs = std::filesystem;
namespace bp = boost::process;

std::vector<std::string> qemu_argv(const VmConfig& c) {
  std::vector<std::string> a = {c.qemu.string()};
  for (const auto& x : c.accel_args) a.push_back(x);
  auto add = [&](std::initializer_list<std::string> xs) { a.insert(a.end(), xs); };
  add({"-M", "microvm", "-m", std::to_string(c.memory_mib), "-nodefaults", "-no-user-config",
       "-nographic", "-no-reboot", "-monitor", "none", "-kernel", c.kernel.string(), "-initrd",
       c.initrd.string(), "-append", c.append});
  if (c.serial_is_channel) {
    add({"-chardev", "stdio,id=events,signal=off", "-serial", "chardev:events"});
  } else {
    // ttyS0: the kernel console and /init's messages, to a file.
    add({"-serial", "file:" + c.console_log.string()});
    // The event channel: a virtio console (hvc0 in the guest) whose host end
    // is qemu's stdout. A console port, not a plain virtserialport: a plain
    // port only accepts guest writes once qemu reports the host end open,
    // which a stdio chardev never does, so the guest would block forever.
    add({"-chardev", "stdio,id=events,signal=off", "-device", "virtio-serial-device", "-device",
         "virtconsole,chardev=events,name=" + c.event_port});
  }
  for (size_t i = 0; i < c.disks.size(); ++i) {
    std::string id = fmt::format("disk{}", i);
    // cache=unsafe: the disk is thrown away with the VM, so host fsyncs buy nothing.
    add({"-drive", fmt::format("id={},file={},format=raw,if=none,cache=unsafe", id, c.disks[i].string()),
         "-device", "virtio-blk-device,drive=" + id});
  }
  // qemu option values double their commas.
  auto opt = [](const fs::path& p) {
    std::string s;
    for (char ch : p.string()) s += ch == ',' ? std::string(",,") : std::string(1, ch);
    return s;
  };
  for (size_t i = 0; i < c.logged_disks.size(); ++i) {
    const auto& d = c.logged_disks[i];
    std::string id = fmt::format("logged{}", i);
    add({"-blockdev", fmt::format("driver=file,node-name={}-file,filename={}", id, opt(d.image)),
         "-blockdev", fmt::format("driver=file,node-name={}-log,filename={}", id, opt(d.log)),
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

// Runs in the forked child before exec: only async-signal-safe calls.
struct QemuChildSetup : bp::extend::handler {
  int out_fd;
  int in_fd;
  pid_t parent;
  template <typename Executor>
  void on_exec_setup(Executor&) const {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the harness died before prctl
    ::setpgid(0, 0);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(in_fd, STDIN_FILENO);
  }
};

}  // namespace

struct Vm::Impl {
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
};

Vm::Vm(const VmConfig& c) : impl_(std::make_unique<Impl>()) {
  impl_->argv = qemu_argv(c);
  auto exe = find_program(impl_->argv[0]);
  if (!exe)
    throw EnvironmentError(fmt::format("{}: not found; install qemu-system-x86 (apt-get install -y qemu-system-x86)",
                                       impl_->argv[0]));
  int p[2], q[2];
  if (pipe2(p, O_CLOEXEC) != 0) throw RuntimeError(errno_message("pipe for the VM event channel", errno));
  ScopedFd rd(p[0]), wr(p[1]);
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
  std::vector<std::string> args(impl_->argv.begin() + 1, impl_->argv.end());
  std::error_code ec;
  impl_->child = bp::child(exe->string(), bp::args(args), bp::std_err > c.stderr_log.string(),
                           QemuChildSetup{{}, wr.get(), guest_in.get(), getpid()}, ec);
  if (ec) throw EnvironmentError(fmt::format("{}: cannot start: {}", exe->string(), ec.message()));
  wr.reset();  // only qemu holds the write end: EOF when it exits
  guest_in.reset();
  impl_->out = std::move(rd);
  impl_->in = std::move(host_out);
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
  if (impl_->status || !impl_->child.valid()) return;
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
}

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
