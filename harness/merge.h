// merge: joins the run directories of several shards (or several runs)
// into one summary and one junit.xml, so a CI matrix reports like a
// single run. Verdicts are taken from each report.json as recorded.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {

// Every report.json at DIR, DIR/*/ or DIR/*/*/, sorted by scenario name.
std::vector<std::filesystem::path> find_reports(const std::vector<std::filesystem::path>& dirs);

struct Merged {
  nlohmann::json summary;  // {"scenarios": [{scenario, verdict, counts, run_dir}], "verdicts": {...}, "pass": bool}
  std::string junit;
  bool all_pass = true;
};

Merged merge_reports(const std::vector<std::filesystem::path>& report_files);

// `harness merge DIR... [--out DIR]`: writes summary.json and junit.xml.
int cmd_merge(const std::vector<std::string>& args);

}  // namespace harness
