// Scenario: one incident reproduction or prevention check, as the user wrote
// it in a JSON file (comments allowed). load_scenario() parses and validates
// against the rules that scenarios/schema.json documents; every problem is a
// ScenarioError naming file:line:col and the JSON path. Loading touches
// nothing on the machine.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "base/error.h"
#include "base/json_locator.h"
#include "core/exec_class.h"
#include "core/schedule.h"

namespace harness {

// Paths inside the run's work directory are kept relative ("images/demo.img")
// and are resolved beneath it at run time; validation guarantees they are
// relative and free of "..".
using WorkPath = std::string;

struct ImageFile {
  std::filesystem::path from;  // host path, read only
  std::string to;              // path inside the image
  std::optional<unsigned> mode;
};

struct ImageSpec {
  std::string name;
  WorkPath path;  // default images/NAME.img
  std::string fs = "ext4";
  unsigned size_mib = 0;
  std::vector<ImageFile> files;
};

struct CopySpec {
  WorkPath from;
  WorkPath to;
};

struct MountSpec {
  WorkPath image;
  WorkPath mountpoint;
  std::string options = "loop,ro";
};

struct WorkloadSpec {
  std::vector<std::string> argv;  // placeholders ({work}, ...) not yet expanded
  std::optional<unsigned long> iterations;
  std::optional<std::chrono::milliseconds> duration;
  unsigned concurrency = 1;
  std::chrono::milliseconds exec_timeout{5000};
  unsigned warmup = 3;  // at least 1: the baseline every verdict needs
};

enum class ActionKind {
  overwrite_truncate,  // what `cat src > dst` does: O_TRUNC, then write
  overwrite,           // write over the existing bytes without truncating
  atomic_replace,      // write a temp file beside dst, rename over it
  truncate,            // truncate(dst, size)
  drop_caches,         // echo N > /proc/sys/vm/drop_caches
  run,                 // an external command, e.g. the installer under test
  sleep,
  evict,               // posix_fadvise(DONTNEED) on part of a file: partial memory pressure
  kill,                // signal the running `run` action of another fault
  corrupt,             // write bytes over part of a file, in place (a damaged sidecar)
  io_error,            // make a scratch filesystem's disk fail every I/O (device-mapper `error`)
};

std::string_view to_string(ActionKind k);
std::optional<ActionKind> action_kind_from_string(std::string_view name);
// The one definition of a write action: an action the harness itself
// performs that writes its target file (the incident's mistake and its
// remedies). A `run` action is not one, but may write (an installer): the
// write evidence shows whether it did.
bool is_write_action(ActionKind k);
bool may_write(ActionKind k);

struct Action {
  ActionKind kind = ActionKind::sleep;
  WorkPath from;              // overwrite*, atomic_replace
  WorkPath to;                // overwrite*, atomic_replace, truncate
  unsigned long long size_bytes = 0;  // truncate
  int level = 3;              // drop_caches
  std::vector<std::string> argv;      // run
  std::chrono::milliseconds timeout{60000};  // run
  std::chrono::milliseconds duration{0};     // sleep
  WorkPath path;                              // evict: a file, possibly inside a mount
  unsigned long long from_page = 0;           // evict: first page (keep the ELF header with 1)
  std::string label;          // optional, shown in reports ("stack-install (regressed)")
  unsigned instances = 1;     // run: copies of the command started together (racing installers)
  // kill: which fault's running `run` action, with which signal, when:
  // `after` its start, a random offset in [random_from, random_to] drawn
  // from `seed` (none given: one is drawn and recorded), or at its
  // `at_write`-th write system call. io_error: the same moment, if
  // `target_fault` is given; else when the action runs.
  std::string target_fault;
  int signal = 9;
  std::optional<std::chrono::milliseconds> after;
  std::optional<std::pair<std::chrono::milliseconds, std::chrono::milliseconds>> random_window;
  std::optional<unsigned long long> seed;
  std::optional<unsigned long> at_write;
  // ... or once the target has done its N-th operation (write, create,
  // rename, unlink) in the folders it installs into (the destination
  // folders the run watches): a strike inside the installer's work.
  std::optional<unsigned long> at_dest_op;
  std::chrono::milliseconds wait{30000};      // kill: how long the target may take to start
  unsigned long long offset = 0;              // corrupt: where the bytes go
  std::string text;                           // corrupt: the bytes written there
  WorkPath scratch;                           // io_error: a scratch filesystem with io_errors
};

// The signal names a kill action accepts ("SIGKILL" -> 9); nullopt for others.
std::optional<int> signal_from_name(std::string_view name);
std::string signal_name(int sig);

struct FaultSpec {
  std::string name;
  Schedule schedule;
  std::vector<Action> actions;
  bool optional = false;  // may never fire; otherwise never firing makes the verdict inconclusive
};

enum class ExpectationKind {
  exec_count,             // count of execs in `classes` within [at_least, at_most]
  fault_outcome,          // count of fault actions ending with `outcome`
  min_execs_under_fault,  // the statistical bound needs enough trials
  image_unchanged,        // a mounted image's digest and inode never changed, and nothing wrote it
  no_write_while_mounted, // no process wrote the inode a loop device served, while it was mounted
  installed,              // an installed path holds a complete known version, its sidecars agree
};
// "exec_count", "installed"...: the kind as reports name it.
std::string_view to_string(ExpectationKind k);

struct Expectation {
  ExpectationKind kind = ExpectationKind::exec_count;
  std::set<ExecClass> classes;  // exec_count ("abnormal" expands to all but ok)
  std::string outcome;          // fault_outcome: "ok", "EPERM", "exit 5", ...
  std::string fault;            // fault_outcome: restrict to one fault (empty: any)
  std::string action;           // fault_outcome: restrict to one action kind (empty: any)
  WorkPath path;                // image_unchanged, no_write_while_mounted
  std::optional<unsigned long> at_least;
  std::optional<unsigned long> at_most;
  std::string text;             // how the user wrote it, for reports
  // installed: `path` holds one of `versions` (the old one first), each of
  // `sidecars` that exists describes it, and if every run action of `fault`
  // ended ok it holds the last version; checked after the faults, or at
  // the `end` (after the `finally` actions: the next run converged).
  std::vector<WorkPath> versions;
  std::vector<WorkPath> sidecars;
  bool at_end = false;
};

// A small filesystem of its own (a loop-mounted scratch image, read-write)
// at `path` in the work directory, made before the setup actions and
// unmounted last: a data folder that fills up (ENOSPC mid-copy).
struct ScratchSpec {
  WorkPath path;
  unsigned size_mib = 0;
  std::string fs = "ext4";
  // vm backend only: the filesystem is a disk of its own whose writes
  // qemu's blklogwrites logs on the host; after the run the log is
  // replayed to every flush (and a sample of points between) and the
  // `installed` invariants are checked there: a power cut at each point.
  bool power_cut = false;
  // The filesystem's disk is a device-mapper target (linear over the
  // image's loop device), so that an `io_error` action can make it fail
  // every I/O. After the faults the disk is healed and the filesystem
  // checked (e2fsck -fy) and mounted again, as an operator would, before the
  // files are judged. Needs device-mapper (dm-mod): the vm backend's guest
  // has it.
  bool io_errors = false;
  // The folder is meant to run out of room during the faults (a new
  // version larger than the free space): a run where it never did, while
  // the installer wrote into it, tested no ENOSPC and is inconclusive
  // (core/exercise.h). An installer that wrote nothing there refused.
  bool enospc = false;
};

// How big the run is under the vm backend ("vm" in the file), where an
// exec costs 10-50x the host's. Applied by sized_for_backend().
struct VmSizing {
  std::optional<unsigned long> iterations;
  std::optional<std::chrono::milliseconds> duration;
  std::optional<unsigned long> min_execs_under_fault;
};

struct Scenario {
  std::filesystem::path file;  // where it was loaded from
  std::string name;
  std::string description;
  std::chrono::seconds timeout{0};
  std::vector<ImageSpec> images;
  std::vector<CopySpec> copies;
  std::vector<ScratchSpec> scratch;
  std::vector<Action> setup;
  std::vector<MountSpec> mounts;
  WorkloadSpec workload;
  std::vector<FaultSpec> faults;
  std::vector<Expectation> expect;
  // Actions run once after the workload and faults, once the mounts are
  // gone (the operator's next install: does it converge?).
  std::vector<Action> finally;
  std::optional<VmSizing> vm;
  // Programs the scenario's commands call that its argv do not name (a
  // script's rsync): bare names found in PATH, or absolute paths of files
  // (placeholders allowed, not {work}). The vm backend brings them into
  // the guest, with their libraries and #! interpreters; every backend
  // checks they exist before the run (check_programs).
  std::vector<std::string> programs;
  // Stop as soon as the verdict is decided (core/early_stop.h); false in
  // the file ("early_stop": false) or --no-early-stop runs to completion.
  bool early_stop = true;
  // Empty: run as written. Otherwise what sized_for_backend() changed,
  // said in the report ("vm sizing: iterations 100 (as written: 1000)").
  std::string sizing;
  // Sized from the warm-up's pace (core/sizing.h calibrate_workload): set
  // for a VM run of a scenario without a "vm" block.
  bool calibrate = false;
  // Where the fields checked after parsing were written: the programs
  // (every argv element of the workload and of every `run` action, and
  // "programs", checked on the machine that runs them) and the mounted images (one a setup step
  // installs exists only during a run). An error found then names its
  // field as validation does (field_error()).
  std::map<std::string, TextLocation> run_time_fields;
};

// A scenario problem found after parsing, located like a validation error
// ("gate.json:20:14: $.mounts[0].image: ..."); exit 2.
ScenarioError field_error(const Scenario& s, const std::string& json_path, const std::string& message);

// The largest scenario file read: past it, a file is refused unread.
inline constexpr size_t kMaxScenarioBytes = 16u << 20;
class HostPathPolicy;
// `untrusted` (--untrusted): every host file the scenario names is judged
// by it before it is looked at (core/host_path_policy.h).
Scenario load_scenario(const std::filesystem::path& file, const HostPathPolicy* untrusted = nullptr);
// `file` names the text in messages; relative host paths resolve against
// its directory.
Scenario parse_scenario(const std::string& text, const std::filesystem::path& file,
                        const HostPathPolicy* untrusted = nullptr);

// The fields each kind of scenario object accepts, keyed like the "$defs" of
// scenarios/schema.json; a test checks that the two agree.
const std::map<std::string, std::set<std::string>>& scenario_object_fields();

// Validation limits; refusing absurd values is part of being safe as root.
inline constexpr unsigned kMaxImageMiB = 4096;
inline constexpr unsigned kMaxConcurrency = 64;
inline constexpr unsigned long kMaxIterations = 10'000'000;
inline constexpr unsigned kMaxTimeoutSeconds = 6 * 3600;
// Each fault is a thread and each mount a loop device for the whole run;
// schema.json states the same as maxItems (a test checks).
inline constexpr size_t kMaxImages = 32;
inline constexpr size_t kMaxMounts = 32;
inline constexpr size_t kMaxFaults = 64;
inline constexpr size_t kMaxDeclaredPrograms = 64;
inline constexpr unsigned kMaxInstances = 8;   // run: racing copies
inline constexpr unsigned kMinScratchMiB = 2;  // mkfs.ext4 needs room for its metadata

}  // namespace harness
