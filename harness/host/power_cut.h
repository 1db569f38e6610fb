// PowerCut: what a power cut at each crash point of a disk's write log
// would have left, judged on the host. The vm backend records a
// `power_cut` scratch filesystem's disk with qemu's blklogwrites (a
// dm-log-writes log, core/log_writes.h); after the run, for every crash
// point (each flush/FUA, the end, and a seeded sample between):
//   1. the log's entries [0, k) are replayed onto a fresh copy of the
//      disk's initial image;
//   2. e2fsck -fy runs on it, as the next boot would (it replays the
//      journal); its exit code is recorded;
//   3. the copy is loop-mounted read-only (nodev,nosuid; Mount, RAII) on
//      a mountpoint in the run's work folder, the expectations' files are
//      read without following links or crossing mounts, and it is
//      unmounted;
//   4. every `installed` expectation whose path lies in the folder is
//      checked there (core/installed_state.h): a complete known version
//      whose sidecars agree; a path that does not exist yet, with no
//      sidecar, is "nothing installed yet" and holds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/installed_state.h"
#include "core/scenario.h"

namespace harness {

struct PowerCutInput {
  std::filesystem::path log;         // the blklogwrites log
  std::filesystem::path base_image;  // the disk as the guest first saw it
  std::filesystem::path work;        // where the replay image and mountpoint go (made, then removed)
  std::string scratch;               // the scratch folder's work path ("data")
  std::string fs = "ext4";
  std::vector<Expectation> installed;  // the `installed` expectations inside it
  std::vector<FileState> versions;     // the versions' states (moment "after faults")
  unsigned between = 10;               // sampled points besides flushes
  uint64_t seed = 1;
};

// The `installed` expectations (not "at": "end") whose path lies in `scratch`.
std::vector<Expectation> installed_inside(const std::vector<Expectation>& expect, const std::string& scratch);

// The states of `versions` that some expectation of `installed` names as
// one of its versions (the replayed filesystem supplies the rest).
std::vector<FileState> versions_named(const std::vector<Expectation>& installed, const std::vector<FileState>& versions);

// Step 4 at one crash point: each expectation of `installed` checked
// against `states` (moment "after faults": the versions and the files read
// from the replayed filesystem), as [{"path", "held", "detail"}]. No run
// "reported success" at a cut, and a path that does not exist, with no
// sidecar, holds as "nothing installed yet".
nlohmann::json judge_crash_state(const std::vector<Expectation>& installed, const std::vector<FileState>& states);

// One RunRecord::power_cut element. Never throws for the log or an image:
// a log that cannot be read gives {"error"} (the verdict is then undecided).
nlohmann::json check_power_cut(const PowerCutInput& in);

}  // namespace harness
