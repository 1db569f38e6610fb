// RunRecord: everything a backend observed during one scenario run — the
// events plus the facts about the environment and the kernel resources it
// used. It decides nothing; the verdict is computed from it afterwards.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/event.h"

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

struct RunRecord {
  std::string scenario;
  std::string scenario_file;
  std::string description;
  std::string run_id;
  std::string run_dir;
  std::string started_at;  // ISO 8601 UTC
  double duration_ms = 0;
  std::string backend = "host";
  bool interrupted = false;  // SIGINT/SIGTERM
  bool timed_out = false;    // scenario wall-clock timeout
  std::string error;         // set when the run stopped on an error
  bool environment_error = false;  // ... and the machine was the cause (exit 3)
  nlohmann::json environment = nlohmann::json::object();
  std::vector<ImageRecord> images;
  std::vector<MountRecord> mounts;
  std::vector<ExecEvent> execs;
  std::vector<FaultEvent> faults;
  std::vector<PhaseEvent> phases;
  nlohmann::json kernel_log = nlohmann::json::array();
  // Evidence (see evidence.h): who wrote a watched image, image states at
  // named moments, page-cache residency samples.
  nlohmann::json writers = nlohmann::json::array();
  nlohmann::json images_evidence = nlohmann::json::array();
  nlohmann::json page_cache = nlohmann::json::array();
};

// The "events" array of report.json: phases, faults and execs merged in
// time order.
nlohmann::json events_to_json(const RunRecord& r);
// Refills execs/faults/phases from an "events" array.
void events_from_json(const nlohmann::json& events, RunRecord& r);

}  // namespace harness
