#include "core/conductor.h"

#include <algorithm>
#include <fmt/format.h>
#include <thread>

#include "base/error.h"
#include "base/interrupt.h"
#include "core/installed_state.h"
#include "core/run_failure.h"
#include "core/scenario_checks.h"
#include "core/writer_origin.h"

namespace harness {

using std::chrono::milliseconds;

Conductor::Conductor(const Scenario& s, RunMachine& machine, const RunClock& clock, RunTimer& timer,
                     const RunObserver& observer, RunRecord& rec)
    : s_(s), m_(machine), clock_(clock), timer_(timer), obs_(observer), rec_(rec) {}

void Conductor::run() {
  // The scenario's wall-clock limit: past it, everything stops and the
  // verdict is `timeout`.
  timer_.arm(std::chrono::duration_cast<milliseconds>(s_.timeout), [this] {
    timed_out_ = true;
    stop_ = true;
  });
  try {
    execute();
    finish_evidence();
  } catch (const Stopped&) {
  } catch (...) {
    record_failure(rec_, std::current_exception());
  }
  try {
    finish_evidence();
  } catch (const std::exception& e) {
    if (rec_.error.empty()) rec_.error = e.what();
  }
  timer_.disarm();
  rec_.timed_out = timed_out_;
  if (int sig = interrupted()) {
    rec_.interrupted = true;
    if (rec_.error.empty()) rec_.error = interrupted_message(sig);
  }
  rec_.duration_ms = clock_.now_ms();
}

void Conductor::execute() {
  m_.start_watching();
  phase("setup");
  setup();
  mount_all();
  m_.sample_workload();
  m_.snapshot("mounted");
  {
    std::vector<Offer> offers = m_.watch_destinations();
    std::lock_guard<std::mutex> lock(mu_);
    rec_.offers = std::move(offers);
  }
  check_stop();

  CalibratedSize size{s_.workload.duration, "", ""};
  if (s_.workload.warmup > 0) {
    phase("warmup");
    ExecBatch warm;
    warm.phase = ExecPhase::warmup;
    warm.iterations = s_.workload.warmup;
    auto warm_execs = m_.run_execs(warm, stop_, progress(), exec_sink());
    push_execs(warm_execs);
    check_stop();
    check_workload_started(s_, warm_execs);  // a missing program: exit 2 before any fault
    rec_.workload_missing = m_.diagnose_missing(warm_execs);
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
  faults(size);
  teardown(true);
}

void Conductor::setup() {
  m_.make_images([this](ImageRecord img) {
    rec_.images.push_back(std::move(img));
    check_stop();
  });
  ActionScope scope{ActionPhase::setup, "setup", {}, &stop_};
  for (const auto& a : s_.setup) {
    for (FaultEvent& ev : m_.perform(a, scope)) {
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
  for (FaultEvent& ev : m_.make_setups_durable()) push_fault(std::move(ev));
}

void Conductor::mount_all() {
  m_.check_images();
  for (const auto& m : s_.mounts) {
    MountRecord rec = m_.mount(m);
    std::lock_guard<std::mutex> lock(mu_);
    rec_.mounts.push_back(std::move(rec));
  }
}

void Conductor::faults(const CalibratedSize& size) {
  // One snapshot for all faults, taken before any starts, so that hashing
  // the image never delays a fault's schedule.
  m_.snapshot("before faults");
  phase("faults");
  const double fault_start = clock_.now_ms();
  std::atomic<bool> workload_done{false};
  std::vector<std::thread> fault_threads;
  for (const auto& f : s_.faults)
    fault_threads.emplace_back([&, fault = &f] { run_fault(*fault, fault_start, workload_done); });
  ExecBatch batch;
  batch.concurrency = s_.workload.concurrency;
  batch.iterations = s_.workload.iterations;
  // `iterations` are execs under fault: those after the first fault action
  // started (a scenario without faults counts them all).
  if (!s_.faults.empty()) batch.count_from = &fault_acted_;
  batch.duration = size.duration;
  std::vector<ExecEvent> execs;
  try {
    execs = m_.run_execs(batch, stop_, progress(), exec_sink());
  } catch (...) {
    workload_done = true;
    for (auto& t : fault_threads) t.join();
    throw;
  }
  workload_done = true;
  for (auto& t : fault_threads) t.join();
  push_execs(execs);
}

// The workload's time as the time left affords it (a VM run of a
// scenario without a "vm" block), said in the report's sizing.
CalibratedSize Conductor::calibrate(const std::vector<ExecEvent>& warm) {
  double total = 0;
  for (const auto& e : warm) total += e.dur_ms;
  auto left = std::chrono::duration_cast<milliseconds>(s_.timeout) - milliseconds(static_cast<long>(clock_.now_ms()));
  CalibratedSize size = calibrate_workload(s_.workload, left, total / static_cast<double>(warm.size()),
                                           std::max(1u, std::thread::hardware_concurrency()));
  if (!size.sizing.empty()) {
    std::string before = rec_.environment.value("sizing", "");
    rec_.environment["sizing"] = before.empty() ? size.sizing : before + "; " + size.sizing;
    rec_.environment["sizing_hint"] = size.hint;
  }
  return size;
}

void Conductor::teardown(bool faults_ran) {
  phase("teardown");
  // The faults are over: background work still running is killed now,
  // while the images are still mounted and watched.
  record_survivors();
  finish_destinations();
  m_.snapshot("end");
  // The sampler holds files inside the mounts; the image watches end
  // after the unmount, so every write while mounted was seen.
  m_.stop_sampling_mounted_files();
  const bool repair = faults_ran && m_.has_failed_disks();
  if (faults_ran && !repair) record_files(kMomentAfterFaults);
  m_.unmount_images();
  m_.unwatch_images();
  if (repair) {
    // A disk that failed under an io_error is repaired first (it answers
    // again, e2fsck, mounted again), and the files are judged as the
    // operator would find them then. The recorder holds image files
    // (perhaps on that disk): done first. Not the run's stop flag: a
    // verdict decided early must not cut the check short.
    finish_evidence();
    for (FaultEvent& ev : m_.recover_failed_disks()) push_fault(std::move(ev));
    record_files(kMomentAfterFaults);
  }
  // The operator's next install, once nothing is mounted: does it converge?
  if (faults_ran && !s_.finally.empty() && !stop_ && !interrupted()) {
    phase("finally");
    ActionScope scope{ActionPhase::finally, "finally", {}, &stop_};
    for (const auto& a : s_.finally)
      for (FaultEvent& ev : m_.perform(a, scope)) {
        ev.fault = "finally";
        push_fault(std::move(ev));
      }
    record_files(kMomentEnd);
  }
  // The recorder holds files on the scratch filesystems.
  finish_evidence();
  m_.unmount_scratch();
}

// Kills what the faults' run actions (and the workload's execs) left
// running, and records it with the action each came from.
void Conductor::record_survivors() {
  std::vector<Survivor> found = m_.kill_background();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& s : found) {
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

void Conductor::record_files(const char* moment) {
  std::vector<nlohmann::json> files = m_.read_files(moment);
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& f : files) rec_.files_evidence.push_back(std::move(f));
}

void Conductor::finish_destinations() {
  if (destinations_finished_) return;
  destinations_finished_ = true;
  DestinationActivity a;
  std::vector<ScratchSpace> space;
  m_.finish_destinations(a, space);
  std::lock_guard<std::mutex> lock(mu_);
  rec_.destination = std::move(a);
  rec_.scratch_space = std::move(space);
}

void Conductor::finish_evidence() {
  if (evidence_finished_) return;
  finish_destinations();
  m_.finish_evidence(rec_);
  evidence_finished_ = true;
}

void Conductor::phase(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  rec_.phases.push_back(PhaseEvent{name, clock_.now_ms()});
  if (obs_.on_phase) obs_.on_phase(name);
  if (obs_.on_event) obs_.on_event(to_json(rec_.phases.back()));
}

void Conductor::push_fault(FaultEvent ev) {
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

void Conductor::push_execs(const std::vector<ExecEvent>& execs) {
  std::lock_guard<std::mutex> lock(mu_);
  rec_.execs.insert(rec_.execs.end(), execs.begin(), execs.end());
}

// Each exec as it completes (workers call this): streamed, and counted
// toward deciding the verdict early.
std::function<void(const ExecEvent&)> Conductor::exec_sink() {
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
void Conductor::action_started(const std::string& fault) {
  std::lock_guard<std::mutex> lock(mu_);
  if (first_action_ms_ < 0) first_action_ms_ = clock_.now_ms();
  live_.faults_fired.insert(fault);
  fault_acted_ = true;
}

// Stops the run as soon as its verdict is decided (core/early_stop.h).
void Conductor::decide_early_locked() {
  if (!s_.early_stop || stop_) return;
  live_.images_written = m_.images_written();
  StopDecision d = decided(s_, live_);
  if (!d.stop) return;
  rec_.stopped_early = d.why;
  rec_.stopped_early_ms = clock_.now_ms();
  stop_ = true;
}

void Conductor::record_early_stop(const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  rec_.stopped_early = why;
  rec_.stopped_early_ms = clock_.now_ms();
}

void Conductor::check_stop() const {
  if (interrupted() || timed_out_) throw Stopped{};
}

bool Conductor::stopping(const std::atomic<bool>& done) const { return done || stop_ || interrupted(); }

void Conductor::run_fault(const FaultSpec& f, double start_ms, const std::atomic<bool>& done) {
  ActionScope scope{ActionPhase::fault, f.name, [this, &f] { action_started(f.name); }, &stop_};
  milliseconds prev_start{0}, prev_end{0};
  auto since = [&] { return milliseconds(static_cast<long>(clock_.now_ms() - start_ms)); };
  bool fired = false;
  for (unsigned fire = 0;; ++fire) {
    auto next = f.schedule.next_start(fire, prev_start, prev_end);
    if (!next) break;
    while (since() < *next && !stopping(done)) timer_.sleep_for(std::min(*next - since(), milliseconds(5)));
    if (stopping(done)) break;
    fired = true;
    prev_start = since();
    for (const auto& a : f.actions) {
      for (FaultEvent& ev : m_.perform(a, scope)) {
        ev.fault = f.name;
        ev.fire = fire;
        push_fault(std::move(ev));
      }
      if (interrupted() || stop_) break;
    }
    prev_end = since();
  }
  if (fired && !interrupted() && !timed_out_) m_.snapshot("after " + f.name);
}

}  // namespace harness
