#include "host/host_backend.h"

#include <unistd.h>

#include <fmt/format.h>

#include "base/error.h"
#include "core/conductor.h"
#include "host/host_machine.h"
#include "host/machine_needs.h"

namespace harness {

void HostBackend::preflight(const Scenario& s) const {
  if (geteuid() != 0)
    throw EnvironmentError("the host backend needs root (loop devices, mounts, drop_caches): "
                           "run it with sudo, or use --backend vm");
  if (!s.mounts.empty() || !s.scratch.empty()) need_loop_control("mounts need loop devices", "use --backend vm");
  need_cgroup2();
  bool drops = false;
  auto scan = [&](const std::vector<Action>& actions) {
    for (const auto& a : actions) drops = drops || a.kind == ActionKind::drop_caches;
  };
  scan(s.setup);
  for (const auto& f : s.faults) scan(f.actions);
  if (drops) check_drop_caches_writable();
  for (const auto& img : s.images) need_mkfs(img.fs);
  for (const auto& sc : s.scratch) need_mkfs(sc.fs);
  for (const auto& sc : s.scratch)
    if (sc.io_errors) need_device_mapper(fmt::format("scratch {} has io_errors", sc.path));
  for (size_t i = 0; i < s.scratch.size(); ++i)
    if (s.scratch[i].power_cut && !scratch_devices_.count(i))
      throw Error(ErrorKind::invalid_scenario, fmt::format("scratch {}: \"power_cut\" needs the vm backend (--backend vm): qemu's blklogwrites "
                                      "records the disk's writes on the host side of a VM; the host backend cannot "
                                      "cut a filesystem's power",
                                      s.scratch[i].path));
}

RunRecord HostBackend::run(const Plan& plan, RunDir& run_dir, const RunObserver& observer) {
  const Scenario& s = plan.scenario;
  RunRecord rec = begin_record(s, run_dir, kind());
  rec.harness_pid = getpid();
  RunClock clock;
  RealTimer timer;
  HostMachine machine(s, run_dir, clock, prebuilt_, scratch_devices_, where_);
  Conductor(s, machine, clock, timer, observer, rec).run();
  return rec;
}

}  // namespace harness
