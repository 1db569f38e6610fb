#include "core/matrix_gate.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/matrix.h"

namespace harness {
namespace {

TEST(MatrixGate, ExpectsUnsafeCellsOnlyWhereItIsTold) {
  auto rows = builtin_installers();
  rows.push_back(custom_installer("mine=./a.sh {source} {dest} {name}", "/"));
  const MatrixInstaller &legacy = rows[0], &regressed = rows[1], &hardened = rows[2], &mine = rows[3];
  GateRules none;
  EXPECT_NE(expected_unsafe(legacy, "redeploy", none), "");
  EXPECT_NE(expected_unsafe(regressed, "kill-write", none), "");
  EXPECT_EQ(expected_unsafe(hardened, "redeploy", none), "");
  EXPECT_EQ(expected_unsafe(hardened, "root-overwrite", none), "") << "hardened sets chattr +i";
  EXPECT_EQ(expected_unsafe(mine, "redeploy", none), "");
  EXPECT_NE(expected_unsafe(mine, "root-overwrite", none).find("chattr +i"), std::string::npos);
  GateRules rules;
  rules.allow_unsafe = parse_cell_refs("--allow-unsafe", "mine:redeploy,hardened:race");
  rules.require_safe = parse_cell_refs("--require-safe", "mine:root-overwrite,legacy:redeploy");
  EXPECT_NO_THROW(check_gate_rules(rules, rows));
  EXPECT_EQ(expected_unsafe(mine, "redeploy", rules), "--allow-unsafe mine:redeploy");
  EXPECT_NE(expected_unsafe(hardened, "race", rules), "");
  EXPECT_EQ(expected_unsafe(mine, "root-overwrite", rules), "");
  EXPECT_EQ(expected_unsafe(legacy, "redeploy", rules), "");
  EXPECT_NE(expected_unsafe(legacy, "race", rules), "");
  auto cells = derive_cells(rows, matrix_faults(), rules);
  for (const auto& c : cells) {
    if (c.installer == "mine" && c.fault == "redeploy") {
      EXPECT_EQ(c.expected_unsafe, "--allow-unsafe mine:redeploy");
    }
  }
  // Mistakes: an unknown row or fault, a cell both ways, not ROW:FAULT.
  auto rule_error = [&](const std::string& allow, const std::string& require = "") -> std::string {
    GateRules r;
    try {
      r.allow_unsafe = parse_cell_refs("--allow-unsafe", allow);
      if (!require.empty()) r.require_safe = parse_cell_refs("--require-safe", require);
      check_gate_rules(r, rows);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(rule_error("yours:redeploy").find("no row \"yours\" (rows: legacy, regressed, hardened, mine)"),
            std::string::npos);
  EXPECT_NE(rule_error("mine:redploy").find("no fault \"redploy\""), std::string::npos);
  EXPECT_NE(rule_error("mine:race", "mine:race").find("both"), std::string::npos);
  EXPECT_NE(rule_error("mine-redeploy").find("expected ROW:FAULT"), std::string::npos);
  EXPECT_NE(rule_error("mine:a:b").find("expected ROW:FAULT"), std::string::npos);
  EXPECT_NE(rule_error(",").find("expected ROW:FAULT"), std::string::npos);
}

}  // namespace
}  // namespace harness
