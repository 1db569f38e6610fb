// report.json: the versioned result contract (reports/FORMAT.md), built
// from a RunRecord and its Verdict, and read back for re-rendering.
#pragma once

#include <nlohmann/json.hpp>

#include "core/run_record.h"
#include "core/verdict.h"

namespace harness {

// 2: the verdict can be "inconclusive"; expectations carry "basis" and
// "undecided"; "write_evidence", "faults", "counts_warmup" and
// "execs.before_first_fault" were added; run.harness_pid replaces
// environment.harness_pid.
inline constexpr int kReportFormatVersion = 2;

nlohmann::json build_report(const RunRecord& r, const Verdict& v);
// The verdict's counts as a JSON object with every class as a key.
nlohmann::json counts_to_json(const ExecCounts& c);
// report.json's "statistics" object for `abnormal` of `n` execs under
// fault: rate, two-sided 95% and one-sided upper Clopper-Pearson bounds.
nlohmann::json binomial_statistics(unsigned long abnormal, unsigned long n);

// Reads the record back (events, mounts, images, environment) from a
// report; the verdict stays as recorded in the report.
RunRecord record_from_report(const nlohmann::json& report);

// One screen for stdout: verdict, counts, bound, expectations, paths.
std::string summary_text(const nlohmann::json& report, bool color);

}  // namespace harness
