// The matrix's outputs: matrix.json ({"cells": [{"installer", "fault",
// "safe", "runs", "crash_points", "evidence"}], ...}), matrix.md (the table:
// installers down, faults across, each cell safe or UNSAFE with why) and
// matrix.html (the same, every cell linking to its runs' reports). Built
// from the cells alone, so that `harness merge` can join the shards of
// one matrix and render again.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/matrix.h"

namespace harness {

struct MatrixMeta {
  std::string backend = "host";
  unsigned repeat = 1;
  double seconds = 0;  // wall-clock time of the runs (summed over merged shards)
  std::vector<std::string> installers;  // row order
  std::vector<std::string> faults;      // column order
  std::vector<MatrixFault> legend;      // what each fault does
};

nlohmann::json build_matrix(const MatrixMeta& meta, const std::vector<CellRuns>& cells);
// The meta and cells back from one matrix.json.
MatrixMeta matrix_meta(const nlohmann::json& matrix);
std::vector<CellRuns> matrix_cells(const nlohmann::json& matrix);
// Shards of one matrix, joined: cells in row/column order, times summed.
nlohmann::json join_matrices(const std::vector<nlohmann::json>& shards);

std::string matrix_markdown(const nlohmann::json& matrix);
// "3 safe, 2 UNSAFE (1 not expected), 0 inconclusive, 0 error".
std::string matrix_counts_text(const nlohmann::json& matrix);
// What the matrix's exit code follows from (cli/exit_code.h's
// matrix_exit_code), naming the cells: "gate: exit 1: UNSAFE, not
// expected: mine × redeploy".
std::string gate_text(const nlohmann::json& matrix);
// `text` whole when it has at most `max` bytes; else cut before byte
// `max` at a space (inside one long word only if it must, never inside a
// UTF-8 character), trailing punctuation dropped, and an ellipsis added.
std::string shorten_at_word(const std::string& text, size_t max);
std::string matrix_html(const nlohmann::json& matrix);

}  // namespace harness
