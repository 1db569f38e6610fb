// gc: removes what a killed run left behind, and only that. A run folder
// holds a marker (`harness-run.json`, see base/run_marker.h) that its run
// keeps locked while it lives; a marker gc can lock belongs to a dead run.
// For such a run gc kills every process still in the cgroup the marker
// records (still the same cgroup: same name and id) and removes it, kills
// the qemu processes it records (same pid and start time), lazily
// unmounts mounts under the folder, removes the device-mapper devices it
// records (by uuid) and detaches its loop devices (still bound to the same
// backing device and inode), removes its work/ folder and the marker, and
// leaves `gc.json` saying what it did.
//
// gc runs as root in folders other users may share: it looks only at run
// folders owned by us and writable by nobody else (anyone can plant a
// folder with a marker in /tmp), and it writes only beneath a descriptor
// of the run folder, creating files with O_EXCL|O_NOFOLLOW.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace harness {

struct GcAction {
  std::string run_dir;
  std::string what;  // "detached /dev/loop3 (backing …)", "killed qemu pid 812", ...
};

struct GcResult {
  std::vector<std::string> live_runs;   // markers still locked by their run
  std::vector<std::string> dead_runs;   // cleaned (or would be, with dry_run)
  std::vector<std::string> not_ours;    // run folders of another user, or writable by others: left alone
  std::vector<GcAction> actions;
};

// Looks for run folders directly below each root (and the roots
// themselves). dry_run reports without changing anything.
GcResult collect_garbage(const std::vector<std::filesystem::path>& roots, bool dry_run);

// Where `harness run` may sweep before it starts: only a runs folder the
// user named as such -- `default_runs` when there is no --out, --out
// itself for several runs (it holds their folders) -- and the parent of a
// single run's --out only when that parent is `default_runs`. Never a
// shared parent such as /tmp that the user merely put a run into.
std::vector<std::filesystem::path> runs_folders_to_sweep(const std::optional<std::filesystem::path>& out,
                                                         bool one_run, const std::filesystem::path& default_runs);

}  // namespace harness
