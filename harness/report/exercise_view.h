// ExerciseView: what a report says a run offered and exercised, one line a
// fault (core/exercise.h), in the words every renderer uses: the terminal
// summary, report.md and report.html.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {

struct ExerciseLine {
  std::string label;  // "exercised", "NOT EXERCISED", "refused", "offered", "note"
  std::string text;   // "fault \"kill\": the kill struck ..."
};

// From report.json's "exercise" array; empty for reports without one.
std::vector<ExerciseLine> exercise_lines(const nlohmann::json& report);

// True when the run's faults offered only the bytes already installed.
bool same_version_only(const nlohmann::json& report);

}  // namespace harness
