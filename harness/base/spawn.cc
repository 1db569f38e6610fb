#include "base/spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace harness {

namespace {

// What the child reads and writes: it shares our memory until it execs,
// and we are suspended meanwhile (CLONE_VFORK).
struct Shared {
  const SpawnPlan* plan;
  pid_t parent;
  const int* keep;  // pass_fds and the working directory, sorted
  size_t n_keep;
  const int* pass;  // pass_fds (no std::vector call in the child: its code is instrumented)
  size_t n_pass;
  volatile int err;
  volatile bool exec_failed;
};

// Becomes the confined identity, with its limits and no core dumps:
// system calls only, for this task alone. 0, or -1 with errno set.
__attribute__((no_sanitize("address"))) int confine(const SpawnConfinement& c) {
  struct rlimit none {0, 0};
  if (setrlimit(RLIMIT_CORE, &none) != 0) return -1;
  if (c.max_file_bytes) {
    struct rlimit l {c.max_file_bytes, c.max_file_bytes};
    if (setrlimit(RLIMIT_FSIZE, &l) != 0) return -1;
  }
  if (c.max_memory_bytes) {
    struct rlimit l {c.max_memory_bytes, c.max_memory_bytes};
    if (setrlimit(RLIMIT_AS, &l) != 0) return -1;
  }
  if (c.max_processes) {
    struct rlimit l {c.max_processes, c.max_processes};
    if (setrlimit(RLIMIT_NPROC, &l) != 0) return -1;
  }
  if (c.uid == 0) {
    errno = EINVAL;
    return -1;
  }
  if (c.own_network && unshare(CLONE_NEWNET) != 0) return -1;
  if (syscall(SYS_setgroups, 0, nullptr) != 0 || syscall(SYS_setresgid, c.uid, c.uid, c.uid) != 0 ||
      syscall(SYS_setresuid, c.uid, c.uid, c.uid) != 0)
    return -1;
  return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

// The child, up to execve: system calls only (no allocation, no lock, no
// sanitizer bookkeeping on a stack the sanitizer does not know).
__attribute__((no_sanitize("address"))) int spawn_child(void* arg) {
  Shared* s = static_cast<Shared*>(arg);
  const SpawnPlan& p = *s->plan;
  int src[3] = {p.stdin_fd, p.stdout_fd, p.stderr_fd};
  unsigned from = 3;
  sigset_t none;
  struct sigaction dfl {};
  // The cgroup first: from here on, whatever it starts is inside.
  if (p.cgroup_join_fd >= 0 && ::write(p.cgroup_join_fd, "0", 1) != 1) goto fail;
  // Its own group, or it does not run: teardown kills by group.
  if (setpgid(0, 0) != 0) goto fail;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != s->parent) {  // we died before prctl
    s->err = ESRCH;
    _exit(127);
  }
  // Dispositions a program expects: nothing ignored, nothing blocked
  // (whatever the harness inherited or set for itself; spawn() blocked
  // every signal around the clone).
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // A source numbered 0..2 goes above 2 first, so that it is not
  // overwritten before it is copied (only then is a free descriptor
  // needed: the table may be full); dup2 clears close-on-exec on 0..2.
  for (int i = 0; i < 3; ++i)
    if (src[i] <= 2 && src[i] != i && (src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3)) < 0) goto fail;
  for (int i = 0; i < 3; ++i)
    if (src[i] == i ? fcntl(i, F_SETFD, 0) != 0 : dup2(src[i], i) < 0) goto fail;
  // Nothing of ours reaches the program but what it is given, and nothing
  // stays open here until exec: a descriptor held on (the run's locked
  // marker, say) would outlive a SIGKILLed harness for as long as the exec
  // takes.
  for (size_t i = 0; i < s->n_keep; ++i) {
    unsigned fd = static_cast<unsigned>(s->keep[i]);
    if (fd > from) syscall(SYS_close_range, from, fd - 1, 0U);
    if (fd + 1 > from) from = fd + 1;
  }
  syscall(SYS_close_range, from, ~0U, 0U);
  for (size_t i = 0; i < s->n_pass; ++i)
    if (fcntl(s->pass[i], F_SETFD, 0) != 0) goto fail;
  if (p.confine) {
    if (confine(*p.confine) != 0) goto fail;
    // A change of credentials clears the parent-death signal: again.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != s->parent) {
      s->err = ESRCH;
      _exit(127);
    }
  }
  if (p.cwd_fd >= 0 && fchdir(p.cwd_fd) != 0) goto fail;
  execve(p.exe, p.argv, p.envp);
  s->exec_failed = true;
fail:
  s->err = errno;
  _exit(127);
}

constexpr size_t kStackSize = 64 * 1024;

}  // namespace

SpawnResult spawn(const SpawnPlan& plan) {
  std::vector<int> keep = plan.pass_fds;
  if (plan.cwd_fd >= 0) keep.push_back(plan.cwd_fd);
  std::sort(keep.begin(), keep.end());
  Shared s{&plan, getpid(), keep.data(), keep.size(), plan.pass_fds.data(), plan.pass_fds.size(), 0, false};
  void* stack = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return SpawnResult{0, errno, false};
  // No handler of ours may run in the child while it shares our memory.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone(spawn_child, static_cast<char*>(stack) + kStackSize, CLONE_VM | CLONE_VFORK | SIGCHLD, &s);
  int clone_err = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  munmap(stack, kStackSize);
  if (pid < 0) return SpawnResult{0, clone_err, false};
  if (s.err != 0) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return SpawnResult{0, s.err, s.exec_failed};
  }
  return SpawnResult{pid, 0, false};
}

}  // namespace harness
