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
std::string matrix_html(const nlohmann::json& matrix);

}  // namespace harness
