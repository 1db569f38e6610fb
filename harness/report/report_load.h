// Reading a report.json back, for re-rendering, comparing and merging.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {


// The largest report.json read back: past it, a file is refused unread.
inline constexpr size_t kMaxReportBytes = size_t{1} << 30;

// The report.json of a run directory (or the file itself when `path` is
// one). A missing, unreadable or malformed file, one without the core
// keys, a link, anything but a regular file (a FIFO is refused, never
// waited on) or one past kMaxReportBytes throws an Error of kind
// invalid_scenario (exit 2) naming the file: reports are read from
// folders other users may write to (regular_file.h).
nlohmann::json load_report(const std::filesystem::path& path);
// The same for `name` in the folder `dirfd` (`shown` names it).
nlohmann::json load_report_at(int dirfd, const std::string& name, const std::filesystem::path& shown);
// The run directory `path` names (its parent when it is report.json).
std::filesystem::path report_run_dir(const std::filesystem::path& path);

}  // namespace harness
