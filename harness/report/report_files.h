// The renderings that sit next to report.json in a run directory:
// report.md, report.html and junit.xml, each written atomically (a temp
// file beside it, fsync, rename) so a reader never sees half a file.
#pragma once

#include "base/atomic_write.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>

namespace harness {

inline constexpr const char* kReportMarkdownFile = "report.md";
inline constexpr const char* kReportHtmlFile = "report.html";
inline constexpr const char* kJunitFile = "junit.xml";

// Renders all three from `report` alone into the folder `dirfd` (a run
// folder held open: nothing goes through a path someone could change);
// `run_dir` names it in errors. Throws EnvironmentError (with the path and
// errno) when a file cannot be written.
void write_report_files(int dirfd, const std::filesystem::path& run_dir, const nlohmann::json& report);


}  // namespace harness
