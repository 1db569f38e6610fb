// DerivedRuns: how a command that derives many scenarios (`harness ablate`,
// `harness matrix`) runs them -- each one written as a scenario file in
// DIR/SUBDIR and checked by the parser before anything runs, the shard's
// share run K times each into DIR/runs through the ordinary batch, after
// the preflight, gc of DIR/runs and, on the host, a private mount namespace.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/run_options.h"
#include "cli/runner.h"
#include "core/scenario.h"

namespace harness {

struct DerivedScenario {
  std::string file_name;      // "NAME.json" in DIR/SUBDIR
  nlohmann::json document;
};

// Writes every document as DIR/SUBDIR/FILE (a record: DIR and SUBDIR made
// or checked by open_trusted_parent) and parses the same text in memory
// (sized for the backend); returns those in this shard (every Nth, by
// position).
std::vector<Scenario> write_derived(const std::vector<DerivedScenario>& docs, const std::filesystem::path& dir,
                                    const std::string& subdir, const RunOptionsArgs& ra);

// Runs them; `on_done` gets each outcome with its report's run_dir made
// relative to `dir`. Returns the exit code of the runs the command cannot
// judge (interrupted, environment errors).
int run_derived(const std::vector<Scenario>& scenarios, const std::filesystem::path& dir, const RunOptionsArgs& ra,
                const std::function<void(const RunOutcome&, const nlohmann::json& report)>& on_done);

}  // namespace harness
