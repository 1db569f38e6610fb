// Child runs one program (mkfs.ext4, an installer under test, a command a
// scenario names) and owns it, and everything it starts. It starts as
// spawn() (base/spawn.h) starts every process: leading its own process
// group, in the cgroup it is given, dying with the thread that started it
// (PR_SET_PDEATHSIG: start and own a Child on a thread that outlives it).
//
// - Without a cgroup, when it ends, times out, or is torn down, its whole
//   group is killed and every member that is (or, under a SubreaperScope,
//   became) our child is reaped, so a background job it left is not left
//   running.
// - In a cgroup of its own (a `run` action's), what it started in the
//   background outlives its exit: the cgroup's owner decides when that
//   ends. A timeout, a stop, or its destruction before wait() kills
//   everything in the cgroup, however it left the group or session.
// - Output goes to descriptors the caller opened (inside the run directory,
//   through RunDir), so a chatty helper never blocks on a pipe and no path
//   is resolved again. Every other descriptor of ours is closed at exec.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/spawn.h"

namespace harness {

class Cgroup;

struct ChildResult {
  int wait_status = 0;  // raw, decode with WIFEXITED/WTERMSIG
  pid_t pid = 0;
  bool timed_out = false;
  bool interrupted = false;
  bool stopped = false;  // killed because the run was stopped (opts.stop)
  std::chrono::milliseconds elapsed{0};

  bool succeeded() const;
  // "exit 0", "exit 3", "signal SIGSEGV", "timeout", "interrupted", "stopped".
  std::string describe() const;
};

struct ChildOptions {
  std::filesystem::path cwd;  // empty: ours
  // Where stdout/stderr go: a descriptor the caller keeps owning, else a
  // file created (or truncated; never through a symlink) at a path -- for
  // callers outside a run directory, such as tests -- else /dev/null.
  int stdout_fd = -1;
  int stderr_fd = -1;
  std::filesystem::path stdout_file;
  std::filesystem::path stderr_file;
  // Descriptors the program gets at the same numbers (for "/proc/self/fd/N"
  // arguments); the caller keeps owning them.
  std::vector<int> pass_fds;
  std::chrono::milliseconds timeout{60000};
  // Variables removed from the inherited environment (e.g. a CI's
  // GTEST_SHARD_INDEX, which would make a child harness shard its input).
  std::vector<std::string> unset_env;
  // When it becomes true the child is killed: the run it belongs to was
  // stopped (its verdict was decided, or it timed out).
  const std::atomic<bool>* stop = nullptr;
  // A cgroup of its own to start in (see the top of this file); the
  // caller owns it and keeps it until the Child is gone.
  const Cgroup* cgroup = nullptr;
  // An unprivileged identity and limits (base/spawn.h) for a program that
  // reads what an untrusted guest wrote. It then also gets an environment
  // of its own (PATH and LC_ALL=C only, nothing of ours) and starts in /
  // unless `cwd` says otherwise.
  std::optional<SpawnConfinement> confine;
};

class Child {
 public:
  // Resolves argv[0] through PATH when it has no '/'. Throws
  // EnvironmentError when the program cannot be found, RuntimeError when
  // it cannot be started; returns once the program runs.
  Child(const std::vector<std::string>& argv, const ChildOptions& opts);
  ~Child();  // kills the group (or the cgroup) and reaps, unless wait() did
  Child(Child&&) noexcept;
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const;  // also its process group
  // Waits for exit, the timeout, or an interrupt (then kills the group, or
  // the cgroup), and tears the group down unless it has a cgroup. Throws
  // RuntimeError if the exit status cannot be had (waitpid failed).
  ChildResult wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs to completion; convenience for helpers whose output is a file.
ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& opts);

// Where argv[0] would be found (a regular executable file), or nullopt;
// lookup_program() (base/program_lookup.h) says why not.
std::optional<std::filesystem::path> find_program(const std::string& name);

// Reads at most `cap` bytes of a file (for stdout/stderr excerpts).
std::string read_file_capped(const std::filesystem::path& p, size_t cap);
// The same from the start of an open file, whatever its offset.
std::string read_fd_capped(int fd, size_t cap);

}  // namespace harness
