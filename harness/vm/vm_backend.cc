#include "vm/vm_backend.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <fmt/format.h>

#include "base/child.h"
#include "base/error.h"
#include "base/interrupt.h"
#include "base/system_info.h"
#include "core/durable_mark.h"
#include "core/installed_state.h"
#include "host/machine_needs.h"
#include "host/power_cut.h"
#include "core/run_failure.h"
#include "host/scenario_images.h"
#include "vm/accelerator.h"
#include "vm/boot_loop.h"
#include "vm/guest_artifacts.h"
#include "vm/guest_bundle.h"
#include "vm/guest_channel.h"
#include "vm/guest_files.h"
#include "vm/kernel_modules.h"
#include "vm/qemu_vm.h"
#include "vm/scratch_disk.h"
#include "vm/vm_cache.h"
#include "vm/vm_session.h"

namespace harness {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

// The drivers the guest loads: the virtio-mmio transport of microvm, its
// block disk and console, and loop for the scenario's mounts. No
// virtio-rng: the guest CPU has RDRAND (accel_qemu_args) and the kernel
// trusts it (kFastBootCmdline), so its CRNG is ready at boot and
// mkfs.ext4's getrandom() never waits; the driver cost ~80 ms of boot.
const std::vector<std::string> kGuestModules = {"virtio_mmio", "virtio_blk", "virtio_console", "loop"};

// Those, and device-mapper when a scratch filesystem's disk is to fail
// (io_errors): its `linear` and `error` targets are in dm-mod itself.
std::vector<std::string> guest_modules(const Scenario& s) {
  std::vector<std::string> m = kGuestModules;
  if (std::any_of(s.scratch.begin(), s.scratch.end(), [](const ScratchSpec& sc) { return sc.io_errors; }))
    m.push_back("dm_mod");
  return m;
}
// Crash points sampled between the flushes of a power-cut log.
constexpr unsigned kPowerCutBetween = 10;

// For each power-cut disk: its log replayed to every crash point, and the
// `installed` expectations inside it checked there (host/power_cut.h).
// Unless `not_judged` says why not: then no crash point, that reason.
void check_power_cuts(const Scenario& s, const std::vector<PowerCutDisk>& disks, const std::string& not_judged,
                      RunDir& run_dir, RunRecord& rec) {
  std::vector<FileState> versions;
  for (const auto& j : rec.files_evidence) {
    FileState f = file_state_from_json(j);
    if (f.moment == kMomentAfterFaults) versions.push_back(f);
  }
  std::random_device rd;
  for (const auto& d : disks) {
    PowerCutInput in;
    in.log = d.log;
    in.base_image = d.base;
    in.work = run_dir.work();
    in.scratch = d.scratch;
    in.fs = d.fs;
    in.installed = installed_inside(s.expect, d.scratch);
    in.versions = versions;
    in.mark_offset = durable_mark_offset(d.size_mib);
    in.mark = durable_mark_block(d.index, d.scratch);
    in.between = kPowerCutBetween;
    in.seed = (static_cast<uint64_t>(rd()) << 32) | rd();
    if (!not_judged.empty()) {
      json paths = json::array();
      for (const auto& e : in.installed) paths.push_back(e.path);
      rec.power_cut.push_back({{"scratch", d.scratch}, {"paths", paths}, {"error", not_judged}});
      continue;
    }
    rec.power_cut.push_back(check_power_cut(in));
  }
  std::error_code ec;
  for (const auto& d : disks) {
    fs::remove(d.image, ec);
    fs::remove(d.base, ec);
  }
}

}  // namespace

VmBackend::VmBackend(VmOptions opts) : opts_(std::move(opts)) {}

bool VmBackend::available() { return unavailable_reason().empty(); }

std::string VmBackend::unavailable_reason() {
  try {
    if (!find_program("qemu-system-x86_64")) return "qemu-system-x86_64 is not installed";
    find_guest_kernel(std::nullopt);
    if (!find_static_busybox()) return "no static busybox for the guest";
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

void VmBackend::preflight(const Scenario& s) const {
  if (!find_program("qemu-system-x86_64"))
    throw EnvironmentError("qemu-system-x86_64 not found: install qemu-system-x86 (apt-get install -y "
                           "qemu-system-x86), or use --backend host");
  GuestKernel k = find_guest_kernel(opts_.kernel);
  ModuleIndex::load(k.modules_dir).load_order(guest_modules(s));
  if (!find_static_busybox())
    throw EnvironmentError("no static busybox for the guest's /init: apt-get install -y busybox-static");
  need_mkfs("ext4", "the VM scratch disk");
  for (const auto& img : s.images) need_mkfs(img.fs);
  // What the scenario names must be able to come into the guest: a
  // mistake there is exit 2 now, not a missing file in the guest later.
  guest_files(s, default_plan_paths(s, fs::path()), opts_.untrusted ? &*opts_.untrusted : nullptr);
  for (const auto& sc : s.scratch) {
    if (sc.io_errors && !find_program("e2fsck"))
      throw EnvironmentError("e2fsck not found (the guest checks a disk after its I/O errors): apt-get install -y e2fsprogs");
    if (!sc.power_cut) continue;
    if (!find_program("e2fsck"))
      throw EnvironmentError("e2fsck not found (a power cut is checked with it on the host): apt-get install -y e2fsprogs");
    need_loop_control("a power cut's crash states are loop-mounted on the host", "leave power_cut out");
  }
  if (opts_.memory_mib < 128)
    throw EnvironmentError(fmt::format("--memory {} MiB is too little for a guest; use at least 128", opts_.memory_mib));
  AccelFacts f;
  f.requested = opts_.accel;
  f.kvm_usable = kvm_device_usable(&f.kvm_unusable_why);
  choose_accelerator(f);  // throws for an unusable explicit choice
}

RunRecord VmBackend::run(const Plan& plan, RunDir& run_dir, const RunObserver& observer) {
  const Scenario& s = plan.scenario;
  RunClock clock;
  RunRecord rec = begin_record(s, run_dir, kind());
  rec.environment["host_kernel"] = kernel_release();
  rec.environment["vm_memory_mib"] = opts_.memory_mib;
  auto phase = [&](const std::string& p) {
    if (observer.on_phase) observer.on_phase(p);
  };

  try {
    phase("vm prepare");
    GuestKernel kernel = find_guest_kernel(opts_.kernel);
    rec.environment["guest_kernel_image"] = kernel.image.string();
    auto qemu = find_program("qemu-system-x86_64");
    if (!qemu) throw EnvironmentError("qemu-system-x86_64 not found: apt-get install -y qemu-system-x86");
    std::string qver = qemu_version(*qemu);
    rec.environment["qemu_version"] = qver;
    auto busybox = find_static_busybox();
    if (!busybox) throw EnvironmentError("no static busybox: apt-get install -y busybox-static");

    GuestBundleSpec spec;
    std::error_code ec;
    spec.harness_exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw RuntimeError("cannot find the harness binary through /proc/self/exe: " + ec.message());
    // What the cache holds decides what runs in the guest: ours alone, 0700 (vm_cache.h).
    VmCache cache(opts_.cache_dir ? *opts_.cache_dir : default_vm_cache_dir(run_dir.path().parent_path()));
    spec.harness_copy = stripped_agent(spec.harness_exe, cache);
    spec.busybox = *busybox;
    spec.busybox_applets = busybox_applets(*busybox);
    spec.modules = ModuleIndex::load(kernel.modules_dir).load_order(guest_modules(s));

    bool hit = false;
    fs::path initrd = ensure_initramfs(build_guest_initramfs(spec), cache, hit);
    rec.environment["initramfs"] = initrd.string();
    rec.environment["initramfs_cache"] = hit ? "hit" : "miss";
    // The host files this scenario brings into the guest, and why: all of
    // them, listed (the security review's condition).
    std::vector<GuestFile> files = guest_files(s, plan.paths, opts_.untrusted ? &*opts_.untrusted : nullptr);
    json listed = json::array();
    for (const auto& f : files) listed.push_back({{"path", f.path.string()}, {"why", f.why}});
    rec.environment["guest_files"] = listed;
    if (opts_.untrusted) {
      json allowed = json::array();
      for (const auto& d : opts_.untrusted->allowed()) allowed.push_back(d.string());
      rec.environment["untrusted"] = {{"allow_host_paths", allowed}};
    }

    // The scenario's images and copies, built here and shipped on the
    // scratch disk at kGuestPrebuiltDir: mkfs.ext4 and a copy take ~25 ms
    // on the host and ~300 ms of emulated CPU in a TCG guest. Removed once
    // the VM has booted for good (a retry makes the disk again).
    fs::path scratch_root = run_dir.work() / "vm-scratch-root";
    // A RunDir makes its files beneath prebuilt/work: kGuestPrebuiltDir.
    std::optional<RunDir> prebuilt(std::in_place, scratch_root / "prebuilt");
    // Private before anything is copied in: the host files the scenario
    // names (a script beneath a 0700 home, an image's files) must not
    // become readable to other users through their copies here.
    if (chmod(scratch_root.c_str(), 0700) != 0)
      throw EnvironmentError(errno_message(scratch_root.string() + ": cannot make it private", errno));
    make_images_and_copies(s, *prebuilt, std::nullopt);
    // The run's own part (guest_bundle.h): the files above, and the agent's command line.
    const uint64_t bundle_bytes = write_guest_bundle(scratch_root, files, guest_run(spec, plan, files));
    fs::path scratch = run_dir.work() / "vm-scratch.img";
    make_scratch_disk(scratch, s, scratch_root, bundle_bytes);
    std::vector<PowerCutDisk> power_cuts = power_cut_disks(s, run_dir.work());
    make_power_cut_disks(power_cuts);

    std::string marker = new_channel_marker();
    VmConfig cfg;
    cfg.qemu = *qemu;
    cfg.initrd = initrd;
    cfg.memory_mib = opts_.memory_mib;
    cfg.disks = {scratch};
    for (const auto& d : power_cuts) cfg.logged_disks.push_back({d.image, d.log, 512});
    milliseconds run_within = std::chrono::duration_cast<milliseconds>(s.timeout) + opts_.finish_grace;

    BootPlan bp{opts_, kernel, cache, qver, marker, run_within, [&] {
                   make_scratch_disk(scratch, s, scratch_root, bundle_bytes);
                   make_power_cut_disks(power_cuts);
                 }};
    BootOutcome outcome = boot_until_settled(cfg, bp, observer, rec, run_dir);
    const BootResult& br = outcome.result;
    prebuilt.reset();
    fs::remove_all(scratch_root, ec);  // the bundle's copies: the disk has them
    rec.environment["accelerator_reason"] = outcome.decision.reason;
    rec.environment["vm_boot_ms"] = br.boot_ms;
    if (rec.environment.contains("guest_kernel")) rec.environment["kernel"] = rec.environment["guest_kernel"];

    switch (br.end) {
      case BootEnd::finished:
        if (!br.got_record && rec.error.empty()) rec.error = "the guest agent ended without a run record";
        if (br.got_record && br.record_execs != rec.execs.size() && rec.error.empty())
          rec.error = fmt::format("the event stream lost {} of {} exec events",
                                  br.record_execs - std::min<unsigned long>(br.record_execs, rec.execs.size()),
                                  br.record_execs);
        break;
      case BootEnd::timed_out:
        rec.timed_out = true;
        break;
      case BootEnd::interrupted:
      case BootEnd::guest_error:  // the error is in the record already
        break;
      case BootEnd::not_ready:
        throw RuntimeError(fmt::format("the guest did not become ready within {} ms (qemu {}); console: {}; qemu: {}",
                                       opts_.boot_deadline.count(), br.qemu_exit,
                                       tail_lines(run_dir.read_capped(cfg.console_log, 1 << 20), 6), br.qemu_stderr.substr(0, 500)));
      case BootEnd::qemu_exited:
        if (rec.error.empty())
          rec.error = fmt::format("qemu ended ({}) before the guest agent finished; console: {}; qemu: {}",
                                  br.qemu_exit, tail_lines(run_dir.read_capped(cfg.console_log, 1 << 20), 6), br.qemu_stderr.substr(0, 500));
        break;
    }
    if (!power_cuts.empty()) {
      phase("power cut: replaying the write log");
      // A run that stopped on an error decides nothing (its setup may
      // have failed before any fault): no crash point to show.
      check_power_cuts(s, power_cuts,
                       !(br.end == BootEnd::finished && br.got_record)
                           ? "the guest did not finish its run: its write log was not judged"
                       : !rec.error.empty() ? "the run stopped on an error: its write log was not judged"
                                            : "",
                       run_dir, rec);
    }
  } catch (...) {
    record_failure(rec, std::current_exception());
  }
  if (int sig = interrupted()) {
    rec.interrupted = true;
    if (rec.error.empty()) rec.error = interrupted_message(sig);
  }
  // The host backend returns execs in start order; the stream arrives in
  // completion order.
  std::stable_sort(rec.execs.begin(), rec.execs.end(),
                   [](const ExecEvent& a, const ExecEvent& b) { return a.t_ms < b.t_ms; });
  rec.duration_ms = clock.now_ms();
  return rec;
}

}  // namespace harness