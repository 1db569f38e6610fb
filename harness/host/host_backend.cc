#include "host/machine_needs.h"
#include "host/host_backend.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <ctime>
#include <fmt/format.h>
#include <mutex>
#include <system_error>
#include <thread>

#include "base/child.h"
#include "base/error.h"
#include "base/interrupt.h"
#include "core/early_stop.h"
#include "core/installed_state.h"
#include "core/scenario_checks.h"
#include "core/sizing.h"
#include "host/destination_watch.h"
#include "host/evidence.h"
#include "host/fault.h"
#include "host/image.h"
#include "host/installed_files.h"
#include "host/scenario_images.h"
#include "host/loop_device.h"
#include "host/mount.h"
#include "core/writer_origin.h"
#include "host/run_cgroups.h"
#include "host/offers.h"
#include "host/run_failure.h"
#include "host/scratch_filesystems.h"
#include "host/workload.h"

namespace harness {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

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

namespace {

// One run's moving parts, torn down in reverse order by their destructors.
class HostRun {
 public:
  HostRun(const Plan& plan, RunDir& dir, const RunObserver& obs, RunRecord& rec,
          std::optional<fs::path> prebuilt, std::map<size_t, fs::path> scratch_devices, MissingWhere where)
      : plan_(plan), s_(plan.scenario), dir_(dir), obs_(obs), rec_(rec), prebuilt_(std::move(prebuilt)),
        scratch_devices_(std::move(scratch_devices)), where_(where) {}

  void execute() {
    // From the start: the process events of setup actions and faults must
    // be followed as they happen.
    evidence_.emplace(clock_);
    evidence_->watch_execs(program_locations());
    // Before anything is started: every process of the run lives in it.
    cgroups_.emplace(need_cgroup2(), dir_);
    phase("setup");
    make_images_and_copies(s_, dir_, prebuilt_, [this](const BuiltImage& b) {
      rec_.images.push_back(ImageRecord{b.name, b.path, b.size_bytes, b.fs});
      check_stop();
    });
    for (size_t i = 0; i < s_.scratch.size(); ++i) {
      if (auto dev = scratch_devices_.find(i); dev != scratch_devices_.end()) {
        // A disk the vm backend made (and logs): the filesystem is on it already.
        unsigned long long bytes = scratch_.mount_device(s_.scratch[i], i, dev->second, dir_);
        rec_.images.push_back(ImageRecord{fmt::format("scratch-{}", i + 1), dev->second.string(), bytes, s_.scratch[i].fs});
        continue;
      }
      BuiltImage b = ScratchFilesystems::build(s_.scratch[i], i, dir_);
      rec_.images.push_back(ImageRecord{b.name, b.path, b.size_bytes, b.fs});
      scratch_.mount(s_.scratch[i], b, dir_);
    }
    FaultContext ctx{dir_, clock_, {}, &stop_, "setup", &running_, nullptr, where_};
    ctx.cgroups = &*cgroups_;
    ctx.wait_for_background = true;  // nothing of setup runs on into the faults
    for (const auto& a : s_.setup) {
      for (FaultEvent& ev : perform(a, ctx)) {
        ev.fault = "setup";
        bool ok = ev.ok;
        std::string what =
            failure_line(fmt::format("setup action {}{}", ev.action, ev.label.empty() ? "" : " (" + ev.label + ")"), ev);
        push_fault(std::move(ev));
        if (!ok) throw RuntimeError(what);
      }
      check_stop();
    }
    // Crash points of a power cut start once the setup's install is durable.
    for (FaultEvent& ev : scratch_.make_setups_durable(clock_)) push_fault(std::move(ev));
    check_mounted_images(s_, dir_);
    for (const auto& m : s_.mounts) {
      dir_.make_dirs(m.mountpoint);
      std::string fstype = "ext4";
      for (const auto& img : s_.images)
        if (img.path == m.image) fstype = img.fs;
      // libmount opens the image by path and follows symlinks; a setup step
      // may have planted one. Open it beneath work/ first (refusing links,
      // and an image inside a mounted image: it could be crafted by anyone
      // who made the outer one) and check afterwards that the loop device
      // holds that very file.
      struct stat img_st {};
      ScopedFd img = open_image(m.image);
      fstat(img.get(), &img_st);
      // Watched before it is mounted, so that no write while mounted can
      // slip past.
      evidence_->watch_image(m.image, dir_.absolute(m.image), std::move(img));
      try {
        mounts_.push_back(Mount::loop_mount(dir_.absolute(m.image), dir_.absolute(m.mountpoint),
                                            m.options, fstype));
      } catch (const RuntimeError& e) {
        // libmount words a failed loop attach as whatever mount(2) said
        // next ("Operation not permitted"); if no loop device holds the
        // image, the machine had none to give.
        if (!file_on_a_loop_device(img_st.st_dev, img_st.st_ino))
          throw EnvironmentError(fmt::format("{}; no loop device could be attached to it: check that "
                                             "`losetup -f` finds a free loop device (modprobe loop, or "
                                             "free one with `harness gc`)",
                                             e.what()));
        throw;
      }
      const auto& st = *mounts_.back().loop().status();
      if (st.backing_dev != img_st.st_dev || st.backing_inode != img_st.st_ino)
        throw RuntimeError(fmt::format("{}: the loop device holds another file than the one checked "
                                       "(replaced during mount?); refusing it",
                                       m.image));
      // Should we die here, gc detaches this device, and no other.
      dir_.record_loop_device(st.device, st.backing_dev, st.backing_inode);
      rec_.mounts.push_back(MountRecord{m.image, m.mountpoint, m.options, st.device,
                                        static_cast<unsigned long long>(st.backing_dev),
                                        static_cast<unsigned long long>(st.backing_inode),
                                        st.autoclear, mounts_.back().effective_options()});
      evidence_->mounted(m.image, rec_.mounts.back());
    }
    sample_workload_binary();
    evidence_->snapshot("mounted");
    watch_destinations();
    check_stop();

    Workload workload(s_.workload.argv, s_.workload.exec_timeout, clock_, &cgroups_->workload());
    CalibratedSize size{s_.workload.duration, "", ""};
    if (s_.workload.warmup > 0) {
      phase("warmup");
      WorkloadLimits warm;
      warm.iterations = s_.workload.warmup;
      auto warm_execs = workload.run(1, ExecPhase::warmup, warm, stop_, progress(), exec_sink());
      push_execs(warm_execs);
      check_stop();
      check_workload_started(s_, warm_execs);  // a missing program: exit 2 before any fault
      rec_.workload_missing = diagnose_workload(workload, warm_execs, dir_, where_);
      // A workload that fails by itself makes any verdict inconclusive:
      // running the faults would only add noise.
      if (s_.early_stop && std::any_of(warm_execs.begin(), warm_execs.end(),
                                       [](const ExecEvent& e) { return is_abnormal(e.outcome.cls); })) {
        record_early_stop("the workload fails without any fault, so the faults were not run");
        teardown();
        return;
      }
      if (s_.calibrate) size = calibrate(warm_execs);
    }

    // One snapshot for all faults, taken before any starts, so that
    // hashing the image never delays a fault's schedule.
    evidence_->snapshot("before faults");
    phase("faults");
    auto fault_start = MonoClock::now();
    std::atomic<bool> workload_done{false};
    std::vector<std::thread> fault_threads;
    for (const auto& f : s_.faults)
      fault_threads.emplace_back([&, fault = &f] { run_fault(*fault, fault_start, workload_done); });
    WorkloadLimits limits;
    limits.iterations = s_.workload.iterations;
    // `iterations` are execs under fault: those after the first fault action
    // started (a scenario without faults counts them all).
    if (!s_.faults.empty()) limits.count_from = &fault_acted_;
    if (size.duration) limits.deadline = fault_start + *size.duration;
    std::vector<ExecEvent> execs;
    try {
      execs = workload.run(s_.workload.concurrency, ExecPhase::fault, limits, stop_, progress(),
                           exec_sink());
    } catch (...) {
      workload_done = true;
      for (auto& t : fault_threads) t.join();
      throw;
    }
    workload_done = true;
    for (auto& t : fault_threads) t.join();
    push_execs(execs);
    teardown(true);
  }

  // The workload's time as the time left affords it (a VM run of a
  // scenario without a "vm" block), said in the report's sizing.
  CalibratedSize calibrate(const std::vector<ExecEvent>& warm) {
    double total = 0;
    for (const auto& e : warm) total += e.dur_ms;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(s_.timeout) -
                std::chrono::milliseconds(static_cast<long>(clock_.now_ms()));
    CalibratedSize size = calibrate_workload(s_.workload, left, total / static_cast<double>(warm.size()),
                                             std::max(1u, std::thread::hardware_concurrency()));
    if (!size.sizing.empty()) {
      std::string before = rec_.environment.value("sizing", "");
      rec_.environment["sizing"] = before.empty() ? size.sizing : before + "; " + size.sizing;
      rec_.environment["sizing_hint"] = size.hint;
    }
    return size;
  }

  void teardown(bool faults_ran = false) {
    phase("teardown");
    // The faults are over: background work still running is killed now,
    // while the images are still mounted and watched.
    record_survivors();
    finish_destinations();
    evidence_->snapshot("end");
    // The sampler holds files inside the mounts; the image watches end
    // after the unmount, so every write while mounted was seen.
    evidence_->stop_sampling_mounted_files();
    const bool repair = faults_ran && scratch_.has_failed_disks();
    if (faults_ran && !repair) record_files(kMomentAfterFaults);
    for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) it->unmount();
    mounts_.clear();
    // Writes from here on are not writes while mounted.
    evidence_->unwatch_all();
    if (repair) {
      // A disk that failed under an io_error is repaired first (it answers
      // again, e2fsck, mounted again), and the files are judged as the
      // operator would find them then. The recorder holds image files
      // (perhaps on that disk): done first.
      finish_evidence();
      // Not the run's stop flag: a verdict decided early must not cut the
      // check short (e2fsck has its own one-minute bound).
      for (FaultEvent& ev : scratch_.recover_failed_disks(dir_, clock_, nullptr)) push_fault(std::move(ev));
      record_files(kMomentAfterFaults);
    }
    // The operator's next install, once nothing is mounted: does it converge?
    if (faults_ran && !s_.finally.empty() && !stop_ && !interrupted()) {
      phase("finally");
      FaultContext ctx{dir_, clock_, {}, &stop_, "finally", &running_, nullptr, where_};
      ctx.cgroups = &*cgroups_;
      ctx.wait_for_background = true;  // its files are judged once all of it is done
      for (const auto& a : s_.finally)
        for (FaultEvent& ev : perform(a, ctx)) {
          ev.fault = "finally";
          push_fault(std::move(ev));
        }
      record_files(kMomentEnd);
    }
    // The recorder holds files on the scratch filesystems.
    finish_evidence();
    scratch_.unmount();
  }

  // What the installers do in the folders they install into, and how full
  // the scratch filesystems get, from now until the faults end; and which
  // versions the faults offer (core/exercise.h judges from these whether
  // each fault had a chance to do harm).
  void watch_destinations() {
    std::lock_guard<std::mutex> lock(mu_);
    rec_.offers = find_offers(s_, dir_);
    destinations_.emplace(clock_);
    auto parent = [](const std::string& p) { return fs::path(p).parent_path().string(); };
    for (const auto& d : destination_paths(s_)) destinations_->watch_folder(dir_, parent(d));
    for (const auto& e : s_.expect)
      if (e.kind == ExpectationKind::installed)
        for (const auto& sc : e.sidecars) destinations_->watch_folder(dir_, parent(sc));
    for (const auto& sc : s_.scratch) {
      if (sc.enospc) destinations_->watch_folder(dir_, sc.path);
      destinations_->sample_space(dir_, sc.path, sc.enospc);
    }
    destinations_->start();
  }

  // Into the record; its descriptors of the scratch filesystems are closed,
  // so they can be unmounted. Safe to call twice.
  void finish_destinations() {
    if (!destinations_) return;
    DestinationActivity a = destinations_->take_activity();
    std::vector<ScratchSpace> space = destinations_->take_space();
    destinations_.reset();
    std::lock_guard<std::mutex> lock(mu_);
    rec_.destination = std::move(a);
    rec_.scratch_space = std::move(space);
  }

  // Stops the evidence recorder (it holds files inside the mounts) and
  // moves what it gathered into the record. Safe to call twice.
  void finish_evidence() {
    finish_destinations();
    if (!evidence_) return;
    evidence_->stop();
    evidence_->flush_into(rec_);
    evidence_.reset();
  }

  // The scenario's wall-clock limit passed: stop everything; the verdict
  // will be `timeout`.
  void stop_for_timeout() {
    timed_out_ = true;
    stop_ = true;
  }
  bool timed_out() const { return timed_out_; }
  const RunClock& clock() const { return clock_; }

 private:
  // Where the programs that might write an image live: each run action's
  // program, the declared programs, and every directory of PATH (what an
  // installer script calls). In a guest they are on the bundle's disk.
  std::vector<std::string> program_locations() const {
    std::vector<std::string> out{"/", "/usr"};
    if (const char* path = std::getenv("PATH")) {
      std::string p = path;
      for (size_t b = 0, e; b <= p.size(); b = e + 1) {
        e = p.find(':', b);
        if (e == std::string::npos) e = p.size();
        if (e > b) out.push_back(p.substr(b, e - b));
      }
    }
    auto add_argv0 = [&](const Action& a) {
      if (a.kind == ActionKind::run && !a.argv.empty() && a.argv[0].front() == '/') out.push_back(a.argv[0]);
    };
    for (const auto& a : s_.setup) add_argv0(a);
    for (const auto& a : s_.finally) add_argv0(a);
    for (const auto& f : s_.faults)
      for (const auto& a : f.actions) add_argv0(a);
    for (const auto& p : s_.programs)
      if (p.front() == '/') out.push_back(p);
    return out;
  }

  // An image to mount, opened without crossing a mount: beneath work/, or
  // beneath a scratch filesystem the run made itself.
  ScopedFd open_image(const std::string& image) {
    if (auto fd = scratch_.open_beneath(image)) return std::move(*fd);
    return dir_.open_without_crossing_mounts(image, O_RDONLY);
  }

  // Kills what the faults' run actions (and the workload's execs) left
  // running, and records it with the action each came from.
  void record_survivors() {
    std::vector<Survivor> found = cgroups_->kill_background(clock_);
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& s : found) {
      if (s.cgroup == cgroups_->workload().place().proc_path) s.fault = "workload";
      for (const auto& f : rec_.faults)
        if (f.action == "run" && !f.cgroup.empty() && f.cgroup == s.cgroup) {
          s.fault = f.fault;
          s.fire = f.fire;
          s.action_pid = f.pid;
          s.action = action_phrase(f);
        }
      rec_.survivors.push_back(std::move(s));
    }
  }

  // The files `installed` expectations judge, as they are now.
  void record_files(const char* moment) {
    for (const auto& path : paths_to_record(s_.expect)) {
      FileState f = read_file_state(dir_, path, moment);
      std::lock_guard<std::mutex> lock(mu_);
      rec_.files_evidence.push_back(to_json(f));
    }
  }

  // The workload binary, when it lives on a mounted image.
  void sample_workload_binary() {
    const std::string& prog = s_.workload.argv.at(0);
    if (!prog.empty() && prog.front() == '/' && access(prog.c_str(), R_OK) == 0)
      evidence_->sample_file(fs::path(prog).lexically_relative(dir_.work()).string(), prog);
  }

  void phase(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    rec_.phases.push_back(PhaseEvent{name, clock_.now_ms()});
    if (obs_.on_phase) obs_.on_phase(name);
    if (obs_.on_event) obs_.on_event(to_json(rec_.phases.back()));
  }

  void push_fault(FaultEvent ev) {
    std::lock_guard<std::mutex> lock(mu_);
    if (obs_.on_event) obs_.on_event(to_json(ev));
    if (ev.fault != "setup") {
      ++live_.outcomes[{ev.fault, ev.action, ev.outcome}];
      rec_.faults.push_back(std::move(ev));
      decide_early_locked();
      return;
    }
    rec_.faults.push_back(std::move(ev));
  }

  void push_execs(const std::vector<ExecEvent>& execs) {
    std::lock_guard<std::mutex> lock(mu_);
    rec_.execs.insert(rec_.execs.end(), execs.begin(), execs.end());
  }

  // Each exec as it completes (workers call this): streamed, and counted
  // toward deciding the verdict early.
  std::function<void(const ExecEvent&)> exec_sink() {
    return [this](const ExecEvent& e) {
      std::lock_guard<std::mutex> lock(mu_);
      if (obs_.on_event) obs_.on_event(to_json(e));
      if (e.phase == ExecPhase::fault && first_action_ms_ >= 0 && e.t_ms >= first_action_ms_) {
        live_.under_fault.add(e.outcome.cls);
        decide_early_locked();
      }
    };
  }

  // A fault action started: from the first one on, execs are under fault.
  void action_started(const std::string& fault) {
    std::lock_guard<std::mutex> lock(mu_);
    if (first_action_ms_ < 0) first_action_ms_ = clock_.now_ms();
    live_.faults_fired.insert(fault);
    fault_acted_ = true;
  }

  // Stops the run as soon as its verdict is decided (core/early_stop.h).
  void decide_early_locked() {
    if (!s_.early_stop || stop_) return;
    live_.images_written = evidence_->images_written();
    StopDecision d = decided(s_, live_);
    if (!d.stop) return;
    rec_.stopped_early = d.why;
    rec_.stopped_early_ms = clock_.now_ms();
    stop_ = true;
  }

  void record_early_stop(const std::string& why) {
    std::lock_guard<std::mutex> lock(mu_);
    rec_.stopped_early = why;
    rec_.stopped_early_ms = clock_.now_ms();
  }

  WorkloadProgress& progress() { return obs_.progress ? *obs_.progress : own_progress_; }

  void check_stop() {
    if (interrupted() || timed_out_) throw Interrupted{};
  }

  bool stopping(const std::atomic<bool>& done) const { return done || stop_ || interrupted(); }

  void run_fault(const FaultSpec& f, MonoClock::time_point start, const std::atomic<bool>& done) {
    FaultContext ctx{dir_, clock_, [this, &f] { action_started(f.name); }, &stop_, f.name, &running_, &scratch_, where_};
    ctx.cgroups = &*cgroups_;
    ctx.destinations = destinations_ ? &*destinations_ : nullptr;
    milliseconds prev_start{0}, prev_end{0};
    auto since = [&] {
      return std::chrono::duration_cast<milliseconds>(MonoClock::now() - start);
    };
    bool fired = false;
    for (unsigned fire = 0;; ++fire) {
      auto next = f.schedule.next_start(fire, prev_start, prev_end);
      if (!next) break;
      while (since() < *next && !stopping(done)) {
        auto left = *next - since();
        std::this_thread::sleep_for(std::min(left, milliseconds(5)));
      }
      if (stopping(done)) break;
      fired = true;
      prev_start = since();
      for (const auto& a : f.actions) {
        for (FaultEvent& ev : perform(a, ctx)) {
          ev.fault = f.name;
          ev.fire = fire;
          push_fault(std::move(ev));
        }
        if (interrupted() || stop_) break;
      }
      prev_end = since();
    }
    if (fired && !interrupted() && !timed_out_) evidence_->snapshot("after " + f.name);
  }

 public:
  struct Interrupted {};

 private:
  const Plan& plan_;
  const Scenario& s_;
  RunDir& dir_;
  const RunObserver& obs_;
  RunRecord& rec_;
  std::optional<fs::path> prebuilt_;
  std::map<size_t, fs::path> scratch_devices_;
  MissingWhere where_;
  RunClock clock_;
  std::mutex mu_;
  // Set when the run must stop early: its verdict is decided, or it timed out.
  std::atomic<bool> stop_{false};
  std::atomic<bool> timed_out_{false};
  std::atomic<bool> fault_acted_{false};
  // Under mu_: what the early-stop decision sees.
  LiveEvidence live_;
  double first_action_ms_ = -1;
  WorkloadProgress own_progress_;
  RunningActions running_;
  // Scratch filesystems outlive the image mounts (an image may lie on one).
  ScratchFilesystems scratch_;
  std::vector<Mount> mounts_;
  // Declared after the mounts: whatever the run started is killed before
  // they are undone.
  std::optional<RunCgroups> cgroups_;
  // Declared after mounts_: destroyed first, releasing its files in them.
  std::optional<EvidenceRecorder> evidence_;
  std::optional<DestinationWatch> destinations_;
};

}  // namespace

RunRecord HostBackend::run(const Plan& plan, RunDir& run_dir, const RunObserver& observer) {
  const Scenario& s = plan.scenario;
  RunRecord rec = begin_record(s, run_dir, kind());
  rec.harness_pid = getpid();

  HostRun hr(plan, run_dir, observer, rec, prebuilt_, scratch_devices_, where_);
  // The scenario's wall-clock limit: past it, everything stops and the
  // verdict is `timeout`.
  std::mutex m;
  std::condition_variable cv;
  bool finished = false;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(m);
    if (!cv.wait_for(lock, s.timeout, [&] { return finished; })) hr.stop_for_timeout();
  });
  try {
    hr.execute();
    hr.finish_evidence();
  } catch (const HostRun::Interrupted&) {
  } catch (...) {
    record_failure(rec, std::current_exception());
  }
  try {
    hr.finish_evidence();
  } catch (const std::exception& e) {
    if (rec.error.empty()) rec.error = e.what();
  }
  {
    std::lock_guard<std::mutex> lock(m);
    finished = true;
  }
  cv.notify_all();
  watchdog.join();
  rec.timed_out = hr.timed_out();
  if (int sig = interrupted()) {
    rec.interrupted = true;
    if (rec.error.empty()) rec.error = interrupted_message(sig);
  }
  rec.duration_ms = hr.clock().now_ms();
  return rec;
}

}  // namespace harness
