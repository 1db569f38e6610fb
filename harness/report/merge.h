// merge: joins the run directories of several shards (or several runs)
// into one summary and one junit.xml, so a CI matrix reports like a
// single run. Verdicts are taken from each report.json as recorded.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/verdict.h"

namespace harness {

// Every report.json at DIR, DIR/*/ or DIR/*/*/, sorted by scenario name.
std::vector<std::filesystem::path> find_reports(const std::vector<std::filesystem::path>& dirs);

// Several runs of each scenario taken together, one entry per scenario:
// runs, their verdicts, how many saw SIGSEGV/SIGBUS and how many saw any
// abnormal exit, and the execs under fault of all runs summed into one
// Clopper-Pearson estimate (as if every exec were an independent trial).
nlohmann::json pool_by_scenario(const std::vector<nlohmann::json>& reports);

// One line per scenario of pool_by_scenario(), for the terminal.
std::string pooled_text(const nlohmann::json& by_scenario);

struct Merged {
  // {"scenarios": [{scenario, verdict, counts, run_dir}], "verdicts": {...},
  //  "by_scenario": pool_by_scenario(), "pass": bool, "reports": n}
  nlohmann::json summary;
  std::string junit;
  bool all_pass = true;
  // Each report's verdict and whether it was interrupted, for the caller's
  // exit code.
  std::vector<std::pair<VerdictStatus, bool>> outcomes;
};

Merged merge_reports(const std::vector<std::filesystem::path>& report_files);
// The same from reports already in memory.
Merged merge_reports(std::vector<nlohmann::json> reports);


}  // namespace harness
