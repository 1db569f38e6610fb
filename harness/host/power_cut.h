// PowerCut: what a power cut at each crash point of a disk's write log
// would have left, judged on the host. The vm backend records a
// `power_cut` scratch filesystem's disk with qemu's blklogwrites (a
// dm-log-writes log, core/log_writes.h). After the setup actions the guest
// made the folder durable and wrote a mark past the filesystem's end
// (core/durable_mark.h). After the run:
//   1. the mark is found in the log: the durable point D (entries
//      replayed: up to and including the mark). No mark: an error (the
//      verdict is then undecided), never a judgement from entry 0;
//   2. the durable state (the log replayed to D) is judged first: what
//      each `installed` path held when the setup's install was durable
//      (its "old" version, or nothing when the setup installed nothing);
//   3. for every crash point after D (each flush/FUA -- at most
//      kMaxFlushCrashPoints, spread evenly --, the end, and a seeded sample
//      between; core/log_writes.h), until the time budget is spent (the
//      points left are "not judged": the expectation is then undecided,
//      unless a judged point broke it), the log's entries [0, k)
//      are replayed onto a fresh copy of the disk's initial image, e2fsck
//      -fy runs on it as the next boot would (its exit code is recorded)
//      and the expectations' files are read with debugfs, both confined
//      (host/fsck.h, host/image_reader.h): the host kernel mounts none of
//      the guest's bytes;
//   4. each path is classified: the old version, a new one, nothing, or
//      broken (CutHolds, core/power_cut_record.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/clock.h"
#include "core/installed_state.h"
#include "core/power_cut_record.h"
#include "core/scenario.h"

namespace harness {

// How long judging one power-cut folder's crash points may take.
inline constexpr std::chrono::milliseconds kPowerCutBudget{300000};

struct PowerCutInput {
  std::filesystem::path log;         // the blklogwrites log
  std::filesystem::path base_image;  // the disk as the guest first saw it
  std::filesystem::path work;        // where the replay image and mountpoint go (made, then removed)
  std::string scratch;               // the scratch folder's work path ("data")
  std::string fs = "ext4";
  std::vector<Expectation> installed;  // the `installed` expectations inside it
  std::vector<FileState> versions;     // the versions' states (moment "after faults")
  uint64_t mark_offset = 0;            // where the guest wrote the durable mark (core/durable_mark.h)
  std::string mark;                    // the mark's block
  unsigned between = 10;               // sampled points besides flushes
  uint64_t seed = 1;
  // The crash points after the durable one are judged until this much
  // time has passed since the replay began; the rest are not judged.
  std::chrono::milliseconds budget = kPowerCutBudget;
  RunClock::Source now = &MonoClock::now;  // tests move their own
};

// What each path held at the durable point: its version, or "" when
// nothing was installed there. A path absent from it was broken there.
using DurableHeld = std::map<std::string, std::string>;
DurableHeld durable_held(const nlohmann::json& durable_checks);

// The `installed` expectations (not "at": "end") whose path lies in `scratch`.
std::vector<Expectation> installed_inside(const std::vector<Expectation>& expect, const std::string& scratch);

// The states of `versions` that some expectation of `installed` names as
// one of its versions (the replayed filesystem supplies the rest).
std::vector<FileState> versions_named(const std::vector<Expectation>& installed, const std::vector<FileState>& versions);

// Step 4 at one crash point: each expectation of `installed` checked
// against `states` (moment "after faults": the versions and the files read
// from the replayed filesystem), as [{"path", "holds", "held", "version"
// (when a known one), "detail"}]. No run "reported success" at a cut.
// `durable` is what the durable point held; null judges the durable
// point itself (any complete known version is then the old one). `fsck` is
// e2fsck's exit code there, named when a repair left nothing installed.
nlohmann::json judge_crash_state(const std::vector<Expectation>& installed, const std::vector<FileState>& states,
                                 const DurableHeld* durable, int fsck = 0);

// One RunRecord::power_cut element. Never throws for the log or an image:
// a log that cannot be read gives {"error"} (the verdict is then undecided).
nlohmann::json check_power_cut(const PowerCutInput& in);

}  // namespace harness
