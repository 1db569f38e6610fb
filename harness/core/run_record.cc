#include "core/run_record.h"

#include <algorithm>

namespace harness {

using nlohmann::json;

json events_to_json(const RunRecord& r) {
  std::vector<std::pair<double, json>> all;
  all.reserve(r.execs.size() + r.faults.size() + r.phases.size());
  for (const auto& p : r.phases) all.emplace_back(p.t_ms, to_json(p));
  for (const auto& f : r.faults) all.emplace_back(f.t_start_ms, to_json(f));
  for (const auto& e : r.execs) all.emplace_back(e.t_ms, to_json(e));
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  json out = json::array();
  for (auto& [_, j] : all) out.push_back(std::move(j));
  return out;
}

void events_from_json(const json& events, RunRecord& r) {
  for (const auto& e : events) {
    auto type = e.at("type").get<std::string>();
    if (type == "exec")
      r.execs.push_back(exec_event_from_json(e));
    else if (type == "fault")
      r.faults.push_back(fault_event_from_json(e));
    else if (type == "phase")
      r.phases.push_back(phase_event_from_json(e));
  }
}

}  // namespace harness
