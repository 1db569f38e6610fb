#include "base/child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <sstream>

#include "base/cgroup.h"
#include "base/error.h"
#include "base/interrupt.h"
#include "base/program_lookup.h"
#include "base/process_group.h"
#include "base/scoped_fd.h"
#include "base/spawn.h"

extern char** environ;

namespace harness {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

bool ChildResult::succeeded() const {
  return !timed_out && !interrupted && !stopped && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

std::string ChildResult::describe() const {
  if (timed_out) return "timeout";
  if (interrupted) return "interrupted";
  if (stopped) return "stopped";
  if (WIFEXITED(wait_status)) return fmt::format("exit {}", WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(wait_status));
    return abbrev ? fmt::format("signal SIG{}", abbrev) : fmt::format("signal {}", WTERMSIG(wait_status));
  }
  return fmt::format("status {:#x}", wait_status);
}

std::optional<fs::path> find_program(const std::string& name) {
  ProgramLookup l = lookup_program(name);
  if (!l.found()) return std::nullopt;
  return l.path;
}

namespace {

// An output descriptor for the child: the caller's, a file at a path, or
// /dev/null. `owned` holds what we opened ourselves.
int output_fd(int given, const fs::path& file, ScopedFd& owned) {
  if (given >= 0) return given;
  const char* path = file.empty() ? "/dev/null" : file.c_str();
  int flags = O_WRONLY | O_CLOEXEC | (file.empty() ? 0 : O_CREAT | O_TRUNC | O_NOFOLLOW);
  owned = ScopedFd(::open(path, flags, 0644));
  if (!owned.is_open()) {
    const int err = errno;  // before fmt::format may change it
    throw RuntimeError(errno_message(fmt::format("{}: cannot open for a child's output", path), err));
  }
  return owned.get();
}

// Everything spawn() needs, made before it starts the program.
struct ExecPlan {
  std::string exe;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::vector<char*> argv;
  std::vector<char*> envp;
  ScopedFd cwd, in, out_owned, err_owned;
  int out = -1, err = -1;
  std::vector<int> pass;
};

}  // namespace

struct Child::Impl {
  pid_t pid = 0;
  Clock::time_point started;
  std::chrono::milliseconds timeout{0};
  const std::atomic<bool>* stop = nullptr;
  const Cgroup* cgroup = nullptr;
  bool reaped = false;

  // Everything it started: its cgroup, else its group.
  void kill_all() {
    if (cgroup)
      cgroup->kill_all();
    else
      kill(-pid, SIGKILL);
  }

  // Reaps the leader, then (without a cgroup of its own) kills and reaps
  // what is left of its group.
  int finish() {
    int status = 0;
    try {
      status = reap(pid);
    } catch (...) {
      reaped = true;
      if (!cgroup) kill_process_group(pid);
      throw;
    }
    reaped = true;
    if (!cgroup) kill_process_group(pid);
    return status;
  }
};

Child::Child(const std::vector<std::string>& argv, const ChildOptions& opts) {
  if (argv.empty()) throw RuntimeError("cannot run an empty command");
  ProgramLookup exe = lookup_program(argv[0]);
  if (!exe.found()) throw EnvironmentError(exe.why);
  ExecPlan p;
  p.exe = exe.path.string();
  p.args = argv;
  for (auto& a : p.args) p.argv.push_back(a.data());
  p.argv.push_back(nullptr);
  if (opts.confine) p.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"};
  for (char** e = environ; !opts.confine && e && *e; ++e) {
    std::string var = *e;
    std::string name = var.substr(0, var.find('='));
    if (std::find(opts.unset_env.begin(), opts.unset_env.end(), name) == opts.unset_env.end()) p.env.push_back(var);
  }
  for (auto& v : p.env) p.envp.push_back(v.data());
  p.envp.push_back(nullptr);
  const fs::path cwd = opts.cwd.empty() && opts.confine ? fs::path("/") : opts.cwd;
  if (!cwd.empty()) {
    p.cwd = ScopedFd(::open(cwd.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!p.cwd.is_open()) throw RuntimeError(errno_message(cwd.string() + ": cannot use as a working directory", errno));
  }
  p.in = ScopedFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!p.in.is_open()) throw RuntimeError(errno_message("/dev/null: cannot open", errno));
  p.out = output_fd(opts.stdout_fd, opts.stdout_file, p.out_owned);
  p.err = output_fd(opts.stderr_fd, opts.stderr_file, p.err_owned);
  for (int fd : opts.pass_fds) {
    if (fd <= 2) throw RuntimeError(fmt::format("descriptor {} cannot be passed on: 0..2 are stdio", fd));
    p.pass.push_back(fd);
  }
  impl_ = std::make_unique<Impl>();
  impl_->timeout = opts.timeout;
  impl_->stop = opts.stop;
  impl_->cgroup = opts.cgroup;
  impl_->started = Clock::now();
  SpawnPlan sp;
  sp.exe = p.exe.c_str();
  sp.argv = p.argv.data();
  sp.envp = p.envp.data();
  sp.stdin_fd = p.in.get();
  sp.stdout_fd = p.out;
  sp.stderr_fd = p.err;
  sp.cwd_fd = p.cwd.is_open() ? p.cwd.get() : -1;
  sp.pass_fds = p.pass;
  sp.cgroup_join_fd = opts.cgroup ? opts.cgroup->join_fd() : -1;
  sp.confine = opts.confine ? &*opts.confine : nullptr;
  SpawnResult started = spawn(sp);
  if (!started.started()) {
    impl_.reset();
    throw RuntimeError(errno_message(fmt::format("{}: cannot start", p.exe), started.err));
  }
  impl_->pid = started.pid;
}

Child::Child(Child&&) noexcept = default;

Child::~Child() {
  if (!impl_ || impl_->reaped) return;
  impl_->kill_all();
  try {
    impl_->finish();
  } catch (...) {
    // Destructors must not throw; the group has been killed regardless.
  }
}

pid_t Child::pid() const { return impl_->pid; }

ChildResult Child::wait() {
  ChildResult r;
  r.pid = impl_->pid;
  const std::atomic<bool>* stop = impl_->stop;
  WaitEnd end = wait_for_exit(impl_->pid, impl_->started + impl_->timeout,
                              [stop] { return interrupted() != 0 || (stop && stop->load()); });
  if (end != WaitEnd::exited) {
    impl_->kill_all();
    r.timed_out = end == WaitEnd::deadline;
    r.interrupted = end == WaitEnd::stopped && interrupted() != 0;
    r.stopped = end == WaitEnd::stopped && !r.interrupted;
  }
  r.wait_status = impl_->finish();
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - impl_->started);
  return r;
}

ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& opts) {
  Child c(argv, opts);
  return c.wait();
}

std::string read_fd_capped(int fd, size_t cap) {
  std::string s(cap, '\0');
  size_t got = 0;
  while (got < cap) {
    ssize_t n = ::pread(fd, s.data() + got, cap - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  s.resize(got);
  return s;
}

std::string read_file_capped(const fs::path& p, size_t cap) {
  ScopedFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  return fd.is_open() ? read_fd_capped(fd.get(), cap) : std::string();
}

}  // namespace harness
