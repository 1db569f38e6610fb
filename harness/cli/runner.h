// Runner: the data path for one scenario, in one direction —
// scenario -> plan -> backend -> events -> verdict -> report.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "core/backend.h"
#include "core/scenario.h"
#include "core/verdict.h"

namespace harness {

struct RunOptions {
  std::optional<std::filesystem::path> out;  // run directory; default reports/runs/...
  bool keep_work = false;
  RunObserver observer;
};

struct RunOutcome {
  std::filesystem::path run_dir;
  VerdictStatus status = VerdictStatus::error;
  bool interrupted = false;
  // Why the run stopped on an error, when it did: the machine (exit 3),
  // the scenario (a program or image found missing during the run, exit 2),
  // or something unexpected (exit 4).
  std::optional<ErrorKind> error_kind;
  nlohmann::json report;
};

// Creates the run directory, runs the scenario on the backend, decides,
// writes report.json atomically. The caller has validated the scenario,
// run backend.preflight(), and (for the host backend) entered a private
// mount namespace.
RunOutcome run_scenario(const Scenario& s, Backend& backend, const RunOptions& opts);

}  // namespace harness
