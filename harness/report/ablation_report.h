// The ablation's outputs: ablation.json (the pooled runs of every variant
// and, for each ingredient, whether the symptom needs it), ablation.md (a
// sentence for the postmortem, then the table) and ablation.html (the
// table, each row linking to its runs). Built from the pools alone, so that
// `harness merge` can join the shards of one ablation and render again.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/ablation.h"

namespace harness {

struct AblationRow {
  Variant variant;  // its name, ingredient and description; the scenario document may be empty
  VariantRuns runs;
};

// {"scenario", "repeat", "backend", "original": {...}, "ingredients": [{"name", "description", "ingredient",
//  "necessary", "effect", "runs", "crash_runs", "breach_runs", "counts": {"execs", "crashes"}, "ci95",
//  "run_dirs", "scenario_file"}]}. `rows` holds the original first when it ran in this shard.
nlohmann::json build_ablation(const std::string& scenario, unsigned repeat, const std::string& backend,
                              const std::vector<AblationRow>& rows);
// The rows back from one or more ablation.json files (shards of one run).
std::vector<AblationRow> ablation_rows(const nlohmann::json& ablation);

// "The crash needs: a truncating rewrite of images/demo.img; cache eviction. Not needed: ..."
std::string ablation_sentence(const nlohmann::json& ablation);
std::string ablation_markdown(const nlohmann::json& ablation);
std::string ablation_html(const nlohmann::json& ablation);

}  // namespace harness
