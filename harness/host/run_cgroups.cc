#include "host/run_cgroups.h"

#include <unistd.h>

#include <atomic>
#include <fmt/format.h>

#include "base/procfs.h"

namespace harness {

namespace {

Cgroup make_run_cgroup(const CgroupPlace& parent, RunDir& dir) {
  static std::atomic<unsigned> serial{0};
  Cgroup run = Cgroup::create(parent, fmt::format("harness-{}-{}", getpid(), ++serial));
  // Should we die from here on, gc kills what is in it, and only that.
  dir.record_cgroup(run.place().dir, run.id());
  return run;
}

}  // namespace

RunCgroups::RunCgroups(const CgroupPlace& parent, RunDir& dir)
    : run_(make_run_cgroup(parent, dir)), workload_(Cgroup::create(run_.place(), "workload")) {}

const Cgroup& RunCgroups::new_leaf() {
  std::lock_guard<std::mutex> lock(mu_);
  leaves_.push_back(Cgroup::create(run_.place(), fmt::format("run-{}", ++next_leaf_)));
  return leaves_.back();
}

void RunCgroups::command_ended(const Cgroup& leaf) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& l : leaves_)
    // Nothing can join an empty leaf: only its members could start one.
    if (&l == &leaf && !l.populated()) l.remove();
}

std::vector<Survivor> RunCgroups::kill_background(const RunClock& clock) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Survivor> out;
  auto sweep = [&](const Cgroup& cg) {
    std::vector<Survivor> found;
    for (pid_t pid : cg.members()) {
      if (out.size() + found.size() >= kMaxSurvivors) break;  // killed all the same
      Survivor s;
      s.pid = pid;
      s.exe = process_exe(pid);
      s.argv = process_argv(pid);
      s.cgroup = cg.place().proc_path;
      found.push_back(std::move(s));
    }
    if (!cg.populated()) return;
    cg.kill_all();
    for (auto& s : found) {
      s.t_killed_ms = clock.now_ms();
      out.push_back(std::move(s));
    }
  };
  for (const auto& l : leaves_) sweep(l);
  sweep(workload_);
  return out;
}

}  // namespace harness
