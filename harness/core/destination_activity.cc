#include "core/destination_activity.h"

#include <stdexcept>

namespace harness {

using nlohmann::json;

std::string_view to_string(DestinationOpKind k) {
  switch (k) {
    case DestinationOpKind::write: return "write";
    case DestinationOpKind::create: return "create";
    case DestinationOpKind::rename_from: return "rename-from";
    case DestinationOpKind::rename_to: return "rename-to";
    case DestinationOpKind::unlink: return "unlink";
  }
  return "write";
}

static DestinationOpKind op_kind_from_string(const std::string& s) {
  for (auto k : {DestinationOpKind::write, DestinationOpKind::create, DestinationOpKind::rename_from,
                 DestinationOpKind::rename_to, DestinationOpKind::unlink})
    if (to_string(k) == s) return k;
  throw std::out_of_range("unknown destination op \"" + s + "\"");
}

bool ScratchSpace::filled() const {
  if (samples == 0 || size_bytes == 0) return false;
  // ext4 keeps 2% of a small filesystem (at most 4096 clusters) back for
  // the metadata of delayed allocations, and refuses a write with that much
  // still free: ENOSPC comes at about 2% free.
  unsigned long long slack = std::max<unsigned long long>(8 * std::max<unsigned long long>(block_bytes, 1024), size_bytes / 33);
  return min_free_bytes <= slack;
}

json to_json(const DestinationOp& o) {
  return json{{"t_ms", o.t_ms}, {"t_last_ms", o.t_last_ms}, {"op", std::string(to_string(o.kind))},
              {"folder", o.folder}, {"name", o.name}, {"count", o.count}};
}

json to_json(const DestinationActivity& a) {
  json ops = json::array();
  for (const auto& o : a.ops) ops.push_back(to_json(o));
  return json{{"folders", a.folders}, {"ops", ops}, {"truncated", a.truncated}, {"unavailable", a.unavailable},
              {"t_from_ms", a.t_from_ms}, {"t_to_ms", a.t_to_ms}};
}

json to_json(const ScratchSpace& s) {
  return json{{"path", s.path},
              {"enospc", s.enospc},
              {"size_bytes", s.size_bytes},
              {"block_bytes", s.block_bytes},
              {"min_free_bytes", s.min_free_bytes},
              {"t_min_free_ms", s.t_min_free_ms},
              {"samples", s.samples},
              {"filled", s.filled()}};
}

json to_json(const Offer& o) {
  return json{{"fault", o.fault}, {"file", o.file}, {"installed", o.installed}, {"sha256", o.sha256},
              {"same_as_installed", o.same_as_installed}};
}

DestinationActivity destination_activity_from_json(const json& j) {
  DestinationActivity a;
  a.folders = j.at("folders").get<std::vector<std::string>>();
  for (const auto& o : j.at("ops")) {
    DestinationOp op;
    op.t_ms = o.at("t_ms").get<double>();
    op.t_last_ms = o.at("t_last_ms").get<double>();
    op.kind = op_kind_from_string(o.at("op").get<std::string>());
    op.folder = o.at("folder").get<std::string>();
    op.name = o.at("name").get<std::string>();
    op.count = o.at("count").get<unsigned long>();
    a.ops.push_back(std::move(op));
  }
  a.truncated = j.at("truncated").get<bool>();
  a.unavailable = j.at("unavailable").get<std::string>();
  a.t_from_ms = j.at("t_from_ms").get<double>();
  a.t_to_ms = j.at("t_to_ms").get<double>();
  return a;
}

ScratchSpace scratch_space_from_json(const json& j) {
  ScratchSpace s;
  s.path = j.at("path").get<std::string>();
  s.enospc = j.at("enospc").get<bool>();
  s.size_bytes = j.at("size_bytes").get<unsigned long long>();
  s.block_bytes = j.at("block_bytes").get<unsigned long long>();
  s.min_free_bytes = j.at("min_free_bytes").get<unsigned long long>();
  s.t_min_free_ms = j.at("t_min_free_ms").get<double>();
  s.samples = j.at("samples").get<unsigned long>();
  return s;
}

Offer offer_from_json(const json& j) {
  Offer o;
  o.fault = j.at("fault").get<std::string>();
  o.file = j.at("file").get<std::string>();
  o.installed = j.at("installed").get<std::string>();
  o.sha256 = j.at("sha256").get<std::string>();
  o.same_as_installed = j.at("same_as_installed").get<bool>();
  return o;
}

std::vector<DestinationOp> ops_between(const DestinationActivity& a, double from_ms, double to_ms) {
  std::vector<DestinationOp> out;
  for (const auto& o : a.ops)
    if (o.t_ms >= from_ms && o.t_ms < to_ms) out.push_back(o);
  return out;
}

}  // namespace harness
