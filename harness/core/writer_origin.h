// Where a write to a mounted image came from: which of the scenario's
// actions started the process that wrote, found from the writer's
// ancestry (kernel fork events) and the pids of the actions the harness
// ran. Pure logic over a RunRecord, so the verdict and every report name a
// writer the same way: "cat (pid 4204), started by fault "redeploy": sh
// user-installer.sh (pid 4190)".
#pragma once

#include <string>

#include "core/run_record.h"

namespace harness {

struct WriterOrigin {
  enum class Kind {
    harness_action,  // the harness itself, performing a write action of a fault
    run_action,      // a process started by a `run` action (setup or fault), or one of its descendants
    other,           // nothing this run started: another process on the machine
  };
  Kind kind = Kind::other;
  const FaultEvent* action = nullptr;  // harness_action, run_action
};

WriterOrigin origin_of(const Writer& w, const RunRecord& r);

// "cat" from a process's exe or argv[0]; "an exited process" when neither
// could be read.
std::string process_name(const ProcessInfo& p);
// "cat (pid 4204)"
std::string process_phrase(const ProcessInfo& p);
// The action as the scenario names it: fault "redeploy" (stack-install (regressed)).
std::string action_phrase(const FaultEvent& f);
// The writer and where it came from, in one phrase (see the top of this file).
std::string describe_writer(const Writer& w, const RunRecord& r);

}  // namespace harness
