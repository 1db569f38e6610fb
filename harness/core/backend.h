// Backend: where a scenario runs. A backend executes a Plan and returns
// what it observed (a RunRecord of events); it never decides a verdict or
// renders a report.
#pragma once

#include <functional>

#include "base/run_dir.h"
#include "core/plan.h"
#include "core/run_record.h"
#include "core/workload_progress.h"

namespace harness {

// Called by the backend at phase changes with a short status line; the CLI
// turns it into the progress display.
struct RunObserver {
  std::function<void(const std::string& phase)> on_phase;
  WorkloadProgress* progress = nullptr;  // live exec counters
  // Every event as it happens, as its report.json form (the guest agent
  // streams these to the host). Called from several threads, serialised by
  // the backend.
  std::function<void(const nlohmann::json& event)> on_event;
};

// A record with the run's identity and environment filled in, as every
// backend starts one.
RunRecord begin_record(const Scenario& s, const RunDir& dir, BackendKind backend);

class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendKind kind() const = 0;
  // Checks, before anything is created, that this machine can run the
  // plan; throws EnvironmentError saying what to do.
  virtual void preflight(const Scenario& s) const = 0;
  virtual RunRecord run(const Plan& plan, RunDir& run_dir, const RunObserver& observer) = 0;
};

}  // namespace harness
