// Plan: a validated Scenario bound to one run — placeholders in argv
// expanded to real paths, the workload program located. Placeholders:
//   {work}          the run's work directory (images, mounts live here)
//   {scenario_dir}  the directory holding the scenario file
//   {harness_dir}   the directory holding the harness binary
//   {fixtures_bin}  where the fixture programs (stack-install) were built
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/scenario.h"

namespace harness {

struct PlanPaths {
  std::filesystem::path work;
  std::filesystem::path scenario_dir;
  std::filesystem::path harness_dir;
  std::filesystem::path fixtures_bin;
};

struct Plan {
  Scenario scenario;  // with argv placeholders expanded
  PlanPaths paths;
};

// The placeholder names, for validation; a "{name}" not in this list is a
// scenario error.
const std::vector<std::string>& placeholder_names();
// Returns the first unknown "{...}" in s, if any.
std::optional<std::string> unknown_placeholder(const std::string& s);
std::string expand_placeholders(const std::string& s, const PlanPaths& p);

Plan make_plan(const Scenario& s, const PlanPaths& p);

// The defaults for this installation: harness_dir from /proc/self/exe,
// fixtures_bin from $HARNESS_FIXTURES_BIN or the build tree next to it.
PlanPaths default_plan_paths(const Scenario& s, const std::filesystem::path& work);
PlanPaths default_plan_paths(const std::filesystem::path& scenario_file, const std::filesystem::path& work);

}  // namespace harness
