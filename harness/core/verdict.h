// Verdict: the scenario's expectations checked against what a run
// recorded, with an exact binomial bound on the abnormal-exit rate of the
// execs that ran while faults were active.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/run_record.h"
#include "core/scenario.h"
#include "core/statistics.h"

namespace harness {

enum class VerdictStatus { pass, fail, timeout, error };
std::string_view to_string(VerdictStatus s);

struct ExpectationResult {
  std::string text;  // "sigsegv+sigbus >= 1"
  bool held = false;
  unsigned long observed = 0;
  std::string detail;
};

struct ExecCounts {
  std::map<ExecClass, unsigned long> by_class;  // every class present, zeros included
  unsigned long total = 0;
  unsigned long abnormal() const;
  unsigned long of(ExecClass c) const { return by_class.at(c); }
};

ExecCounts count_execs(const std::vector<ExecEvent>& execs, bool under_fault_only);

struct Verdict {
  VerdictStatus status = VerdictStatus::pass;
  std::vector<ExpectationResult> results;
  ExecCounts counts;
  ExecCounts counts_under_fault;
  unsigned long warmup_execs = 0;
  // Over execs under fault: n trials, k abnormal.
  unsigned long n = 0, k = 0;
  BinomialInterval ci95;
  double upper95_one_sided = 1;
};

Verdict decide(const Scenario& s, const RunRecord& r);
// For re-rendering from report.json: expectations come from there.
Verdict decide(const std::vector<Expectation>& expect, const RunRecord& r);

std::string describe(const Expectation& e);

}  // namespace harness
