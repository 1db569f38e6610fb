// Matrix: every installer against every overwriting fault, one cell each,
// with a verdict per cell. A cell is an ordinary scenario (so it can be
// rerun, edited, sharded and merged like any other): the installer puts
// version 1 of a stack image in place, a program runs from a mounted
// image, a fault strikes while the installer redeploys (version 2, or the
// same version), and the cell's expectations are the installer's
// invariants:
//   - no write to the mounted image while it is mounted;
//   - no abnormal exec from it;
//   - the installed path holds a complete known version and its sidecars
//     agree (or the installer failed and the old version is intact);
//   - after the faults, with nothing mounted, the next run of the same
//     installer converges.
// A cell is safe when every run of it passes. Pure logic: derives the
// scenario documents and reads the reports.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/matrix_gate.h"

namespace harness {

struct MatrixInstaller {
  // The row's name, unique in a matrix: "legacy", "regressed", "hardened",
  // or the user's ("install-rename"). Letters, digits, '-' and '_'.
  std::string name;
  bool builtin = false;  // one of the fixture's three rows
  // With {source} {dest} {name}; the harness's placeholders ({work},
  // {fixtures_bin}) are allowed too.
  std::vector<std::string> argv;
  // The redeploy is slowed to ~4 MiB/s (--rate), so that a kill lands
  // mid-copy; a user's installer copies at full speed.
  std::vector<std::string> throttle;
  std::string description;
};

struct MatrixFault {
  std::string name;         // "kill-random"
  std::string description;  // for the table's legend
  bool mounted = true;      // whether the installer's destination is mounted while it runs
  bool vm_only = false;     // needs the vm backend (power-cut)
  // Needs device-mapper (eio): the vm backend's guest has it; the host
  // backend only on a kernel that has it.
  bool device_mapper = false;
};

// legacy, regressed, hardened: stack-install from {fixtures_bin}.
std::vector<MatrixInstaller> builtin_installers();
// A user's installer from one `--installer` value, "[NAME=]CMD": the
// command split at spaces, with {source} {dest} {name}; a relative
// program is made absolute against `cwd`. Without NAME the row is named
// after the script the command runs: the file stem of its program, or,
// when that is an interpreter (sh, bash, env, python3...), of the first
// argument that is not an option ("/bin/sh a.sh ..." -> "a"). Throws
// std::invalid_argument when a placeholder is missing or NAME is not a
// name.
MatrixInstaller custom_installer(const std::string& text, const std::string& cwd);
// Throws std::invalid_argument, naming both, when two rows have one name
// (two user rows, or a user row named like a built-in one): their cells
// would be one cell.
void check_row_names(const std::vector<MatrixInstaller>& installers);

const std::vector<MatrixFault>& matrix_faults();

struct MatrixCell {
  std::string installer;
  std::string fault;
  std::string expected_unsafe;  // why an UNSAFE verdict here does not fail the gate; "" when it does
  std::string name;           // the scenario's name and file name: "matrix--legacy--kill-random"
  nlohmann::json scenario;    // a complete scenario document
};

// Every installer x every fault, in a stable order (installers, then
// faults, as given). `sleep` is the host program the image carries.
// Throws std::invalid_argument when two rows share a name.
std::vector<MatrixCell> derive_cells(const std::vector<MatrixInstaller>& installers,
                                     const std::vector<MatrixFault>& faults, const GateRules& rules = {},
                                     const std::string& sleep = "/bin/sleep");

// What one run of a cell adds to it: its verdict, the expectations that
// failed (the why), and where its kills struck (crash points).
struct CellRuns {
  std::string installer, fault, name;
  std::string expected_unsafe = {};  // MatrixCell::expected_unsafe
  unsigned runs = 0, passed = 0;
  // Runs that could not judge the cell: the fault never struck (a kill
  // that came after the installer had finished), or the verdict was
  // inconclusive. Never safe, never unsafe.
  unsigned not_exercised = 0;
  // Runs that stopped on an error (the harness or the machine failed, not
  // the installer): nothing judged, no crash points.
  unsigned errors = 0;
  // Kills and disk failures: [{"action", "offset_ms", "writes", "run"}]; power cuts: [{"run", "point", "entries", "of", "why", "fsck", "holds", "held"}]
  // (as report.json's power_cut[].crash_points[]: "holds" old/new/nothing/broken/mixed).
  nlohmann::json crash_points = nlohmann::json::array();
  // [{"run_dir", "verdict", "failed": [..]}]; an errored run's "failed"
  // is its error.
  nlohmann::json evidence = nlohmann::json::array();
  bool safe() const { return runs > 0 && passed == runs; }
  // "unsafe" (some run failed), else "error" (some run errored), else
  // "inconclusive" (some run judged nothing), else "safe".
  std::string state() const;
  // Whether this cell fails the gate for being UNSAFE.
  bool unexpected_unsafe() const { return state() == "unsafe" && expected_unsafe.empty(); }
};
void add_cell_run(CellRuns& cell, const nlohmann::json& report, const std::string& run_dir);

nlohmann::json to_json(const CellRuns& c);
CellRuns cell_runs_from_json(const nlohmann::json& j);

}  // namespace harness
