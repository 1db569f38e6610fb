// Reading a report.json back, for re-rendering, comparing and merging.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {


// The report.json of a run directory (or the file itself when `path` is
// one). A missing, unreadable or malformed file, or one without the core
// keys, throws an Error of kind invalid_scenario (exit 2) naming the file.
nlohmann::json load_report(const std::filesystem::path& path);
// The run directory `path` names (its parent when it is report.json).
std::filesystem::path report_run_dir(const std::filesystem::path& path);

}  // namespace harness
