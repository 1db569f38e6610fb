#include "core/verdict.h"

#include <fmt/format.h>

#include <set>

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
      // "redeploy run actions ending ok", "all actions ending EPERM"
      subject = fmt::format("{}{} actions ending {}", e.fault.empty() ? "all" : e.fault,
                            e.action.empty() ? "" : " " + e.action, e.outcome);
      break;
    case ExpectationKind::min_execs_under_fault:
      return fmt::format("execs under fault >= {}", e.at_least.value_or(0));
    case ExpectationKind::image_unchanged:
      return fmt::format("{} unchanged (digest and inode)", e.path);
  }
  if (e.at_least && e.at_most) return fmt::format("{} <= {} <= {}", *e.at_least, subject, *e.at_most);
  if (e.at_least) return fmt::format("{} >= {}", subject, *e.at_least);
  return fmt::format("{} <= {}", subject, e.at_most.value_or(0));
}

// Every snapshot of `path` (mounted, before/after each fault, end) must
// show one digest and one inode; observed = how many distinct states.
static void image_unchanged(const std::string& path, const RunRecord& r, ExpectationResult& res) {
  std::set<std::string> states;
  std::string first, last;
  unsigned long snapshots = 0;
  for (const auto& s : r.images_evidence) {
    if (s.value("path", "") != path) continue;
    ++snapshots;
    std::string state = fmt::format("sha256:{} inode {}", s.value("sha256", "?"),
                                    s.contains("inode") ? s.at("inode").dump() : std::string("missing"));
    if (first.empty()) first = state;
    last = state;
    states.insert(state);
  }
  res.observed = states.size();
  res.held = snapshots >= 2 && states.size() == 1;
  res.detail = snapshots < 2 ? fmt::format("only {} snapshots of {}", snapshots, path)
                             : fmt::format("{} snapshots, {} distinct: first {}, last {}", snapshots, states.size(),
                                           first, last);
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
          if ((e.fault.empty() || f.fault == e.fault) && (e.action.empty() || f.action == e.action) &&
              f.outcome == e.outcome)
            ++res.observed;
        break;
      case ExpectationKind::min_execs_under_fault:
        res.observed = v.n;
        break;
      case ExpectationKind::image_unchanged:
        break;
    }
    res.held = (!e.at_least || res.observed >= *e.at_least) && (!e.at_most || res.observed <= *e.at_most);
    res.detail = fmt::format("observed {}", res.observed);
    if (e.kind == ExpectationKind::image_unchanged) image_unchanged(e.path, r, res);
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
