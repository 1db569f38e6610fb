// Conductor: the logic of one run, for any machine (core/run_machine.h).
// It owns what is most likely to be subtly wrong: the order of the phases
// (setup, mounts, warm-up, faults, teardown, finally), when each fault
// acts (its schedule), when the run stops early (core/early_stop.h), the
// scenario's timeout, the order of teardown, and what goes into the record
// when. It does no syscall of its own: its time comes from a RunClock and
// a RunTimer, so a unit test drives it with a fake machine on virtual time.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "core/backend.h"
#include "core/early_stop.h"
#include "core/run_machine.h"
#include "core/run_timer.h"
#include "core/sizing.h"

namespace harness {

class Conductor {
 public:
  // `clock` is the one the machine stamps its events with.
  Conductor(const Scenario& s, RunMachine& machine, const RunClock& clock, RunTimer& timer,
            const RunObserver& observer, RunRecord& rec);

  // Runs the scenario to its end, its early stop, its timeout, an
  // interruption or its first error, and tears down; the record says which.
  void run();

 private:
  struct Stopped {};  // thrown to leave the run at a check_stop()

  void execute();
  void setup();
  void mount_all();
  void faults(const CalibratedSize& size);
  void teardown(bool faults_ran = false);
  void run_fault(const FaultSpec& f, double start_ms, const std::atomic<bool>& done);
  CalibratedSize calibrate(const std::vector<ExecEvent>& warm);
  void record_survivors();
  void record_files(const char* moment);
  void finish_destinations();
  void finish_evidence();
  void phase(const std::string& name);
  void push_fault(FaultEvent ev);
  void push_execs(const std::vector<ExecEvent>& execs);
  std::function<void(const ExecEvent&)> exec_sink();
  void action_started(const std::string& fault);
  void decide_early_locked();
  void record_early_stop(const std::string& why);
  void check_stop() const;
  bool stopping(const std::atomic<bool>& done) const;
  WorkloadProgress& progress() { return obs_.progress ? *obs_.progress : own_progress_; }

  const Scenario& s_;
  RunMachine& m_;
  const RunClock& clock_;
  RunTimer& timer_;
  const RunObserver& obs_;
  RunRecord& rec_;
  std::mutex mu_;
  // Set when the run must stop early: its verdict is decided, or it timed out.
  std::atomic<bool> stop_{false};
  std::atomic<bool> timed_out_{false};
  std::atomic<bool> fault_acted_{false};
  bool destinations_finished_ = false;
  bool evidence_finished_ = false;
  // Under mu_: what the early-stop decision sees.
  LiveEvidence live_;
  double first_action_ms_ = -1;
  WorkloadProgress own_progress_;
};

}  // namespace harness
