#include "core/early_stop.h"

#include <fmt/format.h>

#include <algorithm>

namespace harness {

namespace {

enum class State { held, failed, open };

unsigned long matching_outcomes(const Expectation& e, const LiveEvidence& live) {
  unsigned long n = 0;
  for (const auto& [key, count] : live.outcomes) {
    const auto& [fault, action, outcome] = key;
    if ((e.fault.empty() ? fault != "setup" : fault == e.fault) && (e.action.empty() || action == e.action) &&
        outcome == e.outcome)
      n += count;
  }
  return n;
}

// `observed` only grows while the run goes on.
State bounds(const Expectation& e, unsigned long observed, bool at_minimum) {
  if (e.at_most && observed > *e.at_most) return State::failed;
  if (e.at_least && observed < *e.at_least) return State::open;
  // An upper bound may still be exceeded: it holds once the run has its minimum.
  if (e.at_most) return at_minimum ? State::held : State::open;
  return State::held;
}

}  // namespace

StopDecision decided(const Scenario& s, const LiveEvidence& live) {
  const unsigned long n = live.under_fault.total;
  // The prevention minimum: every min_execs_under_fault expectation met.
  bool has_minimum = false, at_minimum = true;
  for (const auto& e : s.expect)
    if (e.kind == ExpectationKind::min_execs_under_fault) {
      has_minimum = true;
      at_minimum = at_minimum && n >= e.at_least.value_or(0);
    }
  at_minimum = has_minimum && at_minimum;

  bool all_held = true;
  for (const auto& e : s.expect) {
    State st = State::open;
    switch (e.kind) {
      case ExpectationKind::exec_count: {
        unsigned long observed = 0;
        for (ExecClass c : e.classes) observed += live.under_fault.of(c);
        st = bounds(e, observed, at_minimum);
        break;
      }
      case ExpectationKind::fault_outcome:
        st = bounds(e, matching_outcomes(e, live), at_minimum);
        break;
      case ExpectationKind::min_execs_under_fault:
        st = n >= e.at_least.value_or(0) ? State::held : State::open;
        break;
      case ExpectationKind::installed:
        st = State::open;  // judged from the files at the end
        break;
      case ExpectationKind::image_unchanged:
      case ExpectationKind::no_write_while_mounted:
        st = live.images_written.count(e.path) ? State::failed : at_minimum ? State::held : State::open;
        break;
    }
    if (st == State::failed)
      return {true, fmt::format("\"{}\" failed after {} execs under fault", describe(e), n)};
    all_held = all_held && st == State::held;
  }
  if (!all_held) return {};
  for (const auto& f : s.faults)
    if (!f.optional && !live.faults_fired.count(f.name)) return {};
  return {true, fmt::format("every expectation held after {} execs under fault", n)};
}

}  // namespace harness
