#include "core/scenario_parse.h"

#include <fmt/format.h>

#include <algorithm>


namespace harness {

using std::chrono::milliseconds;

WorkloadSpec parse_workload(const ScenarioNode& n, std::chrono::seconds timeout) {
  n.expect_object("workload");
  WorkloadSpec w;
  w.argv = n.require("argv").argv();
  if (auto i = n.optional("iterations")) w.iterations = i->integer(1, kMaxIterations);
  if (auto d = n.optional("duration_ms")) {
    w.duration = milliseconds(d->integer(1, kMaxMs));
    if (*w.duration > timeout)
      d->fail(fmt::format("duration_ms ({} ms) exceeds the scenario's timeout_s ({} s)",
                          w.duration->count(), timeout.count()));
  }
  if (!w.iterations && !w.duration)
    n.fail("an unbounded workload: give \"iterations\", \"duration_ms\" or both");
  if (auto c = n.optional("concurrency")) w.concurrency = static_cast<unsigned>(c->integer(1, kMaxConcurrency));
  w.exec_timeout = ms_field(n, "exec_timeout_ms", 5000, 1, kMaxMs);
  if (auto wu = n.optional("warmup")) {
    if (wu->raw().is_number_integer() && wu->raw().get<long long>() == 0)
      wu->fail("warmup is at least 1: a verdict needs a baseline, execs that succeed before any fault");
    w.warmup = static_cast<unsigned>(wu->integer(1, 100000));
  }
  return w;
}

VmSizing parse_vm_sizing(const ScenarioNode& n, const Scenario& s) {
  n.expect_object("vm_sizing");
  if (n.raw().empty()) n.fail("an empty \"vm\" object: give iterations, duration_ms or min_execs_under_fault");
  VmSizing v;
  if (auto i = n.optional("iterations")) v.iterations = i->integer(1, kMaxIterations);
  if (auto d = n.optional("duration_ms")) {
    v.duration = milliseconds(d->integer(1, kMaxMs));
    if (*v.duration > s.timeout)
      d->fail(fmt::format("duration_ms ({} ms) exceeds the scenario's timeout_s ({} s)", v.duration->count(),
                          s.timeout.count()));
  }
  if (auto m = n.optional("min_execs_under_fault")) {
    v.min_execs_under_fault = m->integer(1, kMaxIterations);
    if (std::none_of(s.expect.begin(), s.expect.end(),
                     [](const Expectation& e) { return e.kind == ExpectationKind::min_execs_under_fault; }))
      m->fail("there is no min_execs_under_fault expectation to resize");
    auto iterations = v.iterations ? v.iterations : s.workload.iterations;
    if (iterations && *v.min_execs_under_fault > *iterations)
      m->fail(fmt::format("{} execs under fault out of at most {} iterations: this can never hold",
                          *v.min_execs_under_fault, *iterations));
  }
  return v;
}

void read_workload(ScenarioParse& p) {
  auto& [root, base, s, produced, untrusted] = p;
  s.workload = parse_workload(root.require("workload"), s.timeout);
  for (const auto& arg : root.at_key("workload").at_key("argv").array()) p.remember(arg);
}

void read_vm(ScenarioParse& p) {
  auto& [root, base, s, produced, untrusted] = p;
  if (auto vm = root.optional("vm")) s.vm = parse_vm_sizing(*vm, s);
}

}  // namespace harness
