#include "core/power_cut_record.h"

#include <fmt/format.h>

#include <map>

namespace harness {

using nlohmann::json;

std::string_view to_string(CutHolds h) {
  switch (h) {
    case CutHolds::old_version: return "old";
    case CutHolds::new_version: return "new";
    case CutHolds::nothing: return "nothing";
    case CutHolds::broken: return "broken";
  }
  return "?";
}

std::string point_holds(const json& checks) {
  std::string all;
  for (const auto& ch : checks) {
    std::string h = ch.value("holds", std::string(to_string(CutHolds::broken)));
    if (h == to_string(CutHolds::broken)) return h;
    if (all.empty()) all = h;
    else if (all != h) all = "mixed";
  }
  return all.empty() ? std::string(to_string(CutHolds::nothing)) : all;
}

unsigned power_cut_check(const Expectation& e, const RunRecord& r, InstalledCheck& c) {
  unsigned checked = 0;
  for (const auto& pc : r.power_cut) {
    bool mine = false;
    for (const auto& p : pc.value("paths", json::array())) mine = mine || p == e.path;
    if (!mine) continue;
    if (pc.contains("error")) {
      if (c.state == Judgement::held) c.state = Judgement::undecided;
      c.detail += fmt::format("; power cut: undecided: {}", pc.value("error", ""));
      continue;
    }
    unsigned points = 0, broken = 0;
    std::string first;
    for (const auto& cp : pc.value("crash_points", json::array())) {
      ++points;
      for (const auto& ch : cp.value("checks", json::array()))
        if (ch.value("path", "") == e.path && !ch.value("held", false)) {
          if (broken++ == 0)
            first = fmt::format("a power cut after {} of {} logged writes ({}): {}", cp.value("entries", 0ull),
                                pc.value("log_entries", 0ull), cp.value("why", ""), ch.value("detail", ""));
          break;
        }
    }
    const unsigned not_judged = pc.value("not_judged", 0u);
    if (broken) {
      c.state = Judgement::failed;
      c.detail = fmt::format("{} of {} power-cut crash points broke it; first: {}", broken, points, first);
    } else if (not_judged) {
      // What was not judged is not claimed: no pass on part of the points.
      if (c.state == Judgement::held) c.state = Judgement::undecided;
      c.detail += fmt::format("; power cut: undecided: {} crash points not judged ({})", not_judged,
                              pc.value("not_judged_why", ""));
    } else if (points == 0) {
      if (c.state == Judgement::held) c.state = Judgement::undecided;
      c.detail += "; power cut: the write log had no crash point after the setup's install was durable";
    } else if (c.state == Judgement::held) {
      const unsigned flushes = pc.value("flush_points", 0u), cap = pc.value("flush_points_cap", flushes);
      c.detail += fmt::format("; and at all {} power-cut crash points", points);
      if (flushes > cap) c.detail += fmt::format(" ({} of its {} flushes, spread evenly)", cap, flushes);
    }
    checked += points;
  }
  return checked;
}

std::optional<std::string> power_cut_not_exercised(const json& pc) {
  if (pc.contains("error")) return std::nullopt;
  const json points = pc.value("crash_points", json::array());
  std::map<std::string, unsigned> holding;
  for (const auto& cp : points) {
    if (!cp.value("held", true)) return std::nullopt;
    ++holding[cp.value("holds", "")];
  }
  if (holding[std::string(to_string(CutHolds::old_version))] > 0) return std::nullopt;
  const std::string scratch = pc.value("scratch", "");
  const json paths = pc.value("paths", json::array());
  if (paths.empty())
    return fmt::format("the power cut of {} checked nothing: no `installed` expectation (without \"at\": \"end\") lies "
                       "inside it; add one for the file the installer writes there",
                       scratch);
  const json durable = pc.value("durable_state", json::object());
  const std::string durable_holds = durable.value("holds", "");
  std::string files = fmt::format("{}", fmt::join(paths.get<std::vector<std::string>>(), ", "));
  if (durable_holds == to_string(CutHolds::nothing))
    return fmt::format("no crash state of {} could show the old version torn: the setup installed nothing there ({} "
                       "did not exist when the harness made the setup durable); install the first version in setup, "
                       "then redeploy another",
                       scratch, files);
  if (durable_holds == to_string(CutHolds::broken))
    return fmt::format("no crash state of {} could show the old version: the setup's install was not a complete known "
                       "version when the harness made it durable ({}); fix the setup",
                       scratch, durable.value("detail", ""));
  const std::string where = fmt::format("entry {} of {}", pc.value("durable_entry", 0ull), pc.value("log_entries", 0ull));
  if (points.empty())
    return fmt::format("the power cut of {} had no crash point after the setup's install was durable ({}): nothing was "
                       "written after the setup",
                       scratch, where);
  std::vector<std::string> seen;
  for (const auto& [h, n] : holding)
    if (n) seen.push_back(fmt::format("{} {}", n, h.empty() ? "unclassified" : h));
  return fmt::format("no crash state of {} showed the old version: of {} crash points after the setup's install was "
                     "durable ({}), {}; make the first install durable (the harness syncs it after setup: was anything "
                     "installed by setup?)",
                     scratch, points.size(), where, fmt::join(seen, ", "));
}

}  // namespace harness
