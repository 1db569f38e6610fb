#include "core/write_evidence.h"

namespace harness {

using nlohmann::json;

std::vector<const Writer*> WriteEvidence::writers_of(const std::string& path) const {
  std::vector<const Writer*> out;
  for (const auto& w : writers)
    if (w.path == path) out.push_back(&w);
  return out;
}

const Watch* WriteEvidence::watch_of(const std::string& path) const {
  for (const auto& w : watches)
    if (w.path == path) return &w;
  return nullptr;
}

void mark_inherited_truncation(std::vector<Writer>& writers) {
  for (auto& w : writers) {
    if (w.truncated) continue;
    for (const auto& a : w.ancestors)
      for (const auto& opener : writers)
        if (opener.process.pid == a.pid && opener.path == w.path && opener.truncated_at_open &&
            opener.t_open_ms >= 0 && opener.t_open_ms <= w.t_first_ms &&
            (opener.t_last_ms < 0 || w.t_first_ms <= opener.t_last_ms))
          w.truncated = true;
  }
}

json to_json(const ProcessInfo& p) {
  json j{{"pid", p.pid}, {"ppid", p.ppid}, {"exe", p.exe}, {"argv", p.argv}};
  if (!p.cgroup.empty()) j["cgroup"] = p.cgroup;
  return j;
}

ProcessInfo process_info_from_json(const json& j) {
  ProcessInfo p;
  p.pid = j.value("pid", 0);
  p.ppid = j.value("ppid", 0);
  p.exe = j.value("exe", "");
  p.argv = j.value("argv", std::vector<std::string>{});
  p.cgroup = j.value("cgroup", "");
  return p;
}

json to_json(const Watch& w) {
  return json{{"path", w.path},
              {"mountpoint", w.mountpoint},
              {"loop_device", w.loop_device},
              {"mount_options", w.mount_options},
              {"dev", w.dev},
              {"inode", w.inode},
              {"t_watch_ms", w.t_watch_ms},
              {"t_unwatch_ms", w.t_unwatch_ms},
              {"mtime_ns_at_watch", w.mtime_ns_at_watch},
              {"mtime_ns_at_unwatch", w.mtime_ns_at_unwatch},
              {"size_at_watch", w.size_at_watch},
              {"size_at_unwatch", w.size_at_unwatch},
              {"modified_per_mtime", w.modified_per_mtime()}};
}

Watch watch_from_json(const json& j) {
  Watch w;
  w.path = j.value("path", "");
  w.mountpoint = j.value("mountpoint", "");
  w.loop_device = j.value("loop_device", "");
  w.mount_options = j.value("mount_options", "");
  w.dev = j.value("dev", 0ULL);
  w.inode = j.value("inode", 0ULL);
  w.t_watch_ms = j.value("t_watch_ms", -1.0);
  w.t_unwatch_ms = j.value("t_unwatch_ms", -1.0);
  w.mtime_ns_at_watch = j.value("mtime_ns_at_watch", -1LL);
  w.mtime_ns_at_unwatch = j.value("mtime_ns_at_unwatch", -1LL);
  w.size_at_watch = j.value("size_at_watch", -1LL);
  w.size_at_unwatch = j.value("size_at_unwatch", -1LL);
  return w;
}

// The writer's own process fields sit at the top level of its object, as
// report.json has always had them ("pid", "exe", "argv", "t_ms").
json to_json(const Writer& w) {
  json ancestors = json::array();
  for (const auto& a : w.ancestors) ancestors.push_back(to_json(a));
  json j{{"pid", w.process.pid},
          {"ppid", w.process.ppid},
          {"exe", w.process.exe},
          {"argv", w.process.argv},
          {"ancestors", ancestors},
          {"identity_from", w.identity_from},
          {"path", w.path},
          {"t_open_ms", w.t_open_ms},
          {"t_ms", w.t_first_ms},
          {"t_last_ms", w.t_last_ms},
          {"modify_events", w.modify_events},
          {"close_write_events", w.close_write_events},
          {"access", w.modify_events ? "modify" : "open_write"},
          {"truncated", w.truncated},
          {"truncated_at_open", w.truncated_at_open},
          {"min_size_seen", w.min_size_seen}};
  if (!w.process.cgroup.empty()) j["cgroup"] = w.process.cgroup;
  return j;
}

Writer writer_from_json(const json& j) {
  Writer w;
  w.process = process_info_from_json(j);
  for (const auto& a : j.value("ancestors", json::array())) w.ancestors.push_back(process_info_from_json(a));
  w.identity_from = j.value("identity_from", "");
  w.path = j.value("path", "");
  w.t_open_ms = j.value("t_open_ms", -1.0);
  w.t_first_ms = j.value("t_ms", -1.0);
  w.t_last_ms = j.value("t_last_ms", -1.0);
  w.modify_events = j.value("modify_events", 0UL);
  w.close_write_events = j.value("close_write_events", 0UL);
  w.truncated = j.value("truncated", false);
  w.truncated_at_open = j.value("truncated_at_open", false);
  w.min_size_seen = j.value("min_size_seen", -1LL);
  return w;
}

json to_json(const WriteEvidence& e) {
  json watches = json::array();
  for (const auto& w : e.watches) watches.push_back(to_json(w));
  return json{{"unavailable", e.unavailable.empty() ? json(nullptr) : json(e.unavailable)},
              {"incomplete", e.incomplete.empty() ? json(nullptr) : json(e.incomplete)},
              {"method", e.method},
              {"time_source", e.time_source},
              {"watches", watches}};
}

static std::string string_or_empty(const json& j, const char* key) {
  return j.contains(key) && j.at(key).is_string() ? j.at(key).get<std::string>() : std::string();
}

WriteEvidence write_evidence_from_json(const json& evidence, const json& writers) {
  WriteEvidence e;
  if (evidence.is_object()) {
    e.unavailable = string_or_empty(evidence, "unavailable");
    e.incomplete = string_or_empty(evidence, "incomplete");
    e.method = evidence.value("method", "");
    e.time_source = evidence.value("time_source", "");
    for (const auto& w : evidence.value("watches", json::array())) e.watches.push_back(watch_from_json(w));
  } else {
    // A report from before write evidence was recorded as its own object.
    e.unavailable = "this report predates the write evidence record";
  }
  if (writers.is_array())
    for (const auto& w : writers) e.writers.push_back(writer_from_json(w));
  return e;
}

}  // namespace harness
