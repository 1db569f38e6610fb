#include "vm/boot_loop.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "base/child.h"
#include "base/system_info.h"
#include "vm/guest_channel.h"
#include "vm/guest_init.h"
#include "vm/kernel_boot.h"

namespace harness {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr unsigned kBootRetries = 1;

std::mutex& accel_probe_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

NextBoot next_boot(const BootResult& br, bool probe, KernelForm form, unsigned retries_so_far,
                   const std::function<bool()>& reached_init) {
  // A PVH vmlinux that did not bring the guest to /init: boot the
  // bzImage instead. Remembered only when qemu itself refused the
  // kernel (it exits non-zero at once). A guest that was merely not
  // ready in time may have met the rare TCG hang below, or a loaded
  // machine, which is no fault of the vmlinux: it gets the retry first.
  bool pvh_hung = br.end == BootEnd::not_ready && !probe && retries_so_far < kBootRetries;
  if (form == KernelForm::pvh_vmlinux && !br.ready && br.end != BootEnd::interrupted && !pvh_hung && !reached_init())
    return NextBoot::bzimage;
  // A TCG guest very rarely hangs before its agent is up (seen once in
  // some 200 boots here, with an empty console). Nothing of the scenario
  // has run then, so one fresh VM is booted again; the report says so.
  if (br.end == BootEnd::not_ready && !probe && retries_so_far < kBootRetries) return NextBoot::retry;
  return NextBoot::settled;
}

BootOutcome boot_until_settled(VmConfig& cfg, const BootPlan& p, const RunObserver& observer, RunRecord& rec,
                               RunDir& run_dir) {
  AccelCache accel_cache(p.cache.path("accelerator.json"));
  std::string cache_key = accel_cache_key(kernel_release(), p.qemu_version);
  AccelFacts facts;
  facts.requested = p.opts.accel;
  facts.kvm_usable = kvm_device_usable(&facts.kvm_unusable_why);
  // One KVM probe per machine: parallel runs (-j) wait for the first
  // run's probe and then read its decision from the cache.
  std::unique_lock<std::mutex> probe_lock(accel_probe_mutex());
  facts.cached = accel_cache.lookup(cache_key);
  AccelDecision decision = choose_accelerator(facts);
  if (!decision.probe) probe_lock.unlock();

  KernelBoot kboot = choose_kernel_boot(p.kernel.image, p.cache);
  BootResult br;
  unsigned boot_retries = 0;
  fs::path config = fs::path("/boot") / ("config-" + p.kernel.release);
  // Before booting again: what the failed boot logged is not this run's,
  // and it may have mounted the scratch disk.
  auto reset_for_next_boot = [&] {
    rec.kernel_log = json::array();
    p.reset_disks();
  };
  for (;;) {
    cfg.accel_args = accel_qemu_args(decision.accel, p.opts.cpus);
    std::string timing;
    if (decision.accel == Accel::tcg) timing = tcg_timing_cmdline(measure_host_tsc_khz(), kernel_config_hz(config));
    // /init is the harness as PID 1 (guest_init.h).
    cfg.append = guest_kernel_cmdline({fmt::format("{}={}", kMarkerCmdlineKey, p.marker), timing}, kGuestInitCommand);
    cfg.kernel = kboot.image;
    rec.environment["guest_kernel_form"] = std::string(to_string(kboot.form));
    rec.environment["guest_kernel_form_reason"] = kboot.why;
    // Fresh logs per boot (a KVM probe's are folded into the reason):
    // the session creates them anew.
    unsigned cpus = decision.accel == Accel::tcg ? std::max(p.opts.cpus, 2u) : std::max(p.opts.cpus, 1u);
    rec.environment["vm_cpus"] = cpus;
    rec.environment["accelerator"] = std::string(to_string(decision.accel));
    rec.environment["accelerator_decided_by"] = std::string(to_string(decision.decided_by));
    if (observer.on_phase) observer.on_phase(decision.probe ? "boot (kvm probe)" : "boot");
    VmSession session(cfg, p.marker, observer, rec, run_dir);
    milliseconds ready_within = decision.probe ? p.opts.kvm_probe_deadline : p.opts.boot_deadline;
    br = session.run(ready_within, p.run_within, decision.probe);
    if (decision.probe) {
      ProbeObservation o;
      o.ready = br.ready;
      o.exited = br.end == BootEnd::qemu_exited && !br.ready;
      o.exit_detail = br.qemu_exit;
      o.qemu_stderr = br.qemu_stderr;
      o.deadline = ready_within;
      auto failure = br.end == BootEnd::interrupted ? std::nullopt : probe_failure(o);
      if (failure && !br.ready) {
        decision = {Accel::tcg, *failure + "; fell back to TCG", false, AccelDecidedBy::probe_failed};
        accel_cache.store(cache_key, decision);
        if (probe_lock.owns_lock()) probe_lock.unlock();
        reset_for_next_boot();
        continue;
      }
      if (br.ready) {
        decision.reason = fmt::format("KVM probe: the guest was ready in {:.0f} ms", br.boot_ms);
        accel_cache.store(cache_key, AccelDecision{Accel::kvm, decision.reason, false, AccelDecidedBy::probe_ok});
      }
    }
    NextBoot next = next_boot(br, decision.probe, kboot.form, boot_retries, [&] {
      return run_dir.read_capped(cfg.console_log, 64 * 1024).find(kGuestInitConsolePrefix) != std::string::npos;
    });
    if (next == NextBoot::bzimage) {
      bool qemu_refused = br.end == BootEnd::qemu_exited && br.qemu_exit != "exit 0";
      std::string why = qemu_refused ? fmt::format("qemu {}: {}", br.qemu_exit, first_line(br.qemu_stderr))
                                     : fmt::format("the guest did not reach /init (qemu {})", br.qemu_exit);
      kboot = fall_back_to_bzimage(kboot, p.cache, why, qemu_refused);
      if (observer.on_phase) observer.on_phase("boot (the PVH vmlinux did not boot; booting the bzImage)");
      reset_for_next_boot();
      continue;
    }
    if (next == NextBoot::retry) {
      ++boot_retries;
      std::string console = tail_lines(run_dir.read_capped(cfg.console_log, 1 << 20), 3);
      rec.environment["vm_boot_retries"] = boot_retries;
      rec.environment["vm_boot_retry_reason"] =
          fmt::format("the guest was not ready within {} ms (qemu {}; console: {})", ready_within.count(),
                      br.qemu_exit, console.empty() ? "empty" : console);
      if (observer.on_phase) observer.on_phase("boot (retry: the guest did not become ready)");
      reset_for_next_boot();
      continue;
    }
    break;
  }
  return {br, decision};
}

}  // namespace harness
