// MatrixGate: which cells of `harness matrix` may be UNSAFE without
// failing it as a CI gate. Every cell of the fixture's legacy and
// regressed rows (they write in place on purpose: the controls that show
// the faults bite); a user row's root-overwrite cell (root's `cat >` over
// a mounted image is an operator's write, and only `chattr +i` on the
// installed image stops it, which the hardened fixture alone sets; a user
// row is held to it with --require-safe); and each --allow-unsafe cell.
// --require-safe takes a default back. The exit code itself is
// cli/exit_code.h's matrix_exit_code. Pure logic.
#pragma once

#include <string>
#include <vector>

namespace harness {

struct MatrixInstaller;

// One cell named on the command line: "ROW:FAULT".
struct CellRef {
  std::string installer, fault;
  bool operator==(const CellRef&) const = default;
};
// Parses a comma-separated list of ROW:FAULT for `flag`; throws
// std::invalid_argument on a malformed item.
std::vector<CellRef> parse_cell_refs(const std::string& flag, const std::string& list);

// The cells --allow-unsafe and --require-safe name.
struct GateRules {
  std::vector<CellRef> allow_unsafe, require_safe;
};
// Throws std::invalid_argument when a cell names an unknown row or fault,
// or is both allowed and required.
void check_gate_rules(const GateRules& rules, const std::vector<MatrixInstaller>& installers);
// Why the gate expects this cell may be UNSAFE; "" when it does not.
std::string expected_unsafe(const MatrixInstaller& installer, const std::string& fault, const GateRules& rules);

}  // namespace harness
