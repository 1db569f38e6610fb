#include "core/sizing.h"

#include <fmt/format.h>

namespace harness {

namespace {

std::string optional_text(const std::optional<unsigned long>& v) { return v ? std::to_string(*v) : "unset"; }

}  // namespace

Scenario sized_for_backend(Scenario s, std::string_view backend) {
  if (backend != "vm" || !s.vm || !s.sizing.empty()) return s;
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

}  // namespace harness
