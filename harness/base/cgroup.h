// Cgroup owns one cgroup v2 directory the harness made: a run's own, or a
// leaf of it for one command. Membership is the kernel's and survives
// setsid, a double fork and re-parenting, so "everything this command
// started" is exactly the processes in its cgroup, and one write to
// cgroup.kill ends them all. A process joins at its start, before it execs
// (see base/spawn.h), so nothing it starts can slip out in between.
//
// The destructor kills whatever is still in it and in the cgroups below
// it, reaps those that were our children, and removes them, within a
// timeout. Move-only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/scoped_fd.h"

namespace harness {

// A cgroup directory and the same cgroup as /proc/PID/cgroup names it
// ("/harness-812-1/run-3"), which is how a process is matched to it.
struct CgroupPlace {
  std::filesystem::path dir;
  std::string proc_path;
};

// Our own cgroup v2 directory, found from /proc/self/cgroup (its "0::"
// line) and /proc/self/mountinfo (a cgroup2 mount whose root holds it),
// whatever the mountpoint (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a
// hybrid host). Pure, for tests; nullopt with `why` when there is none.
std::optional<CgroupPlace> cgroup2_place(const std::string& mountinfo, const std::string& self_cgroup,
                                         std::string& why);
// The same for this process, checked to be writable by us; nullopt with
// `why` otherwise.
std::optional<CgroupPlace> own_cgroup2(std::string& why);

// How kill_all() empties a cgroup: cgroup.kill (Linux 5.14+), or freezing
// it (5.2+) and SIGKILLing each member through a pidfd (older kernels;
// tests choose it to check that path).
enum class CgroupKill { kill_file, signal_each };

class Cgroup {
 public:
  // Creates the cgroup `name` (a fresh directory, never an existing one)
  // in `parent`. Throws EnvironmentError.
  static Cgroup create(const CgroupPlace& parent, const std::string& name);
  // For gc: the cgroup at `dir` that a dead run recorded, only if it is a
  // directory on a cgroup2 filesystem, named harness-*, whose id is still
  // `id`; nullopt otherwise (gone, or another's).
  static std::optional<Cgroup> adopt(const std::filesystem::path& dir, unsigned long long id);

  Cgroup(Cgroup&& o) noexcept;
  Cgroup& operator=(Cgroup&&) = delete;
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;
  ~Cgroup();  // remove(), errors swallowed

  const CgroupPlace& place() const { return place_; }
  // The kernel's id of the cgroup (its directory's inode number), never
  // given to another cgroup while the machine runs: what gc checks.
  unsigned long long id() const { return id_; }
  // Its cgroup.procs, open for writing: a new process writes "0" there to
  // join it before it execs.
  int join_fd() const { return procs_.get(); }

  // Every process in it and in the cgroups below it (not zombies).
  std::vector<pid_t> members() const;
  bool populated() const;
  // Until it is empty (true), `deadline` passes or should_stop() (false).
  bool wait_empty(MonoClock::time_point deadline, const std::function<bool()>& should_stop = {}) const;
  // SIGKILLs every process in it and below, then waits up to `grace` for
  // it to be empty; returns whether it is.
  bool kill_all(std::chrono::milliseconds grace = std::chrono::seconds(2),
                CgroupKill how = CgroupKill::kill_file) const;
  // kill_all(), reaps the members that were our children, and removes it
  // with every cgroup below it. Throws RuntimeError if it cannot (a
  // process that would not die within `grace`). Call it only when no
  // Child still waits for a process in it: it reaps them.
  void remove(std::chrono::milliseconds grace = std::chrono::seconds(2));
  // Lets go of it, killing and removing nothing (gc --dry-run).
  void release() { place_.dir.clear(); }

 private:
  Cgroup(CgroupPlace place, ScopedFd dir, ScopedFd procs, unsigned long long id)
      : place_(std::move(place)), dir_(std::move(dir)), procs_(std::move(procs)), id_(id) {}
  CgroupPlace place_;
  ScopedFd dir_;
  ScopedFd procs_;
  unsigned long long id_ = 0;
};

}  // namespace harness
