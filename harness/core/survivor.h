// Survivor: a process the run started (in the background of a `run`
// action, or of a workload exec) that was still alive when the faults had
// ended, and that the harness killed then, at teardown. Background work
// is part of the installer: it ran on, watched, until then, but whatever
// it would have done afterwards (a late write to the image) went unseen,
// so the verdict cannot rest on the run and is `inconclusive`. A backend
// records them; the verdict and every report read them.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {

struct Survivor {
  pid_t pid = 0;
  std::string exe;                // its program, as /proc named it
  std::vector<std::string> argv;  // empty if it could not be read
  std::string cgroup;             // the cgroup it was in ("/harness-812-1/run-3")
  // Where it came from: the action whose cgroup it was in.
  std::string fault;    // the fault's name, or "workload"
  unsigned fire = 0;    // which firing of the fault
  pid_t action_pid = 0;  // the action's own command; 0 for the workload
  std::string action;   // as reports name it: fault "redeploy" (install.sh)
  double t_killed_ms = 0;
};

// Listed at most (a fork bomb is killed whole, not listed whole; a guest's
// list is cut there).
inline constexpr size_t kMaxSurvivors = 1000;

nlohmann::json to_json(const Survivor& s);
// Throws nlohmann's exceptions for a missing pid.
Survivor survivor_from_json(const nlohmann::json& j);

// Why survivors make a run inconclusive, one reason per action that left
// some, saying what to change. The one wording, for the verdict.
std::vector<std::string> survivor_reasons(const std::vector<Survivor>& survivors);

}  // namespace harness
