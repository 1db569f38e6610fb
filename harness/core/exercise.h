// Exercise: whether each fault of a run had a chance to do harm -- the
// difference between "safe" and "never tested". A pass must be earned:
//   - a kill or a failing disk aimed at an installer is exercised only if
//     it struck while the installer was at work on its destination (it had
//     written, created, renamed or unlinked something there already, and
//     was still running): one that struck before, or that never struck, is
//     missed;
//   - a scratch filesystem meant to run out of room ("enospc": true) is
//     exercised only if it did, or if the installer wrote nothing there
//     (it refused or skipped what could not fit: the good outcome);
//   - the versions the faults offered are stated: a run whose faults only
//     offered the bytes already installed never tested installing a new
//     version, and says so (the incident's own redeploy is such a run, so
//     it is a note, not a miss).
// A missed fault makes the verdict inconclusive (core/verdict.h), never
// pass; a failure on evidence stays a failure. What was exercised is
// listed in every report. Judged from the run record alone (pure logic),
// so a report re-rendered from report.json says the same.
#pragma once

#include <string>
#include <vector>

#include "core/run_record.h"

namespace harness {

enum class ExerciseState {
  exercised,  // the fault struck where it could do harm
  missed,     // it did not: the run tested nothing there (inconclusive)
  refused,    // the installer declined the input (skipped, refused): nothing to strike, the good outcome
  note,       // what was offered, or why something could not be judged
};
std::string_view to_string(ExerciseState s);

struct Exercise {
  std::string fault;  // the fault it concerns
  std::string what;   // "kill", "io_error", "enospc", "offer"
  ExerciseState state = ExerciseState::note;
  std::string detail;  // where it struck, what was offered
  std::string change;  // missed: what to change so that it strikes
};

nlohmann::json to_json(const Exercise& e);
Exercise exercise_from_json(const nlohmann::json& j);

std::vector<Exercise> judge_exercise(const RunRecord& r);

}  // namespace harness
