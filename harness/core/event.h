// Events are what a backend produces and all it produces: one per workload
// exec, one per fault action firing, and phase markers. They convert to and
// from JSON so that a guest agent can stream them to the host as JSON lines
// and `harness report` can rebuild everything from report.json.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/exec_class.h"

namespace harness {

enum class ExecPhase { warmup, fault };

struct ExecEvent {
  double t_ms = 0;    // start, monotonic ms since the run began
  double dur_ms = 0;
  unsigned worker = 0;
  unsigned long seq = 0;
  ExecPhase phase = ExecPhase::fault;
  ExecOutcome outcome;
  pid_t pid = 0;
};

struct FaultEvent {
  std::string fault;  // fault name; "setup" for setup actions
  std::string action;
  std::string label;
  unsigned fire = 0;
  double t_start_ms = 0;
  double t_end_ms = 0;
  bool ok = true;
  std::string outcome;  // "ok", "EPERM", "exit 5", "signal SIGSEGV", "timeout"
  std::string detail;
  pid_t pid = 0;                  // run actions
  std::vector<std::string> argv;  // run actions
  // run actions: the cgroup its command ran in, as /proc/PID/cgroup names
  // it ("/harness-812-1/run-3"); whatever it started is in it too.
  std::string cgroup;
  std::string stdout_text;        // run actions, capped
  std::string stderr_text;        // run actions, capped
  nlohmann::json result;          // run actions: the JSON object on stdout's last line, if any
  // run actions that ended 126/127: what the command lacked on the machine
  // that ran it, and what brings it in (core/missing_command.h); "" if
  // nothing was confirmed missing.
  std::string missing;
};

// A failed action in one line, for the run's error: "STEP ended exit 2
// (111 ms); stderr: \"LAST LINE\"". What it lacked, if anything, comes
// first ("setup: rsync is not in the guest: ...; STEP ended ..."), so a
// shortened line (a matrix cell's why) still names it.
std::string failure_line(const std::string& step, const FaultEvent& e);
// "; rsync is not in the guest: ...; stderr: \"deploy.sh: 5: rsync: not
// found\"": what it lacked (if anything) and the last line of its stderr.
std::string failure_context(const FaultEvent& e);

struct PhaseEvent {
  std::string name;  // setup, warmup, faults, teardown
  double t_ms = 0;
};

nlohmann::json to_json(const ExecEvent& e);
nlohmann::json to_json(const FaultEvent& e);
nlohmann::json to_json(const PhaseEvent& e);
ExecEvent exec_event_from_json(const nlohmann::json& j);
FaultEvent fault_event_from_json(const nlohmann::json& j);
PhaseEvent phase_event_from_json(const nlohmann::json& j);

}  // namespace harness
