// `harness list [DIR]`: what a folder holds. A folder of scenarios
// (default: scenarios/ here, else the installed ones) lists each with its
// description; a folder of runs (reports/runs, an --out of several runs,
// or one run directory) lists each run with its verdict. A folder that
// does not exist is a usage mistake (exit 2) that says where to look.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {

int cmd_list(const std::vector<std::string>& args);

// The runs under `dir` (each subdirectory with a report.json or a run
// marker, or `dir` itself when it is one), newest first: {run_dir,
// scenario, verdict, started_at, duration_ms}; verdict "unfinished" for a
// run without a report (in progress, or killed: see `harness gc`).
nlohmann::json runs_in(const std::filesystem::path& dir);
std::string runs_text(const nlohmann::json& runs);

}  // namespace harness
