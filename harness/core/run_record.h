// RunRecord: everything a backend observed during one scenario run — the
// events plus the facts about the environment and the kernel resources it
// used. It decides nothing; the verdict is computed from it afterwards.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/backend_kind.h"
#include "core/destination_activity.h"
#include "core/event.h"
#include "core/survivor.h"
#include "core/write_evidence.h"

namespace harness {

struct MountRecord {
  std::string image;
  std::string mountpoint;
  std::string options;
  std::string loop_device;
  unsigned long long backing_dev = 0;
  unsigned long long backing_inode = 0;
  bool autoclear = false;
  // The options in effect as the kernel reports them ("ro,nosuid,nodev,
  // relatime"): nodev,nosuid always, whatever `options` says.
  std::string effective_options;
};

struct ImageRecord {
  std::string name;
  std::string path;
  unsigned long long size_bytes = 0;
  std::string fs;
};

// A fault as the scenario planned it, so that the verdict can tell a
// fault that never fired from one that was never there.
struct PlannedFault {
  std::string name;
  bool optional = false;  // may never fire without making the run inconclusive
};

struct RunRecord {
  std::string scenario;
  std::string scenario_file;
  std::string description;
  std::string run_id;
  std::string run_dir;
  std::string started_at;  // ISO 8601 UTC
  double duration_ms = 0;
  BackendKind backend = BackendKind::host;
  bool interrupted = false;  // SIGINT/SIGTERM
  bool timed_out = false;    // scenario wall-clock timeout
  // Why the run stopped before its workload's end because its verdict was
  // already decided (core/early_stop.h); empty: it ran to completion.
  std::string stopped_early;
  double stopped_early_ms = -1;
  std::string error;         // set when the run stopped on an error
  // A warm-up exec ended 126/127 and the machine that ran it confirmed what
  // its program lacked (core/missing_command.h); "" otherwise.
  std::string workload_missing;
  bool environment_error = false;  // ... and the machine was the cause (exit 3)
  bool scenario_error = false;     // ... and the scenario was (a missing program, exit 2)
  nlohmann::json environment = nlohmann::json::object();
  // The process that ran the scenario (the guest agent, in a VM): a write
  // by this pid is one of the harness's own fault actions.
  pid_t harness_pid = 0;
  std::vector<PlannedFault> planned_faults;
  std::vector<ImageRecord> images;
  std::vector<MountRecord> mounts;
  std::vector<ExecEvent> execs;
  std::vector<FaultEvent> faults;
  std::vector<PhaseEvent> phases;
  nlohmann::json kernel_log = nlohmann::json::array();
  // Who wrote a mounted image while it was mounted (the cause), from the
  // kernel; see write_evidence.h.
  WriteEvidence writes;
  // Further evidence (see host/evidence.h): image states at named moments,
  // page-cache residency samples.
  nlohmann::json images_evidence = nlohmann::json::array();
  nlohmann::json page_cache = nlohmann::json::array();
  // Files an `installed` expectation judges, at "after faults" and "end"
  // (core/installed_state.h): FileState objects.
  nlohmann::json files_evidence = nlohmann::json::array();
  // vm backend, a `power_cut` scratch filesystem: its write log replayed to
  // each crash point and the `installed` expectations inside it checked
  // there: [{"scratch", "paths", "log_entries", "flushes", "crash_points":
  // [{"entries", "why", "fsck", "checks": [{"path", "held", "detail"}]}],
  // "error"}] (reports/FORMAT.md).
  nlohmann::json power_cut = nlohmann::json::array();
  // What the run's actions left running in the background until the
  // faults ended, killed then (core/survivor.h).
  std::vector<Survivor> survivors;
  // Whether the faults were exercised (core/exercise.h judges it): what
  // happened in the installers' destination folders and when, how full the
  // scratch filesystems got, and which versions the faults offered.
  DestinationActivity destination;
  std::vector<ScratchSpace> scratch_space;
  std::vector<Offer> offers;
};

// The one JSON form of each part of a record, shared by report.json and
// the guest channel. The *_from_json functions throw nlohmann's
// out_of_range/type_error for a missing or mistyped required field.
nlohmann::json to_json(const ImageRecord& i);
nlohmann::json to_json(const MountRecord& m);
nlohmann::json to_json(const PlannedFault& f);
ImageRecord image_record_from_json(const nlohmann::json& j);
MountRecord mount_record_from_json(const nlohmann::json& j);
PlannedFault planned_fault_from_json(const nlohmann::json& j);

// The evidence of exercise (destination, scratch_space, offers) as the keys
// "destination_activity", "scratch_space" and "offers" of `out` (report.json,
// the guest's record message), and back. A report without them (an older
// format) leaves them empty; present but malformed throws.
void exercise_evidence_to_json(const RunRecord& r, nlohmann::json& out);
void exercise_evidence_from_json(const nlohmann::json& in, RunRecord& r);

// The "events" array of report.json: phases, faults and execs merged in
// time order.
nlohmann::json events_to_json(const RunRecord& r);
// Refills execs/faults/phases from an "events" array.
void events_from_json(const nlohmann::json& events, RunRecord& r);

}  // namespace harness
