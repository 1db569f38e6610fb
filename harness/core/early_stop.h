// EarlyStop: whether a running scenario's verdict is already decided, so
// that the run can stop instead of confirming it (a sequential test).
//
// Decided means no further exec, write or fault action can change it:
//   - a failure is final the moment it happens: an `at_most` exceeded, a
//     write to a watched image (no_write_while_mounted, image_unchanged),
//     a fault outcome past its `at_most`: the verdict is `fail` whatever
//     comes after;
//   - a pass needs every expectation held *and* every fault to have acted:
//     an `at_least` reached is final; a prevention check (`at_most`,
//     no_write_while_mounted, image_unchanged) holds only once the run has
//     its minimum execs under fault (min_execs_under_fault) — without such
//     a minimum it runs to completion.
// The statistics stay honest: the bound is computed from the execs that
// actually ran. Pure logic; the backend feeds it what it has seen so far.
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>

#include "core/scenario.h"
#include "core/verdict.h"

namespace harness {

// What a running backend has seen so far.
struct LiveEvidence {
  ExecCounts under_fault = empty_counts();  // execs that started after the first fault action started
  std::set<std::string> faults_fired;       // names of faults with an action started
  std::set<std::string> images_written;     // watched images a writer has touched while mounted
  std::map<std::tuple<std::string, std::string, std::string>, unsigned long> outcomes;  // (fault, action, outcome)
};

struct StopDecision {
  bool stop = false;
  std::string why;  // "sigsegv+sigbus >= 1 held after 3 execs under fault"
};

// Whether the run may stop now. Never before every non-optional fault has
// acted, unless an expectation has already failed.
StopDecision decided(const Scenario& s, const LiveEvidence& live);

}  // namespace harness
