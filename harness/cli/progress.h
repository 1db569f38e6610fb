// Progress: what a run is doing, on stderr. On a terminal, for a single
// run at a time, one live line (phase, execs, crashes, abnormal, elapsed,
// ETA) redrawn five times a second; otherwise one plain "[label] phase"
// line per phase, which stays readable when several runs interleave and
// in CI logs.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/clock.h"
#include "core/backend.h"
#include "core/scenario.h"

namespace harness {

// The workload's remaining time, `faults_elapsed` seconds into the fault
// phase with `execs` execs done: by iterations at the rate so far (after
// the first 0.2 s), or by its duration, whichever ends first. "ETA 42s",
// or "ETA ?" when neither tells.
std::string eta_text(std::optional<unsigned long> total_execs, std::optional<double> duration_s, double faults_elapsed,
                     unsigned long execs);

class Progress {
 public:
  // `label` names the run in every line ("heroku-2017-truncation #3");
  // `live` asks for the redrawn line, granted only when stderr is a tty.
  Progress(const Scenario& s, std::string label, bool live);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  const RunObserver& observer() const { return observer_; }

 private:
  std::string eta(double faults_elapsed, unsigned long execs) const;
  void draw();

  std::string label_;
  bool live_;
  std::optional<unsigned long> total_execs_;
  std::optional<double> duration_s_;
  std::mutex mu_;
  std::string phase_ = "start";
  std::optional<MonoClock::time_point> faults_start_;
  WorkloadProgress counters_;
  RunObserver observer_;
  std::atomic<bool> done_{false};
  std::thread thread_;
  MonoClock::time_point start_ = MonoClock::now();
};

}  // namespace harness
