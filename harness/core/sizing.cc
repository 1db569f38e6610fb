#include "core/sizing.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace harness {

namespace {

std::string optional_text(const std::optional<unsigned long>& v) { return v ? std::to_string(*v) : "unset"; }

}  // namespace

Scenario sized_for_backend(Scenario s, BackendKind backend) {
  if (backend != BackendKind::vm || !s.sizing.empty()) return s;
  if (!s.vm) {
    s.calibrate = true;
    return s;
  }
  const VmSizing& vm = *s.vm;
  std::vector<std::string> changes;
  if (vm.iterations && vm.iterations != s.workload.iterations) {
    changes.push_back(fmt::format("iterations {} (as written: {})", *vm.iterations,
                                  optional_text(s.workload.iterations)));
    s.workload.iterations = vm.iterations;
  }
  if (vm.duration && vm.duration != s.workload.duration) {
    changes.push_back(fmt::format("duration_ms {} (as written: {})", vm.duration->count(),
                                  s.workload.duration ? std::to_string(s.workload.duration->count()) : "unset"));
    s.workload.duration = vm.duration;
  }
  if (vm.min_execs_under_fault)
    for (auto& e : s.expect) {
      if (e.kind != ExpectationKind::min_execs_under_fault || e.at_least == vm.min_execs_under_fault) continue;
      changes.push_back(fmt::format("min_execs_under_fault {} (as written: {})", *vm.min_execs_under_fault,
                                    optional_text(e.at_least)));
      e.at_least = vm.min_execs_under_fault;
      e.text = fmt::format("{{\"min_execs_under_fault\":{}}}", *vm.min_execs_under_fault);
    }
  if (!changes.empty()) s.sizing = "vm sizing: " + fmt::format("{}", fmt::join(changes, ", "));
  return s;
}

CalibratedSize calibrate_workload(const WorkloadSpec& w, std::chrono::milliseconds left, double mean_exec_ms,
                                  unsigned cpus) {
  CalibratedSize out{w.duration, "", ""};
  if (left.count() <= 0 || mean_exec_ms <= 0) return out;
  const double budget_ms = kCalibrationShare * static_cast<double>(left.count());
  const double parallel = std::max(1u, std::min(w.concurrency, cpus));
  const double planned_ms = w.iterations ? static_cast<double>(*w.iterations) * mean_exec_ms / parallel : 0;
  const double written_ms = w.duration ? static_cast<double>(w.duration->count()) : 0;
  // The workload ends at its iterations or its duration, whichever first.
  const bool by_iterations = w.iterations && (!w.duration || planned_ms <= written_ms);
  const double needs_ms = by_iterations ? planned_ms : written_ms;
  if (needs_ms <= budget_ms) return out;
  out.duration = std::chrono::milliseconds(static_cast<long>(budget_ms));
  std::string why = by_iterations
                        ? fmt::format("{} iterations at the warm-up's {:.0f} ms an exec would take ~{:.0f} s",
                                      *w.iterations, mean_exec_ms, planned_ms / 1000.0)
                        : fmt::format("duration_ms {} is longer", written_ms);
  // The execs that fit the budget at this pace, and the timeout the
  // workload as written needs (its share of the time left is half).
  const auto fits = static_cast<unsigned long>(budget_ms * parallel / mean_exec_ms);
  const auto more_s = static_cast<long>(std::ceil((2 * needs_ms - static_cast<double>(left.count())) / 1000.0));
  out.hint = fmt::format(
      "for a decided verdict, give the scenario a \"vm\" block sized for a VM (about {} execs fit here: \"vm\": "
      "{{\"iterations\": {}}}, and any min_execs_under_fault there no higher), or raise timeout_s by at least {} s",
      fits, std::max(1ul, fits), std::max(1l, more_s));
  out.sizing = fmt::format(
      "calibrated: the workload runs at most {:.0f} s, half of the {:.0f} s left before the timeout ({}); "
      "expectations as written; {}",
      budget_ms / 1000.0, static_cast<double>(left.count()) / 1000.0, why, out.hint);
  return out;
}

}  // namespace harness
