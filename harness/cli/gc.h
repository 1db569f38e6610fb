// gc: removes what a killed run left behind, and only that. A run marks
// its directory with `harness-run.json` (our pid); a marker whose process
// is gone means the run died without tearing down. For such a run gc
// detaches loop devices whose backing file lies inside that run directory,
// lazily unmounts mounts under it, kills qemu processes whose command line
// names it, removes its work/ folder and the marker, and leaves `gc.json`
// saying what it did. Anything not tied to a dead run's directory is
// never touched.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace harness {

struct GcAction {
  std::string run_dir;
  std::string what;  // "detached /dev/loop3 (backing …)", "killed qemu pid 812", ...
};

struct GcResult {
  std::vector<std::string> live_runs;   // markers whose process still runs
  std::vector<std::string> dead_runs;   // cleaned (or would be, with dry_run)
  std::vector<GcAction> actions;
};

// Looks for run directories directly below each root (and the roots
// themselves). dry_run reports without changing anything.
GcResult collect_garbage(const std::vector<std::filesystem::path>& roots, bool dry_run);

// True when `pid` is alive and is a harness process.
bool harness_process_alive(int pid);

}  // namespace harness
