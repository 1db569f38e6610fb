// spawn() starts one program the way every process the harness starts
// begins (a helper, a `run` action's command, each workload exec):
// - in the cgroup the caller names, joined before exec, so that nothing it
//   starts can be outside it (base/cgroup.h);
// - leading its own process group (its pgid is its pid), so a terminal's
//   Ctrl-C reaches only the harness and kill(-pid) reaches what it forked;
// - killed when the thread that started it dies (PR_SET_PDEATHSIG), so a
//   SIGKILLed harness takes it along;
// - with default signal dispositions and an empty mask, stdio on the
//   descriptors given, and no other descriptor of ours but those passed.
// - optionally confined (SpawnConfinement): an unprivileged uid and gid of
//   its own with no supplementary groups and no_new_privs, and caps on the
//   file size it may write and the memory it may map, for a program that
//   parses bytes an untrusted guest chose.
// It is a vfork (clone with CLONE_VM|CLONE_VFORK on a stack of its own, as
// posix_spawn does): cheap enough for the workload's exec loop whatever the
// harness's size, and spawn() returns only once the program runs or could
// not start, with the reason.
#pragma once

#include <sys/types.h>

#include <vector>

namespace harness {

// Who a confined program runs as, and what it may use. Its credentials
// are changed with raw system calls for the new process alone (glibc's
// setresuid would act on every thread of the process we share memory with).
struct SpawnConfinement {
  uid_t uid = 0;  // also its gid; never 0
  unsigned long long max_file_bytes = 0;    // RLIMIT_FSIZE (SIGXFSZ past it); 0: no cap
  unsigned long long max_memory_bytes = 0;  // RLIMIT_AS; 0: no cap
  unsigned long max_processes = 0;          // RLIMIT_NPROC, of its uid (its alone); 0: no cap
  bool own_network = false;                 // a network namespace of its own: no network at all
};

struct SpawnPlan {
  const char* exe = nullptr;      // a path: nothing is looked up
  char* const* argv = nullptr;    // NULL-terminated
  char* const* envp = nullptr;    // NULL-terminated
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;  // required
  int cwd_fd = -1;                // a directory to start in; -1: ours
  std::vector<int> pass_fds;      // kept open at their numbers (all above 2)
  int cgroup_join_fd = -1;        // Cgroup::join_fd(); -1: stay in ours
  const SpawnConfinement* confine = nullptr;  // nullptr: our credentials and limits
};

struct SpawnResult {
  pid_t pid = 0;  // > 0: the program runs, our child
  // Otherwise the errno, already reaped. exec_failed: execve itself failed
  // (ENOENT, ENOEXEC, EACCES, EIO: the program's trouble); else a step
  // before it did (joining the cgroup, the descriptors: the harness's).
  int err = 0;
  bool exec_failed = false;
  bool started() const { return pid > 0; }
};

SpawnResult spawn(const SpawnPlan& plan);

}  // namespace harness
