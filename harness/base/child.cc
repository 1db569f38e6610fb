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

#include "base/error.h"
#include "base/interrupt.h"
#include "base/program_lookup.h"
#include "base/process_group.h"
#include "base/scoped_fd.h"

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

// Everything the forked child needs, prepared before fork(): after it,
// only async-signal-safe calls are allowed (other threads may hold locks).
struct ExecPlan {
  std::string exe;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::vector<char*> argv;
  std::vector<char*> envp;
  ScopedFd cwd, in, out_owned, err_owned;
  int out = -1, err = -1;
  std::vector<int> pass;
  std::vector<int> keep;  // pass, the working directory and the report pipe, sorted
};

[[noreturn]] void child_fail(int report_fd, int err) {
  ssize_t ignored = ::write(report_fd, &err, sizeof err);
  (void)ignored;
  _exit(127);
}

// In the forked child, up to execve.
[[noreturn]] void exec_in_child(const ExecPlan& p, pid_t parent, int report_fd) {
  // Its own group, or it does not run: teardown kills by group.
  if (setpgid(0, 0) != 0) child_fail(report_fd, errno);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the parent died before prctl
  // Dispositions a program expects: nothing ignored, nothing blocked
  // (whatever the harness inherited or set for itself).
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // Above 2 first, so that a source numbered 0..2 is not overwritten
  // before it is copied; dup2 then clears close-on-exec on 0..2.
  int in = fcntl(p.in.get(), F_DUPFD_CLOEXEC, 3), out = fcntl(p.out, F_DUPFD_CLOEXEC, 3),
      err = fcntl(p.err, F_DUPFD_CLOEXEC, 3);
  if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
    child_fail(report_fd, errno);
  // Nothing of ours reaches the program but what it is given, and nothing
  // stays open here until exec: a descriptor held on (the run's locked
  // marker, say) would outlive a SIGKILLed harness for as long as the exec
  // takes. `keep` is sorted; the report pipe closes itself at exec.
  unsigned from = 3;
  for (int fd : p.keep) {
    if (static_cast<unsigned>(fd) > from) syscall(SYS_close_range, from, static_cast<unsigned>(fd) - 1, 0U);
    from = std::max(from, static_cast<unsigned>(fd) + 1);
  }
  syscall(SYS_close_range, from, ~0U, 0U);
  for (int fd : p.pass)
    if (fcntl(fd, F_SETFD, 0) != 0) child_fail(report_fd, errno);
  if (p.cwd.is_open() && fchdir(p.cwd.get()) != 0) child_fail(report_fd, errno);
  execve(p.exe.c_str(), p.argv.data(), p.envp.data());
  child_fail(report_fd, errno);
}

}  // namespace

struct Child::Impl {
  pid_t pid = 0;
  Clock::time_point started;
  std::chrono::milliseconds timeout{0};
  const std::atomic<bool>* stop = nullptr;
  bool reaped = false;

  // Reaps the leader, then kills and reaps what is left of its group.
  int finish() {
    int status = 0;
    try {
      status = reap(pid);
    } catch (...) {
      reaped = true;
      kill_process_group(pid);
      throw;
    }
    reaped = true;
    kill_process_group(pid);
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
  for (char** e = environ; e && *e; ++e) {
    std::string var = *e;
    std::string name = var.substr(0, var.find('='));
    if (std::find(opts.unset_env.begin(), opts.unset_env.end(), name) == opts.unset_env.end()) p.env.push_back(var);
  }
  for (auto& v : p.env) p.envp.push_back(v.data());
  p.envp.push_back(nullptr);
  if (!opts.cwd.empty()) {
    p.cwd = ScopedFd(::open(opts.cwd.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!p.cwd.is_open()) throw RuntimeError(errno_message(opts.cwd.string() + ": cannot use as a working directory", errno));
  }
  p.in = ScopedFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!p.in.is_open()) throw RuntimeError(errno_message("/dev/null: cannot open", errno));
  p.out = output_fd(opts.stdout_fd, opts.stdout_file, p.out_owned);
  p.err = output_fd(opts.stderr_fd, opts.stderr_file, p.err_owned);
  for (int fd : opts.pass_fds) {
    if (fd <= 2) throw RuntimeError(fmt::format("descriptor {} cannot be passed on: 0..2 are stdio", fd));
    p.pass.push_back(fd);
  }
  // The child reports a failure before exec (errno) here; EOF means exec
  // happened, and by then it leads its own group.
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) throw RuntimeError(errno_message("pipe for starting a child", errno));
  ScopedFd report_rd(report[0]), report_wr(report[1]);
  p.keep = p.pass;
  p.keep.push_back(report_wr.get());
  if (p.cwd.is_open()) p.keep.push_back(p.cwd.get());
  std::sort(p.keep.begin(), p.keep.end());

  impl_ = std::make_unique<Impl>();
  impl_->timeout = opts.timeout;
  impl_->stop = opts.stop;
  impl_->started = Clock::now();
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;  // before fmt::format may change it
    throw RuntimeError(errno_message(fmt::format("{}: cannot fork", p.exe), err));
  }
  if (pid == 0) exec_in_child(p, parent, report_wr.get());
  impl_->pid = pid;
  report_wr.reset();
  int err = 0;
  ssize_t n;
  while ((n = ::read(report_rd.get(), &err, sizeof err)) < 0 && errno == EINTR) {
  }
  if (n == static_cast<ssize_t>(sizeof err)) {
    impl_->finish();
    impl_.reset();
    throw RuntimeError(errno_message(fmt::format("{}: cannot start", p.exe), err));
  }
}

Child::Child(Child&&) noexcept = default;

Child::~Child() {
  if (!impl_ || impl_->reaped) return;
  kill(-impl_->pid, SIGKILL);
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
    kill(-impl_->pid, SIGKILL);
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
