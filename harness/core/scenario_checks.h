// Scenario checks that the file alone cannot settle: the programs it
// names must exist on the machine that runs them, and an image a setup
// step installs must be there to mount. A mistake there is still the
// scenario's (exit 2, naming the field, as validation does), and is best
// caught before anything is created: check_programs() runs right after
// validation. A program inside an image (its path starts with {work})
// exists only once the image is mounted: check_workload_started() judges
// it from the warm-up, before any fault runs; check_mounted_images() runs
// after setup, before the first mount.
#pragma once

#include <vector>

#include "base/run_dir.h"
#include "core/event.h"
#include "core/plan.h"
#include "core/scenario.h"

namespace harness {

// Throws the located ScenarioError of the first program that cannot be
// executed: missing (ENOENT), not executable (EACCES), not a format the
// kernel runs (ENOEXEC). A workload program must be a path: the workload
// is spawned without a PATH search. Programs under {work} are skipped.
// Checked: argv[0] of the workload and of every run action (setup,
// faults, finally), and every "programs" entry.
void check_programs(const Scenario& s, const PlanPaths& paths);

// After the warm-up: throws the located ScenarioError when its first exec
// could not start because the program is missing or cannot be executed
// (ENOENT, EACCES, ENOEXEC) -- a wrong path, not a fault's doing, since
// no fault has run yet.
void check_workload_started(const Scenario& s, const std::vector<ExecEvent>& warmup);

// After setup: throws the located ScenarioError for a mounted image that
// is not in the work directory (a setup action did not install it).
void check_mounted_images(const Scenario& s, const RunDir& dir);

}  // namespace harness
