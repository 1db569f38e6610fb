// `harness matrix [--backend host|vm] [--installer CMD] [--installers LIST]
// [--faults LIST] [--repeat K] [-j N] [--shard I/N] --out DIR`: every
// installer against every overwriting fault (core/matrix.h). Writes each
// cell as DIR/cells/NAME.json, runs each K times (default 1) into
// DIR/runs/, and writes DIR/matrix.json, matrix.md and matrix.html. A
// shard runs a stable subset of the cells; `harness merge` joins the
// shards' matrix.json.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace harness {

// `harness matrix --help`: the whole reference of the command (rows,
// faults, cell states, the gate, exit codes), one string.

int cmd_matrix(const std::vector<std::string>& args);

// Joins the matrix.json files of several shards of one matrix and writes
// matrix.json/md/html into `out`; returns the joined document
// (matrix_exit_code(matrix_cells(it)) is its gate).
nlohmann::json merge_matrices(const std::vector<std::filesystem::path>& files, const std::filesystem::path& out);

}  // namespace harness
