// `harness ablate SCENARIO --out DIR [--repeat K] [--backend host|vm] [-j N]
// [--shard I/N]`: which ingredients of an incident are necessary. Derives
// the variants (core/ablation.h), writes each as DIR/variants/NAME.json,
// runs each K times (default 5) beside the original into DIR/runs/, and
// writes DIR/ablation.json, ablation.md and ablation.html. A shard runs a
// stable subset of the variants (every Nth, by derivation order, the
// original in shard 0); `harness merge` joins the shards' ablation.json.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace harness {

int cmd_ablate(const std::vector<std::string>& args);

// Joins the ablation.json files of several shards of one ablation and
// writes ablation.json/md/html into `out`; returns the joined document.
nlohmann::json merge_ablations(const std::vector<std::filesystem::path>& files, const std::filesystem::path& out);

}  // namespace harness
