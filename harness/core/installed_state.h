// InstalledState: whether an installer left its destination in a state a
// reader can trust -- the installer's invariant the matrix checks after
// every fault. The backend records each file's digests at two moments
// ("after faults": the workload and faults are over; "end": after the
// `finally` actions); this judges an `installed` expectation from them:
//   - the installed path holds a complete known version: its SHA-256 equals
//     one of the versions' (a torn copy equals none);
//   - every sidecar that exists holds the MD5 or SHA-256 of that very file;
//   - if every run action of the expectation's fault ended ok, the last
//     version is the one installed (an installer that says "installed"
//     installed it).
// Pure logic.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/judgement.h"

#include "core/event.h"
#include "core/scenario.h"

namespace harness {

inline constexpr const char* kMomentAfterFaults = "after faults";
inline constexpr const char* kMomentEnd = "end";

// One file at one moment, as report.json keeps it ("files_evidence").
struct FileState {
  std::string moment;
  std::string path;
  bool exists = false;
  unsigned long long size = 0;
  std::string sha256;
  std::string md5;
  std::string head;  // its first bytes (sidecars are one line)
};

nlohmann::json to_json(const FileState& f);
FileState file_state_from_json(const nlohmann::json& j);

// The work paths whose states an expectation needs (installed, versions, sidecars).
std::vector<std::string> paths_to_record(const std::vector<Expectation>& expect);

// A sidecar's digest: the first token if it is 32 (md5) or 64 (sha256)
// hex digits, else empty.
std::string sidecar_digest(const std::string& text);

struct InstalledCheck {
  // Undecided: the moment was never recorded (the run stopped before it).
  Judgement state = Judgement::failed;
  std::string version;     // the known version the path holds (one of `versions`), if any
  std::string detail;
};

InstalledCheck check_installed(const Expectation& e, const std::vector<FileState>& states,
                               const std::vector<FaultEvent>& faults);

}  // namespace harness
