#include "core/matrix_gate.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "core/matrix.h"

namespace harness {

std::vector<CellRef> parse_cell_refs(const std::string& flag, const std::string& list) {
  std::vector<CellRef> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (item.empty()) continue;
    size_t colon = item.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == item.size() || item.find(':', colon + 1) != std::string::npos)
      throw std::invalid_argument(fmt::format("{} {}: expected ROW:FAULT (e.g. my-installer:redeploy)", flag, item));
    out.push_back({item.substr(0, colon), item.substr(colon + 1)});
  }
  if (out.empty()) throw std::invalid_argument(fmt::format("{}: expected ROW:FAULT", flag));
  return out;
}

void check_gate_rules(const GateRules& rules, const std::vector<MatrixInstaller>& installers) {
  std::vector<std::string> rows, faults;
  for (const auto& i : installers) rows.push_back(i.name);
  for (const auto& f : matrix_faults()) faults.push_back(f.name);
  auto check = [&](const char* flag, const CellRef& c) {
    if (std::find(rows.begin(), rows.end(), c.installer) == rows.end())
      throw std::invalid_argument(
          fmt::format("{} {}:{}: no row \"{}\" (rows: {})", flag, c.installer, c.fault, c.installer, fmt::join(rows, ", ")));
    if (std::find(faults.begin(), faults.end(), c.fault) == faults.end())
      throw std::invalid_argument(
          fmt::format("{} {}:{}: no fault \"{}\" (faults: {})", flag, c.installer, c.fault, c.fault, fmt::join(faults, ", ")));
  };
  for (const auto& c : rules.allow_unsafe) check("--allow-unsafe", c);
  for (const auto& c : rules.require_safe) {
    check("--require-safe", c);
    if (std::find(rules.allow_unsafe.begin(), rules.allow_unsafe.end(), c) != rules.allow_unsafe.end())
      throw std::invalid_argument(fmt::format("{}:{} is both --allow-unsafe and --require-safe", c.installer, c.fault));
  }
}

std::string expected_unsafe(const MatrixInstaller& inst, const std::string& fault, const GateRules& rules) {
  const CellRef cell{inst.name, fault};
  auto has = [&](const std::vector<CellRef>& v) { return std::find(v.begin(), v.end(), cell) != v.end(); };
  if (has(rules.allow_unsafe)) return fmt::format("--allow-unsafe {}:{}", inst.name, fault);
  if (has(rules.require_safe)) return "";
  if (inst.builtin && (inst.name == "legacy" || inst.name == "regressed"))
    return fmt::format("the fixture's {} row writes in place on purpose", inst.name);
  if (!inst.builtin && fault == "root-overwrite")
    return "only chattr +i stops root's cat > over a mounted image (--require-safe to hold a row to it)";
  return "";
}

}  // namespace harness
