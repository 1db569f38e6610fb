#include "vm/vm_backend.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/process.hpp>
#include <fmt/format.h>
#include <fstream>
#include <mutex>
#include <sstream>

#include "base/child.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/interrupt.h"
#include "base/system_info.h"
#include "vm/accelerator.h"
#include "vm/elf_deps.h"
#include "host/scenario_images.h"
#include "vm/guest_bundle.h"
#include "vm/guest_channel.h"
#include "vm/guest_init.h"
#include "vm/bzimage.h"
#include "vm/kernel_boot.h"
#include "vm/kernel_modules.h"
#include "vm/qemu_vm.h"
#include "vm/vm_cache.h"

namespace harness {

namespace fs = std::filesystem;
namespace bp = boost::process;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

// The drivers the guest loads: the virtio-mmio transport of microvm, its
// block disk and console, and loop for the scenario's mounts. No
// virtio-rng: the guest CPU has RDRAND (accel_qemu_args) and the kernel
// trusts it (kFastBootCmdline), so its CRNG is ready at boot and
// mkfs.ext4's getrandom() never waits; the driver cost ~80 ms of boot.
const std::vector<std::string> kGuestModules = {"virtio_mmio", "virtio_blk", "virtio_console", "loop"};
constexpr size_t kInitramfsCacheKeep = 8;
constexpr unsigned kBootRetries = 1;

std::vector<std::string> busybox_applets(const fs::path& busybox) {
  static std::mutex m;
  static std::map<fs::path, std::vector<std::string>> memo;
  std::lock_guard<std::mutex> lock(m);
  if (auto it = memo.find(busybox); it != memo.end()) return it->second;
  std::error_code ec;
  bp::ipstream out;
  bp::child c(busybox.string(), "--list", bp::std_out > out, bp::std_err > bp::null, bp::std_in < bp::null, ec);
  if (ec) throw EnvironmentError(fmt::format("{} --list: {}", busybox.string(), ec.message()));
  std::vector<std::string> applets;
  std::string line;
  while (std::getline(out, line))
    if (!line.empty()) applets.push_back(line);
  c.wait(ec);
  memo[busybox] = applets;
  return applets;
}

std::string first_line(const std::string& s) {
  std::string l = s.substr(0, s.find('\n'));
  return l.empty() ? "no message" : l;
}

std::string tail_of_file(const fs::path& p, size_t max_lines) {
  std::string all = read_file_capped(p, 1 << 20);
  std::vector<std::string> lines;
  std::istringstream in(all);
  std::string l;
  while (std::getline(in, l))
    if (!l.empty() && l != "\r") lines.push_back(l);
  std::string out;
  size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
  for (size_t i = from; i < lines.size(); ++i) out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

// A sparse raw disk with an ext4 holding `content` (mkfs.ext4 -d), big
// enough for every image and copy.
void make_scratch_disk(const fs::path& file, const Scenario& s, const fs::path& content) {
  unsigned long long total = 0, largest = 0;
  for (const auto& img : s.images) {
    total += img.size_mib;
    largest = std::max<unsigned long long>(largest, img.size_mib);
  }
  total += s.copies.size() * largest;
  unsigned long long mib = std::max<unsigned long long>(256, 2 * total + 128);
  std::error_code ec;
  fs::remove(file, ec);
  {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw EnvironmentError(errno_message(file.string() + ": cannot create the VM scratch disk", errno));
    int rc = ftruncate(fd, static_cast<off_t>(mib << 20));
    int err = errno;
    ::close(fd);
    if (rc != 0) throw EnvironmentError(errno_message(file.string() + ": cannot size the VM scratch disk", err));
  }
  auto mkfs = find_program("mkfs.ext4");
  if (!mkfs) throw EnvironmentError("mkfs.ext4 not found: install e2fsprogs (apt-get install -y e2fsprogs)");
  ChildOptions o;
  o.stderr_file = file.string() + ".mkfs.err";
  o.timeout = milliseconds(60000);
  // Inode tables written now, so no ext4lazyinit thread writes in the guest
  // while the scenario runs.
  auto r = run_child({mkfs->string(), "-q", "-F", "-L", "harness-scratch", "-E",
                      "nodiscard,lazy_itable_init=0,lazy_journal_init=0", "-d", content.string(), file.string()},
                     o);
  std::string err = read_file_capped(o.stderr_file, 2000);
  fs::remove(o.stderr_file, ec);
  if (!r.succeeded())
    throw RuntimeError(fmt::format("{}: mkfs.ext4 for the VM scratch disk ended {}: {}", file.string(),
                                   r.describe(), err));
}

// Writes the archive into the cache unless an identical one is there.
fs::path ensure_initramfs(const Initramfs& ir, const VmCache& cache, bool& hit) {
  fs::path file = cache.path("initramfs-" + ir.manifest_digest().substr(0, 24) + ".cpio");
  std::error_code ec;
  hit = fs::exists(file, ec);
  if (hit) {
    fs::last_write_time(file, fs::file_time_type::clock::now(), ec);  // most recently used
    return file;
  }
  CacheFile out(file);
  {
    std::ofstream os(out.temp(), std::ios::binary | std::ios::trunc);
    if (!os) throw EnvironmentError(fmt::format("{}: cannot write the guest initramfs", out.temp().string()));
    ir.write(os);
    os.flush();
    if (!os)
      throw EnvironmentError(fmt::format("{}: writing the guest initramfs failed (disk full?)", out.temp().string()));
  }
  out.commit();
  cache.prune("initramfs-", kInitramfsCacheKeep);
  return file;
}

// The agent binary for the guest: the harness without its debug info
// (a RelWithDebInfo build is mostly DWARF, and every byte of the initramfs
// is copied and unpacked by an emulated CPU at boot). Made with objcopy
// when binutils is installed and kept in the cache; otherwise the binary
// itself.
fs::path stripped_agent(const fs::path& exe, const VmCache& cache) {
  auto objcopy = find_program("objcopy");
  if (!objcopy) return exe;
  struct stat st {};
  if (stat(exe.c_str(), &st) != 0) return exe;
  Sha256 h;
  h.update(fmt::format("{}\t{}\t{}.{}\t{}", exe.string(), st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                       st.st_ino));
  fs::path out = cache.path("agent-" + h.hex_final().substr(0, 24));
  std::error_code ec;
  // Not touched on a hit: its mtime is part of the initramfs cache key.
  if (fs::exists(out, ec)) return out;
  CacheFile tmp(out);
  ChildOptions o;
  o.timeout = milliseconds(60000);
  auto r = run_child({objcopy->string(), "--strip-debug", exe.string(), tmp.temp().string()}, o);
  if (!r.succeeded()) return exe;
  // Not over a copy another run (-j) made meanwhile: replacing it would
  // change the mtime that keys that run's initramfs.
  try {
    tmp.commit(CacheFile::Commit::keep_existing);
  } catch (const EnvironmentError&) {
    return exe;
  }
  cache.prune("agent-", kInitramfsCacheKeep);
  return out;
}

std::mutex& accel_probe_mutex() {
  static std::mutex m;
  return m;
}

// How one boot ended.
enum class BootEnd { finished, qemu_exited, not_ready, timed_out, interrupted, guest_error };

struct BootResult {
  BootEnd end = BootEnd::qemu_exited;
  bool ready = false;
  bool got_record = false;
  double boot_ms = 0;
  std::string qemu_exit;
  std::string qemu_stderr;
  unsigned long record_execs = 0;
};

// One VM from start to power-off, collecting into `rec`.
class VmSession {
 public:
  VmSession(const VmConfig& cfg, std::string marker, const RunObserver& obs, RunRecord& rec, RunDir& dir)
      : cfg_(cfg), marker_(std::move(marker)), obs_(obs), rec_(rec), dir_(dir) {}

  // `ready_within`: how long to wait for the agent's ready line; after it,
  // `run_within` for the end line.
  BootResult run(milliseconds ready_within, milliseconds run_within, bool watch_for_kvm_errors) {
    BootResult res;
    Vm vm(cfg_);
    dir_.record_process("qemu", vm.pid());  // should we die, gc kills this qemu and no other
    auto t0 = MonoClock::now();
    auto deadline = t0 + ready_within;
    auto next_stderr_check = t0;
    ChannelReceiver receiver(marker_, rec_, obs_);
    std::string line;
    for (;;) {
      if (interrupted()) {
        vm.kill();
        res.end = BootEnd::interrupted;
        break;
      }
      auto r = vm.read_line(line, deadline);
      auto now = MonoClock::now();
      if (r == Vm::Read::line) {
        ChannelReceiver::Step step = receiver.take(line);
        if (step == ChannelReceiver::Step::ready) {
          res.ready = true;
          res.boot_ms = std::chrono::duration<double, std::milli>(now - t0).count();
          deadline = now + run_within;
          if (obs_.on_phase) obs_.on_phase("guest ready");
        } else if (step == ChannelReceiver::Step::end) {
          // Everything before "end" has been read: let the agent exit.
          vm.send_line(channel_line(marker_, {{"msg", "ack"}}));
          // /init powers off next; give it a moment, then make sure.
          if (!vm.wait_exit(MonoClock::now() + milliseconds(5000))) vm.kill();
          res.end = BootEnd::finished;
          break;
        }
        continue;
      }
      if (r == Vm::Read::too_long) {
        receiver.guest_error(fmt::format("a line of more than {} bytes on the event channel; the VM was stopped",
                                         kMaxChannelLineBytes));
        vm.kill();
        res.end = BootEnd::guest_error;
        break;
      }
      if (r == Vm::Read::closed) {
        vm.wait_exit(MonoClock::now() + milliseconds(5000));
        vm.kill();
        res.end = BootEnd::qemu_exited;
        break;
      }
      if (watch_for_kvm_errors && !res.ready && now >= next_stderr_check) {
        next_stderr_check = now + milliseconds(100);
        if (read_file_capped(cfg_.stderr_log, 64 * 1024).find("KVM internal error") != std::string::npos) {
          vm.kill();
          res.end = BootEnd::not_ready;
          break;
        }
      }
      if (now >= deadline) {
        vm.kill();
        res.end = res.ready ? BootEnd::timed_out : BootEnd::not_ready;
        break;
      }
    }
    vm.kill();
    res.got_record = receiver.got_record();
    res.record_execs = receiver.record_execs();
    res.qemu_exit = vm.describe_exit();
    res.qemu_stderr = read_file_capped(cfg_.stderr_log, 64 * 1024);
    return res;
  }

 private:
  const VmConfig& cfg_;
  std::string marker_;
  const RunObserver& obs_;
  RunRecord& rec_;
  RunDir& dir_;
};

}  // namespace

std::optional<fs::path> find_static_busybox() {
  for (const char* cand : {"/bin/busybox", "/usr/bin/busybox", "/sbin/busybox"}) {
    if (access(cand, X_OK) != 0) continue;
    try {
      if (!elf_interpreter(cand)) return fs::path(cand);
    } catch (const Error&) {
    }
  }
  return std::nullopt;
}

GuestKernel find_guest_kernel(const std::optional<fs::path>& explicit_image) {
  auto complete = [](const fs::path& image) -> std::optional<GuestKernel> {
    auto rel = kernel_release_of_image(image);
    if (!rel) {
      std::string f = image.filename().string();
      if (f.rfind("vmlinuz-", 0) == 0) rel = f.substr(8);
    }
    if (!rel) return std::nullopt;
    fs::path mods = fs::path("/lib/modules") / *rel;
    if (!fs::exists(mods / "modules.dep")) return std::nullopt;
    return GuestKernel{image, *rel, mods};
  };
  if (explicit_image) {
    if (access(explicit_image->c_str(), R_OK) != 0)
      throw EnvironmentError(errno_message(explicit_image->string() + ": cannot read the guest kernel", errno));
    auto k = complete(*explicit_image);
    if (!k)
      throw EnvironmentError(fmt::format("{}: no module tree for it under /lib/modules (its modules.dep is "
                                         "needed for virtio and loop)", explicit_image->string()));
    return *k;
  }
  std::vector<fs::path> images;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/boot", ec))
    if (e.path().filename().string().rfind("vmlinuz-", 0) == 0) images.push_back(e.path());
  std::sort(images.begin(), images.end(), [](const fs::path& a, const fs::path& b) {
    return strverscmp(a.filename().c_str(), b.filename().c_str()) > 0;
  });
  bool unreadable = false;
  for (const auto& img : images) {
    if (access(img.c_str(), R_OK) != 0) {
      unreadable = true;
      continue;
    }
    if (auto k = complete(img)) return *k;
  }
  if (unreadable)
    throw EnvironmentError("the guest kernel in /boot is not readable by this user: run as root, or pass "
                           "--kernel with a readable copy");
  throw EnvironmentError("no guest kernel: install one with apt-get install -y linux-image-cloud-amd64, or "
                         "pass --kernel PATH");
}

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
  ModuleIndex::load(k.modules_dir).load_order(kGuestModules);
  if (!find_static_busybox())
    throw EnvironmentError("no static busybox for the guest's /init: apt-get install -y busybox-static");
  if (!find_program("mkfs.ext4"))
    throw EnvironmentError("mkfs.ext4 not found (the VM scratch disk is ext4): apt-get install -y e2fsprogs");
  for (const auto& img : s.images)
    if (!find_program("mkfs." + img.fs))
      throw EnvironmentError(fmt::format("mkfs.{} not found: install e2fsprogs (apt-get install -y e2fsprogs)",
                                         img.fs));
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
  RunRecord rec = begin_record(s, run_dir, name());
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
    VmCache cache(opts_.cache_dir ? *opts_.cache_dir : run_dir.path().parent_path() / ".cache");
    spec.harness_copy = stripped_agent(spec.harness_exe, cache);
    spec.busybox = *busybox;
    spec.busybox_applets = busybox_applets(*busybox);
    spec.modules = ModuleIndex::load(kernel.modules_dir).load_order(kGuestModules);

    bool hit = false;
    fs::path initrd = ensure_initramfs(build_guest_initramfs(spec, plan), cache, hit);
    rec.environment["initramfs"] = initrd.string();
    rec.environment["initramfs_cache"] = hit ? "hit" : "miss";

    // The scenario's images and copies, built here and shipped on the
    // scratch disk at kGuestPrebuiltDir: mkfs.ext4 and a copy take ~25 ms
    // on the host and ~300 ms of emulated CPU in a TCG guest. Removed once
    // the VM has booted for good (a retry makes the disk again).
    fs::path scratch_root = run_dir.work() / "vm-scratch-root";
    // A RunDir makes its files beneath prebuilt/work: kGuestPrebuiltDir.
    std::optional<RunDir> prebuilt(std::in_place, scratch_root / "prebuilt");
    make_images_and_copies(s, *prebuilt, std::nullopt);
    fs::path scratch = run_dir.work() / "vm-scratch.img";
    make_scratch_disk(scratch, s, scratch_root);

    AccelCache accel_cache(cache.path("accelerator.json"));
    std::string cache_key = accel_cache_key(kernel_release(), qver);
    AccelFacts facts;
    facts.requested = opts_.accel;
    facts.kvm_usable = kvm_device_usable(&facts.kvm_unusable_why);
    // One KVM probe per machine: parallel runs (-j) wait for the first
    // run's probe and then read its decision from the cache.
    std::unique_lock<std::mutex> probe_lock(accel_probe_mutex());
    facts.cached = accel_cache.lookup(cache_key);
    AccelDecision decision = choose_accelerator(facts);
    if (!decision.probe) probe_lock.unlock();

    std::string marker = new_channel_marker();
    VmConfig cfg;
    cfg.qemu = *qemu;
    KernelBoot kboot = choose_kernel_boot(kernel.image, cache);
    cfg.initrd = initrd;
    cfg.memory_mib = opts_.memory_mib;
    cfg.disks = {scratch};
    cfg.console_log = run_dir.path() / "vm-console.log";
    cfg.stderr_log = run_dir.path() / "vm-qemu.log";
    milliseconds run_within = std::chrono::duration_cast<milliseconds>(s.timeout) + opts_.finish_grace;

    BootResult br;
    unsigned boot_retries = 0;
    fs::path config = fs::path("/boot") / ("config-" + kernel.release);
    // Before booting again: what the failed boot logged is not this run's,
    // and it may have mounted the scratch disk.
    auto reset_for_next_boot = [&] {
      rec.kernel_log = json::array();
      make_scratch_disk(scratch, s, scratch_root);
    };
    for (;;) {
      cfg.accel_args = accel_qemu_args(decision.accel, opts_.cpus);
      std::string timing;
      if (decision.accel == Accel::tcg) timing = tcg_timing_cmdline(measure_host_tsc_khz(), kernel_config_hz(config));
      // /init is the harness as PID 1 (guest_init.h).
      cfg.append = guest_kernel_cmdline({fmt::format("{}={}", kMarkerCmdlineKey, marker), timing}, kGuestInitCommand);
      cfg.kernel = kboot.image;
      rec.environment["guest_kernel_form"] = std::string(to_string(kboot.form));
      rec.environment["guest_kernel_form_reason"] = kboot.why;
      // Fresh logs per boot (a KVM probe's are folded into the reason).
      std::error_code rm_ec;
      fs::remove(cfg.console_log, rm_ec);
      fs::remove(cfg.stderr_log, rm_ec);
      unsigned cpus = decision.accel == Accel::tcg ? std::max(opts_.cpus, 2u) : std::max(opts_.cpus, 1u);
      rec.environment["vm_cpus"] = cpus;
      rec.environment["accelerator"] = std::string(to_string(decision.accel));
      phase(decision.probe ? "boot (kvm probe)" : "boot");
      VmSession session(cfg, marker, observer, rec, run_dir);
      milliseconds ready_within = decision.probe ? opts_.kvm_probe_deadline : opts_.boot_deadline;
      br = session.run(ready_within, run_within, decision.probe);
      if (decision.probe) {
        ProbeObservation o;
        o.ready = br.ready;
        o.exited = br.end == BootEnd::qemu_exited && !br.ready;
        o.exit_detail = br.qemu_exit;
        o.qemu_stderr = br.qemu_stderr;
        o.deadline = ready_within;
        auto failure = br.end == BootEnd::interrupted ? std::nullopt : probe_failure(o);
        if (failure && !br.ready) {
          decision = {Accel::tcg, *failure + "; fell back to TCG", false};
          accel_cache.store(cache_key, decision);
          if (probe_lock.owns_lock()) probe_lock.unlock();
          reset_for_next_boot();
          continue;
        }
        if (br.ready) {
          decision.reason = fmt::format("KVM probe: the guest was ready in {:.0f} ms", br.boot_ms);
          accel_cache.store(cache_key, AccelDecision{Accel::kvm, decision.reason, false});
        }
      }
      // A PVH vmlinux that did not bring the guest to /init: boot the
      // bzImage instead. Remembered only when qemu itself refused the
      // kernel (it exits non-zero at once). A guest that was merely not
      // ready in time may have met the rare TCG hang below, or a loaded
      // machine, which is no fault of the vmlinux: it gets the retry first.
      bool pvh_hung = br.end == BootEnd::not_ready && !decision.probe && boot_retries < kBootRetries;
      if (kboot.form == KernelForm::pvh_vmlinux && !br.ready && br.end != BootEnd::interrupted && !pvh_hung &&
          read_file_capped(cfg.console_log, 64 * 1024).find(kGuestInitConsolePrefix) == std::string::npos) {
        bool qemu_refused = br.end == BootEnd::qemu_exited && br.qemu_exit != "exit 0";
        std::string why = qemu_refused ? fmt::format("qemu {}: {}", br.qemu_exit, first_line(br.qemu_stderr))
                                       : fmt::format("the guest did not reach /init (qemu {})", br.qemu_exit);
        kboot = fall_back_to_bzimage(kboot, cache, why, qemu_refused);
        if (observer.on_phase) observer.on_phase("boot (the PVH vmlinux did not boot; booting the bzImage)");
        reset_for_next_boot();
        continue;
      }
      // A TCG guest very rarely hangs before its agent is up (seen once in
      // some 200 boots here, with an empty console). Nothing of the scenario
      // has run then, so one fresh VM is booted again; the report says so.
      if (br.end == BootEnd::not_ready && !decision.probe && boot_retries < kBootRetries) {
        ++boot_retries;
        std::string console = tail_of_file(cfg.console_log, 3);
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
    prebuilt.reset();
    rec.environment["accelerator_reason"] = decision.reason;
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
                                       tail_of_file(cfg.console_log, 6), br.qemu_stderr.substr(0, 500)));
      case BootEnd::qemu_exited:
        if (rec.error.empty())
          rec.error = fmt::format("qemu ended ({}) before the guest agent finished; console: {}; qemu: {}",
                                  br.qemu_exit, tail_of_file(cfg.console_log, 6), br.qemu_stderr.substr(0, 500));
        break;
    }
  } catch (const Error& e) {
    if (rec.error.empty()) rec.error = e.what();
    rec.environment_error = rec.environment_error || e.kind() == ErrorKind::environment;
  } catch (const std::exception& e) {
    if (rec.error.empty()) rec.error = e.what();
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
