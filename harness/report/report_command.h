// `harness report RUN_DIR... [--junit FILE]`: re-renders report.md,
// report.html and junit.xml of each run directory from its report.json
// alone; --junit also writes one JUnit file over all of them.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {

int cmd_report(const std::vector<std::string>& args);

// The report.json of a run directory (or the file itself when `path` is
// one). A missing, unreadable or malformed file, or one without the core
// keys, throws an Error of kind invalid_scenario (exit 2) naming the file.
nlohmann::json load_report(const std::filesystem::path& path);
// The run directory `path` names (its parent when it is report.json).
std::filesystem::path report_run_dir(const std::filesystem::path& path);

}  // namespace harness
