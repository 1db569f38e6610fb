#include "core/verdict.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/installed_state.h"
#include "core/power_cut_record.h"
#include "core/write_checks.h"

namespace harness {

std::string_view to_string(VerdictStatus s) {
  switch (s) {
    case VerdictStatus::pass: return "pass";
    case VerdictStatus::fail: return "fail";
    case VerdictStatus::inconclusive: return "inconclusive";
    case VerdictStatus::timeout: return "timeout";
    case VerdictStatus::error: return "error";
  }
  return "?";
}

VerdictStatus verdict_status_from_string(std::string_view s) {
  for (VerdictStatus v : {VerdictStatus::pass, VerdictStatus::fail, VerdictStatus::inconclusive,
                          VerdictStatus::timeout, VerdictStatus::error})
    if (to_string(v) == s) return v;
  return VerdictStatus::error;
}

std::string_view to_string(EvidenceBasis b) {
  switch (b) {
    case EvidenceBasis::invariant: return "invariant";
    case EvidenceBasis::statistical: return "statistical";
    case EvidenceBasis::outcome: return "outcome";
  }
  return "?";
}

unsigned long ExecCounts::abnormal() const {
  unsigned long n = 0;
  for (const auto& [c, v] : by_class)
    if (is_abnormal(c)) n += v;
  return n;
}

void ExecCounts::add(ExecClass c) {
  ++by_class[c];
  ++total;
}

ExecCounts empty_counts() {
  ExecCounts c;
  for (ExecClass k : kAllExecClasses) c.by_class[k] = 0;
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
      return fmt::format("{} unchanged (digest, inode, no write)", e.path);
    case ExpectationKind::no_write_while_mounted:
      return fmt::format("no write to {} while mounted", e.path);
    case ExpectationKind::installed:
      return fmt::format("{} holds a complete known version, sidecars agreeing{}", e.path,
                         e.at_end ? ", after the next install (converges)" : "");
  }
  if (e.at_least && e.at_most) return fmt::format("{} <= {} <= {}", *e.at_least, subject, *e.at_most);
  if (e.at_least) return fmt::format("{} >= {}", subject, *e.at_least);
  return fmt::format("{} <= {}", subject, e.at_most.value_or(0));
}

namespace {

// What the verdict knows about the run before it looks at an expectation.
struct RunFacts {
  bool baseline_clean = false;
  std::string baseline_problem;             // why it is not
  std::set<std::string> never_fired;        // planned, not optional, no action started
  bool all_required_faults_fired() const { return never_fired.empty(); }
};

std::string class_list(const ExecCounts& c) {
  std::vector<std::string> parts;
  for (const auto& [cls, n] : c.by_class)
    if (n && is_abnormal(cls)) parts.push_back(fmt::format("{} {}", n, to_string(cls)));
  return fmt::format("{}", fmt::join(parts, ", "));
}

RunFacts run_facts(const RunRecord& r, const Verdict& v) {
  RunFacts f;
  if (v.counts_warmup.total == 0) {
    f.baseline_problem = "no warm-up exec ran, so the workload was never seen to succeed without a fault";
  } else if (v.counts_warmup.abnormal() > 0) {
    f.baseline_problem = fmt::format("the workload fails without any fault: {} of {} warm-up execs were abnormal ({})",
                                     v.counts_warmup.abnormal(), v.counts_warmup.total, class_list(v.counts_warmup));
  } else {
    f.baseline_clean = true;
  }
  for (const auto& p : r.planned_faults) {
    if (p.optional) continue;
    bool fired = false;
    for (const auto& e : r.faults) fired = fired || e.fault == p.name;
    if (!fired) f.never_fired.insert(p.name);
  }
  return f;
}

void count_all(const RunRecord& r, Verdict& v) {
  v.counts = v.counts_warmup = v.counts_under_fault = empty_counts();
  for (const auto& f : r.faults)
    if (f.fault != "setup" && (v.first_fault_ms < 0 || f.t_start_ms < v.first_fault_ms)) v.first_fault_ms = f.t_start_ms;
  for (const auto& e : r.execs) {
    v.counts.add(e.outcome.cls);
    if (e.phase == ExecPhase::warmup)
      v.counts_warmup.add(e.outcome.cls);
    else if (v.first_fault_ms >= 0 && e.t_ms >= v.first_fault_ms)
      v.counts_under_fault.add(e.outcome.cls);
    else
      ++v.before_fault_execs;
  }
  v.warmup_execs = v.counts_warmup.total;
  v.n = v.counts_under_fault.total;
  v.k = v.counts_under_fault.abnormal();
  v.ci95 = clopper_pearson(v.k, v.n, 0.95);
  v.upper95_one_sided = clopper_pearson_upper(v.k, v.n, 0.95);
}

bool within(const Expectation& e, unsigned long observed) {
  return (!e.at_least || observed >= *e.at_least) && (!e.at_most || observed <= *e.at_most);
}

// What each kind of expectation is judged from, for "rests on".
constexpr const char* kOnWrites = "the kernel's record of writes to the mounted image (deterministic)";
constexpr const char* kOnStatistics = "exec statistics under fault (probabilistic)";
constexpr const char* kOnOutcomes = "the outcomes of the scenario's own actions";
constexpr const char* kOnInstalled = "the installed files' digests and sidecars (deterministic)";
constexpr const char* kOnPowerCut =
    "the installed files' digests and sidecars, also in the disk states replayed at each power-cut crash point "
    "(deterministic)";

ExpectationResult evaluate(const Expectation& e, const RunRecord& r, const Verdict& v, const RunFacts& facts) {
  ExpectationResult res;
  res.text = describe(e);
  res.kind = e.kind;
  switch (e.kind) {
    case ExpectationKind::exec_count: {
      res.basis = EvidenceBasis::statistical;
      res.rests_on = kOnStatistics;
      for (ExecClass c : e.classes) res.observed += v.counts_under_fault.of(c);
      res.detail = fmt::format("observed {} in {} execs under fault", res.observed, v.n);
      if (!facts.baseline_clean) {
        res.state = Judgement::undecided;
        res.detail += "; undecided: " + facts.baseline_problem;
      } else if (e.at_most && res.observed > *e.at_most) {
        // A symptom under fault with a clean baseline: the system misbehaved.
      } else if (e.at_least && res.observed < *e.at_least && (v.n == 0 || !facts.all_required_faults_fired())) {
        res.state = Judgement::undecided;
        res.detail += v.n == 0 ? "; undecided: no exec ran after a fault acted" : "; undecided: a fault never fired";
      } else {
        res.state = judged(within(e, res.observed));
      }
      break;
    }
    case ExpectationKind::fault_outcome: {
      res.basis = EvidenceBasis::outcome;
      res.rests_on = kOnOutcomes;
      bool fired = false;
      for (const auto& f : r.faults) {
        if ((e.fault.empty() ? f.fault != "setup" : f.fault == e.fault) && (e.action.empty() || f.action == e.action)) {
          fired = true;
          if (f.outcome == e.outcome) ++res.observed;
        }
      }
      res.state = judged(within(e, res.observed));
      res.detail = fmt::format("observed {}", res.observed);
      if (res.state != Judgement::held && !fired) {
        res.state = Judgement::undecided;
        res.detail += e.fault.empty() ? "; undecided: no fault action ran"
                                      : fmt::format("; undecided: fault \"{}\" never ran that action", e.fault);
      }
      break;
    }
    case ExpectationKind::min_execs_under_fault:
      res.basis = EvidenceBasis::statistical;
      res.rests_on = kOnStatistics;
      res.observed = v.n;
      res.state = judged(within(e, res.observed));
      res.detail = fmt::format("observed {}", res.observed);
      if (res.state != Judgement::held) {
        res.state = Judgement::undecided;
        res.detail = fmt::format("{} execs ran after the first fault acted, fewer than the {} the bound needs", v.n,
                                 e.at_least.value_or(0));
      }
      break;
    case ExpectationKind::image_unchanged:
      image_unchanged(e.path, r, res);
      res.rests_on = "the mounted image's digests and the kernel's record of writes to it (deterministic)";
      break;
    case ExpectationKind::no_write_while_mounted:
      no_write_while_mounted(e.path, r, res);
      res.rests_on = kOnWrites;
      break;
    case ExpectationKind::installed: {
      res.basis = EvidenceBasis::invariant;
      std::vector<FileState> states;
      for (const auto& j : r.files_evidence) states.push_back(file_state_from_json(j));
      InstalledCheck c = check_installed(e, states, r.faults);
      res.rests_on = !e.at_end && power_cut_check(e, r, c) > 0 ? kOnPowerCut : kOnInstalled;
      res.state = c.state;
      res.observed = c.state == Judgement::failed;
      res.detail = c.detail;
      break;
    }
  }
  return res;
}

std::string rests_on(const Verdict& v) {
  // The results the status follows from: the failed ones for a fail,
  // every decided one otherwise; each kind of evidence once, in order.
  std::vector<std::string> words;
  for (const auto& res : v.results)
    if ((v.status == VerdictStatus::fail) ? (res.state == Judgement::failed) : res.state != Judgement::undecided)
      if (!res.rests_on.empty() && std::find(words.begin(), words.end(), res.rests_on) == words.end())
        words.push_back(res.rests_on);
  return fmt::format("{}", fmt::join(words, "; "));
}

}  // namespace

Verdict decide(const std::vector<Expectation>& expect, const RunRecord& r) {
  Verdict v;
  count_all(r, v);
  RunFacts facts = run_facts(r, v);
  // A run that stopped on an error has one reason, the error: what it
  // did not get to do (a warm-up cut short, faults never started) is not
  // a finding.
  if (!r.error.empty()) facts.never_fired.clear();
  if (!facts.baseline_clean && r.error.empty()) v.inconclusive_reasons.push_back(facts.baseline_problem);
  // With a dirty baseline the faults need not have run: that is the reason.
  // Background work still running when the faults ended was killed then:
  // what it would have done next is unknown.
  if (r.error.empty())
    for (auto& why : survivor_reasons(r.survivors)) v.inconclusive_reasons.push_back(std::move(why));
  if (facts.baseline_clean)
    for (const auto& name : facts.never_fired)
      v.inconclusive_reasons.push_back(fmt::format(
        "fault \"{}\" never fired (its schedule did not start before the workload ended); mark it \"optional\": "
        "true if that is expected",
        name));
  // A power cut that no crash state could show tearing the old version.
  if (r.error.empty())
    for (const auto& pc : r.power_cut)
      if (auto why = power_cut_not_exercised(pc)) v.inconclusive_reasons.push_back(*why);

  // A command that could not run what it needed did not do what the
  // scenario meant it to: whatever its outcome, nothing was tested there.
  // (A setup action's is the run's error already.)
  std::set<std::string> lacked;
  for (const auto& f : r.faults)
    if (!f.missing.empty() && f.fault != "setup") {
      std::string why = fmt::format("{}: a run action ended {}: {}", f.fault == "finally" ? "finally" : "fault \"" + f.fault + "\"",
                                    f.outcome, f.missing);
      if (lacked.insert(why).second) v.inconclusive_reasons.push_back(why);
    }
  if (!r.workload_missing.empty() && r.error.empty())
    v.inconclusive_reasons.push_back("the workload's program could not run: " + r.workload_missing);
  // A fault that struck nowhere it could do harm tested nothing: the run
  // cannot pass on it.
  v.exercise = judge_exercise(r);
  if (r.error.empty())
    for (const auto& x : v.exercise)
      if (x.state == ExerciseState::missed)
        v.inconclusive_reasons.push_back(
            fmt::format("not exercised: {}{}", x.detail, x.change.empty() ? "" : fmt::format(" (to exercise it: {})", x.change)));

  bool any_failed = false, any_undecided = false;
  for (const auto& e : expect) {
    ExpectationResult res = evaluate(e, r, v, facts);
    // A run that stopped on an error (it may never have started) decides
    // nothing: "held: abnormal <= 0 (observed 0)" would read as a result.
    if (!r.error.empty()) {
      res.state = Judgement::undecided;
      res.detail = "not decided: the run stopped on an error";
    }
    any_failed = any_failed || (res.state == Judgement::failed);
    any_undecided = any_undecided || res.state == Judgement::undecided;
    v.results.push_back(std::move(res));
  }
  if (!r.error.empty())
    v.status = VerdictStatus::error;
  else if (r.timed_out)
    v.status = VerdictStatus::timeout;
  else if (any_failed)
    v.status = VerdictStatus::fail;
  else if (any_undecided || !v.inconclusive_reasons.empty())
    v.status = VerdictStatus::inconclusive;
  else
    v.status = VerdictStatus::pass;
  v.rests_on = rests_on(v);
  return v;
}

Verdict decide(const Scenario& s, const RunRecord& r) { return decide(s.expect, r); }

}  // namespace harness
