// The crash-point table of a power-cut run, the main evidence of such a
// run, for every renderer: for each power-cut disk of report.json
// ("power_cut"), one row per crash point — which point, how many logged
// writes were replayed, whether the cut fell on a flush or a sampled
// write between, what the folder held there (and whether e2fsck had to
// repair it), and whether the installed paths held or broke.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {

struct CrashPointTable {
  std::string title;  // "data: 40 logged writes, 3 flushes; 4 crash points, 1 broken"
  // Why there is no row: "not judged: the run stopped on an error...".
  std::string not_judged;
  std::vector<std::vector<std::string>> rows;  // the header row first
};

std::vector<CrashPointTable> crash_point_tables(const nlohmann::json& report);

// Said above the tables: how a crash point was made.
inline constexpr const char* kCrashPointsNote =
    "After the run the disk's write log was replayed onto a fresh copy of its initial image up to each crash "
    "point (every flush, the end of the log, and writes sampled between), e2fsck -fy ran as the next boot's "
    "would, and the installed paths were checked there.";

}  // namespace harness
