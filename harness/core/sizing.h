// Sizing: the scenario as a backend runs it. The host backend runs it as
// written. Under the vm backend, where TCG makes each exec 10-50x dearer,
// the scenario's "vm" block replaces the workload's iterations/duration
// and the count of every min_execs_under_fault expectation, and
// Scenario::sizing says what changed, for the report. A scenario without
// a "vm" block is calibrated instead: see calibrate_workload.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/scenario.h"

namespace harness {

Scenario sized_for_backend(Scenario s, BackendKind backend);

// The time a workload can afford, judged from the warm-up's pace. A
// user's scenario written for the host runs 10-50x slower per exec under
// TCG: 1000 iterations within a 60 s timeout would end as `timeout`, a
// verdict about the machine, not the installer. When the warm-up's pace
// says the workload as written would take more than kCalibrationShare of
// the time left before the timeout, the workload gets that much time (a
// deadline: a run whose execs turn fast under fault, as crashing ones do,
// still runs them all), and `sizing` says so. Expectations are never
// changed: a min_execs_under_fault the shorter workload cannot reach leaves
// the verdict inconclusive, with the reason, instead of a weaker claim.
inline constexpr double kCalibrationShare = 0.5;

struct CalibratedSize {
  std::optional<std::chrono::milliseconds> duration;  // the workload's time from the first fault
  std::string sizing;                                 // empty: the workload as written fits
  // With a sizing: how to get a decided verdict instead (a "vm" block with
  // the iterations that fit, or a longer timeout_s); also in `sizing`.
  std::string hint;
};

// `mean_exec_ms`: the warm-up execs' mean duration; `left`: the time before
// the scenario's timeout; `cpus`: how many execs can truly run at once.
CalibratedSize calibrate_workload(const WorkloadSpec& w, std::chrono::milliseconds left, double mean_exec_ms,
                                  unsigned cpus);

}  // namespace harness
