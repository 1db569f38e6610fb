#include "core/run_record.h"

#include <algorithm>

namespace harness {

using nlohmann::json;

json to_json(const ImageRecord& i) {
  return json{{"name", i.name}, {"path", i.path}, {"size_bytes", i.size_bytes}, {"fs", i.fs}};
}

json to_json(const MountRecord& m) {
  return json{{"image", m.image},
              {"mountpoint", m.mountpoint},
              {"options", m.options},
              {"loop_device", m.loop_device},
              {"backing_dev", m.backing_dev},
              {"backing_inode", m.backing_inode},
              {"autoclear", m.autoclear},
              {"effective_options", m.effective_options}};
}

json to_json(const PlannedFault& f) { return json{{"name", f.name}, {"optional", f.optional}}; }

ImageRecord image_record_from_json(const json& j) {
  return ImageRecord{j.at("name").get<std::string>(), j.at("path").get<std::string>(),
                     j.at("size_bytes").get<unsigned long long>(), j.value("fs", "")};
}

MountRecord mount_record_from_json(const json& j) {
  return MountRecord{j.at("image").get<std::string>(),       j.at("mountpoint").get<std::string>(),
                     j.value("options", ""),                 j.value("loop_device", ""),
                     j.value("backing_dev", 0ULL),           j.value("backing_inode", 0ULL),
                     j.value("autoclear", false),                 j.value("effective_options", "")};
}

PlannedFault planned_fault_from_json(const json& j) {
  return PlannedFault{j.at("name").get<std::string>(), j.value("optional", false)};
}

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

void exercise_evidence_to_json(const RunRecord& r, nlohmann::json& out) {
  out["destination_activity"] = to_json(r.destination);
  nlohmann::json space = nlohmann::json::array(), offers = nlohmann::json::array();
  for (const auto& s : r.scratch_space) space.push_back(to_json(s));
  for (const auto& o : r.offers) offers.push_back(to_json(o));
  out["scratch_space"] = space;
  out["offers"] = offers;
}

void exercise_evidence_from_json(const nlohmann::json& in, RunRecord& r) {
  if (in.contains("destination_activity")) r.destination = destination_activity_from_json(in.at("destination_activity"));
  if (in.contains("scratch_space"))
    for (const auto& s : in.at("scratch_space")) r.scratch_space.push_back(scratch_space_from_json(s));
  if (in.contains("offers"))
    for (const auto& o : in.at("offers")) r.offers.push_back(offer_from_json(o));
}

}  // namespace harness
