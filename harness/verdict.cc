#include "verdict.h"

#include <fmt/format.h>

namespace harness {

std::string_view to_string(VerdictStatus s) {
  switch (s) {
    case VerdictStatus::pass: return "pass";
    case VerdictStatus::fail: return "fail";
    case VerdictStatus::timeout: return "timeout";
    case VerdictStatus::error: return "error";
  }
  return "?";
}

unsigned long ExecCounts::abnormal() const {
  unsigned long n = 0;
  for (const auto& [c, v] : by_class)
    if (is_abnormal(c)) n += v;
  return n;
}

ExecCounts count_execs(const std::vector<ExecEvent>& execs, bool under_fault_only) {
  ExecCounts c;
  for (ExecClass k : kAllExecClasses) c.by_class[k] = 0;
  for (const auto& e : execs) {
    if (under_fault_only && e.phase != ExecPhase::fault) continue;
    ++c.by_class[e.outcome.cls];
    ++c.total;
  }
  return c;
}

std::string describe(const Expectation& e) {
  std::string subject;
  switch (e.kind) {
    case ExpectationKind::exec_count: {
      std::vector<std::string> names;
      bool all_abnormal = true;
      for (ExecClass c : kAllExecClasses)
        if (is_abnormal(c) && !e.classes.count(c)) all_abnormal = false;
      if (all_abnormal && !e.classes.count(ExecClass::ok)) {
        names.push_back("abnormal");
      } else {
        for (ExecClass c : e.classes) names.emplace_back(to_string(c));
      }
      subject = fmt::format("{}", fmt::join(names, "+"));
      break;
    }
    case ExpectationKind::fault_outcome:
      subject = e.fault.empty() ? fmt::format("fault actions ending {}", e.outcome)
                                : fmt::format("{} actions ending {}", e.fault, e.outcome);
      break;
    case ExpectationKind::min_execs_under_fault:
      return fmt::format("execs under fault >= {}", e.at_least.value_or(0));
  }
  if (e.at_least && e.at_most) return fmt::format("{} <= {} <= {}", *e.at_least, subject, *e.at_most);
  if (e.at_least) return fmt::format("{} >= {}", subject, *e.at_least);
  return fmt::format("{} <= {}", subject, e.at_most.value_or(0));
}

Verdict decide(const std::vector<Expectation>& expect, const RunRecord& r) {
  Verdict v;
  v.counts = count_execs(r.execs, false);
  v.counts_under_fault = count_execs(r.execs, true);
  v.warmup_execs = v.counts.total - v.counts_under_fault.total;
  v.n = v.counts_under_fault.total;
  v.k = v.counts_under_fault.abnormal();
  v.ci95 = clopper_pearson(v.k, v.n, 0.95);
  v.upper95_one_sided = clopper_pearson_upper(v.k, v.n, 0.95);

  bool all_held = true;
  for (const auto& e : expect) {
    ExpectationResult res;
    res.text = describe(e);
    switch (e.kind) {
      case ExpectationKind::exec_count:
        for (ExecClass c : e.classes) res.observed += v.counts.of(c);
        break;
      case ExpectationKind::fault_outcome:
        for (const auto& f : r.faults)
          if ((e.fault.empty() || f.fault == e.fault) && f.outcome == e.outcome) ++res.observed;
        break;
      case ExpectationKind::min_execs_under_fault:
        res.observed = v.n;
        break;
    }
    res.held = (!e.at_least || res.observed >= *e.at_least) && (!e.at_most || res.observed <= *e.at_most);
    res.detail = fmt::format("observed {}", res.observed);
    all_held = all_held && res.held;
    v.results.push_back(std::move(res));
  }
  if (!r.error.empty())
    v.status = VerdictStatus::error;
  else if (r.timed_out)
    v.status = VerdictStatus::timeout;
  else
    v.status = all_held ? VerdictStatus::pass : VerdictStatus::fail;
  return v;
}

Verdict decide(const Scenario& s, const RunRecord& r) { return decide(s.expect, r); }

}  // namespace harness
