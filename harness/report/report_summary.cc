#include "report/report_summary.h"

#include "report/exercise_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string_view>

#include "report/report_view.h"
#include "report/writer_groups.h"

namespace harness {

using nlohmann::json;

namespace {

std::string state_word(const json& e) {
  std::string s = expectation_state(e);
  return s == "undecided" ? "UNDECIDED" : s;
}

std::string why(const json& report, const std::string& verdict) {
  const json& exps = array_or_empty(report, "expectations");
  size_t failed = 0, undecided = 0;
  for (const auto& e : exps) {
    std::string s = expectation_state(e);
    failed += s == "FAILED";
    undecided += s == "undecided";
  }
  std::string rests = str_or(report, "verdict_rests_on");
  std::string on = rests.empty() ? "" : fmt::format(", on {}", rests);
  const json& run = object_or_empty(report, "run");
  if (verdict == "error") return fmt::format("The run stopped on an error, so nothing was decided: {}", str_or(run, "error", "?"));
  if (verdict == "timeout") return "The scenario hit its timeout_s and was stopped before the workload finished.";
  auto of = [&](size_t k) {
    return exps.size() == 1 ? std::string("The expectation") : fmt::format("{} of {} expectations", k, exps.size());
  };
  if (verdict == "fail") return fmt::format("{} failed{}.", of(failed), on);
  if (verdict == "inconclusive")
    return fmt::format("The run could not gather the evidence a verdict needs ({} undecided); neither a pass nor a "
                       "fail.",
                       undecided == 0 ? std::string("no expectation") : of(undecided));
  if (verdict == "pass")
    return fmt::format("{} held{}.", exps.size() == 1 ? "The expectation" : fmt::format("All {} expectations", exps.size()),
                       on);
  return fmt::format("The verdict is {}.", verdict);
}

std::vector<std::string> reasons(const json& report, const std::string& verdict) {
  std::vector<std::string> all;
  if (verdict != "error")
    for (const auto& e : array_or_empty(report, "expectations"))
      all.push_back(fmt::format("{}: {}: {}", state_word(e), str_or(e, "text", "?"), str_or(e, "detail")));
  for (const auto& r : array_or_empty(report, "inconclusive_reasons"))
    if (r.is_string()) all.push_back("inconclusive: " + r.get<std::string>());
  if (all.size() <= kSummaryReasons) return all;
  std::vector<std::string> out(all.begin(), all.begin() + kSummaryReasons - 1);
  out.push_back(fmt::format("... and {} more: see Expectations below", all.size() - out.size()));
  return out;
}

// An expectation's kind; a report from before "kind" has only the basis
// (its invariants were writes to a mounted image, or an installed path).
std::string kind_of(const json& e) {
  if (std::string k = str_or(e, "kind"); !k.empty()) return k;
  std::string basis = str_or(e, "basis");
  if (basis == "invariant")
    return str_or(e, "text").find("holds a complete known version") != std::string::npos ? "installed"
                                                                                          : "no_write_while_mounted";
  return basis == "outcome" ? "fault_outcome" : "exec_count";
}

bool failed_kind(const json& report, std::initializer_list<std::string_view> kinds) {
  for (const auto& e : array_or_empty(report, "expectations"))
    if (expectation_state(e) == "FAILED" && std::find(kinds.begin(), kinds.end(), kind_of(e)) != kinds.end())
      return true;
  return false;
}

bool failed_on(const json& report, const std::string& basis, const char* op = nullptr) {
  for (const auto& e : array_or_empty(report, "expectations"))
    if (expectation_state(e) == "FAILED" && str_or(e, "basis") == basis &&
        (!op || str_or(e, "text").find(op) != std::string::npos))
      return true;
  return false;
}

std::string next_step(const json& report, const std::string& verdict) {
  if (verdict == "pass" && same_version_only(report))
    return "Every expectation held, but every fault offered only the version already installed: skipping it is "
           "right, and this is the incident's own redeploy, yet installing a new version over the mounted image was "
           "not tested. Add a fault that offers a new version before this scenario guards CI.";
  if (verdict == "pass")
    return "Every expectation held: the scenario can guard CI as it is (harness run exits 0 on pass, 1 on fail, 5 "
           "when inconclusive).";
  if (verdict == "error") return "Fix what the error says and run again; no expectation was judged.";
  if (verdict == "timeout") return "Raise the scenario's timeout_s, or lower the workload's iterations or duration_ms.";
  if (verdict == "inconclusive") {
    // A VM run cut to the time left: the one fix is in the scenario.
    std::string hint = str_or(object_or_empty(report, "environment"), "sizing_hint");
    if (!hint.empty())
      return fmt::format("The workload was calibrated to the time a VM run had (see sizing): {}{}.",
                         static_cast<char>(std::toupper(static_cast<unsigned char>(hint[0]))), hint.substr(1));
    return "Fix what the inconclusive reasons say (a workload that fails by itself, a fault that never fired, too few "
           "execs under fault) and run again.";
  }
  if (failed_kind(report, {"no_write_while_mounted", "image_unchanged"}))
    return "Stop writing the image while it is mounted: write the new image beside it and rename it over the name "
           "(the mounted inode is then never written; see examples/gate/install-rename.sh), or refuse to install "
           "over a mounted image. Then run this scenario again.";
  if (failed_kind(report, {"installed"}))
    return "The installed path was not one whole known version with sidecars that agree (the expectations say at "
           "which moment: after the faults, at a power-cut crash point, or after the next install): write the new "
           "version beside the old, fsync it, rename it over the name and fsync the folder, and replace the "
           "sidecars so that no state pairs an image with another image's sidecar (see "
           "examples/gate/install-rename.sh). Then run this scenario again.";
  if (failed_on(report, "statistical", "<="))
    return "Programs died under the fault: the writers and the timeline below show what changed the files they "
           "load, and when.";
  if (failed_on(report, "statistical", ">="))
    return "The expected symptom did not show: the fault may be too gentle for this machine; add memory pressure "
           "(an evict action), more iterations, or check the fault actions below.";
  if (failed_on(report, "outcome"))
    return "The scenario's own actions did not end as expected: see the fault actions and their outcomes below.";
  return "See the expectations and the details below.";
}

}  // namespace

ReportSummary summarize(const json& report) {
  ReportSummary s;
  std::string verdict = str_or(report, "verdict", "unknown");
  s.verdict = upper(verdict);
  s.why = why(report, verdict);
  s.reasons = reasons(report, verdict);
  s.writer = str_or(report, "writer_summary");
  auto groups = writer_groups(report);
  for (size_t i = 0; i < groups.size(); ++i) {
    if (i + 1 == kSummaryWriterGroups && groups.size() > kSummaryWriterGroups) {
      unsigned long rest = 0;
      for (size_t k = i; k < groups.size(); ++k) rest += groups[k].writers;
      s.writer_groups.push_back(
          fmt::format("... and {} more writers of {} other kinds: see Write attribution below", rest, groups.size() - i));
      break;
    }
    s.writer_groups.push_back(writer_group_line(groups[i]));
  }
  const json& ex = object_or_empty(report, "execs");
  const json& st = object_or_empty(report, "statistics");
  if (!ex.empty())
    s.execs = fmt::format("{} execs: {} warm-up, {} before the first fault acted, {} under fault; {} abnormal under "
                          "fault.",
                          count_or(ex, "total"), count_or(ex, "warmup"), count_or(ex, "before_first_fault"),
                          count_or(ex, "under_fault"), count_or(st, "abnormal"));
  s.bound = statistics_sentence(report) + ".";
  s.next = next_step(report, verdict);
  return s;
}

}  // namespace harness
