// Verdict: the scenario's expectations checked against what a run
// recorded. Three kinds of evidence, kept apart because they differ in
// strength:
//   invariant    a fact the kernel reported (a write to the inode a loop
//                device serves, a changed digest or inode): deterministic;
//   statistical  symptom counts (SIGSEGV, SIGBUS ...) of the execs that
//                started after the first fault action, with an exact
//                binomial bound: probabilistic;
//   outcome      what the scenario's own actions returned (EPERM, exit 5).
// A run also needs a clean baseline (every warm-up exec ok) and every
// fault to have acted. The verdict is `fail` only when the system under
// test misbehaved, and `inconclusive` (with the reasons) when the run
// could not gather the evidence a verdict needs: never pass, never fail.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/exercise.h"
#include "core/judgement.h"
#include "core/run_record.h"
#include "core/scenario.h"
#include "core/statistics.h"

namespace harness {

enum class VerdictStatus { pass, fail, inconclusive, timeout, error };
std::string_view to_string(VerdictStatus s);
// A verdict as a report records it; an unknown word is `error`.
VerdictStatus verdict_status_from_string(std::string_view s);

enum class EvidenceBasis { invariant, statistical, outcome };
std::string_view to_string(EvidenceBasis b);

struct ExpectationResult {
  std::string text;  // "sigsegv+sigbus >= 1"
  ExpectationKind kind = ExpectationKind::exec_count;
  // What it was judged from, in words: "the kernel's record of writes to
  // the mounted image (deterministic)"; the verdict's rests_on joins them.
  std::string rests_on;
  // Undecided: the run lacks the evidence to decide it (detail says why);
  // makes the verdict inconclusive.
  Judgement state = Judgement::failed;
  EvidenceBasis basis = EvidenceBasis::statistical;
  unsigned long observed = 0;
  std::string detail;
};

struct ExecCounts {
  std::map<ExecClass, unsigned long> by_class;  // every class present, zeros included
  unsigned long total = 0;
  unsigned long abnormal() const;
  unsigned long of(ExecClass c) const { return by_class.at(c); }
  void add(ExecClass c);
};

ExecCounts empty_counts();

struct Verdict {
  VerdictStatus status = VerdictStatus::pass;
  std::vector<ExpectationResult> results;
  // Why the run is inconclusive beyond its expectations: a dirty baseline,
  // a fault that never fired.
  std::vector<std::string> inconclusive_reasons;
  // Whether each fault had a chance to do harm (core/exercise.h); a missed
  // one is also among inconclusive_reasons.
  std::vector<Exercise> exercise;
  // Which kinds of evidence the verdict rests on, as a phrase for reports.
  std::string rests_on;
  ExecCounts counts;              // every exec
  ExecCounts counts_warmup;       // the baseline, before any fault
  ExecCounts counts_under_fault;  // started at or after the first fault action: the only ones expectations count
  unsigned long warmup_execs = 0;
  unsigned long before_fault_execs = 0;  // in the fault phase, but before any fault acted
  double first_fault_ms = -1;            // when the first fault action started; -1: none did
  // Over execs under fault: n trials, k abnormal.
  unsigned long n = 0, k = 0;
  BinomialInterval ci95;
  double upper95_one_sided = 1;
};

// For re-rendering from report.json: expectations come from there.
Verdict decide(const std::vector<Expectation>& expect, const RunRecord& r);
Verdict decide(const Scenario& s, const RunRecord& r);

std::string describe(const Expectation& e);

}  // namespace harness
