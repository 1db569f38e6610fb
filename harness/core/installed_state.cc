#include "core/installed_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace harness {

using nlohmann::json;

json to_json(const FileState& f) {
  json j{{"moment", f.moment}, {"path", f.path}, {"exists", f.exists}};
  if (f.exists) {
    j["size"] = f.size;
    j["sha256"] = f.sha256;
    j["md5"] = f.md5;
    j["head"] = f.head;
  }
  return j;
}

FileState file_state_from_json(const json& j) {
  FileState f;
  f.moment = j.at("moment").get<std::string>();
  f.path = j.at("path").get<std::string>();
  f.exists = j.value("exists", false);
  f.size = j.value("size", 0ULL);
  f.sha256 = j.value("sha256", "");
  f.md5 = j.value("md5", "");
  f.head = j.value("head", "");
  return f;
}

std::vector<std::string> paths_to_record(const std::vector<Expectation>& expect) {
  std::vector<std::string> out;
  auto add = [&](const std::string& p) {
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  };
  for (const auto& e : expect) {
    if (e.kind != ExpectationKind::installed) continue;
    add(e.path);
    for (const auto& v : e.versions) add(v);
    for (const auto& s : e.sidecars) add(s);
  }
  return out;
}

std::string sidecar_digest(const std::string& text) {
  size_t b = 0;
  while (b < text.size() && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  size_t e = b;
  while (e < text.size() && std::isxdigit(static_cast<unsigned char>(text[e]))) ++e;
  if (e < text.size() && !std::isspace(static_cast<unsigned char>(text[e]))) return "";
  std::string hex = text.substr(b, e - b);
  if (hex.size() != 32 && hex.size() != 64) return "";
  std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char c) { return std::tolower(c); });
  return hex;
}

namespace {

const FileState* find(const std::vector<FileState>& states, const std::string& moment, const std::string& path) {
  for (const auto& s : states)
    if (s.moment == moment && s.path == path) return &s;
  return nullptr;
}

std::string short_hex(const std::string& h) { return h.substr(0, 12); }

}  // namespace

InstalledCheck check_installed(const Expectation& e, const std::vector<FileState>& states,
                               const std::vector<FaultEvent>& faults) {
  InstalledCheck c;
  const std::string moment = e.at_end ? kMomentEnd : kMomentAfterFaults;
  const FileState* inst = find(states, moment, e.path);
  if (!inst) {
    c.state = Judgement::undecided;
    c.detail = fmt::format("undecided: {} was not recorded {} (the run stopped before)", e.path, moment);
    return c;
  }
  std::vector<std::string> problems;
  // Which version, if any.
  long which = -1;
  for (size_t i = 0; i < e.versions.size(); ++i) {
    const FileState* v = find(states, moment, e.versions[i]);
    if (v && v->exists && inst->exists && v->sha256 == inst->sha256) which = static_cast<long>(i);
  }
  std::string state;
  if (!inst->exists) {
    problems.push_back(fmt::format("{} is missing", e.path));
  } else if (which < 0) {
    problems.push_back(fmt::format("{} is torn: {} bytes, sha256 {}, which is none of {}", e.path, inst->size,
                                   short_hex(inst->sha256), fmt::join(e.versions, ", ")));
  } else {
    c.version = e.versions[which];
    state = fmt::format("{} holds {} (sha256 {})", e.path, e.versions[which], short_hex(inst->sha256));
  }
  // Sidecars describe the file next to them; one that does not exist
  // agrees with nothing and contradicts nothing.
  std::vector<std::string> present, absent;
  for (const auto& sc : e.sidecars) {
    const FileState* s = find(states, moment, sc);
    if (!s || !s->exists) {
      absent.push_back(sc);
      continue;
    }
    present.push_back(sc);
    std::string hex = sidecar_digest(s->head);
    if (hex.empty()) {
      problems.push_back(fmt::format("sidecar {} is malformed", sc));
      continue;
    }
    const std::string& mine = hex.size() == 32 ? inst->md5 : inst->sha256;
    if (!inst->exists || hex != mine)
      problems.push_back(fmt::format("sidecar {} says {} {} but the file is {}", sc, hex.size() == 32 ? "md5" : "sha256",
                                     short_hex(hex), inst->exists ? short_hex(mine) : "missing"));
  }
  // An installer that reported success installed the last version.
  if (!e.fault.empty()) {
    const std::string fault = e.at_end ? "finally" : e.fault;
    unsigned runs = 0, ok = 0;
    for (const auto& f : faults)
      if (f.fault == fault && f.action == "run") {
        ++runs;
        ok += f.ok;
      }
    if (runs > 0 && ok == runs && which >= 0 && which + 1 != static_cast<long>(e.versions.size()))
      problems.push_back(fmt::format("every run of \"{}\" reported success, but {} holds {}, not {}", fault, e.path,
                                     e.versions[which], e.versions.back()));
  }
  c.state = judged(problems.empty());
  if (c.state != Judgement::held) {
    c.detail = fmt::format("{}", fmt::join(problems, "; "));
    return c;
  }
  c.detail = state;
  if (present.size() == 1) c.detail += fmt::format("; its sidecar {} agrees", present[0]);
  else if (!present.empty()) c.detail += fmt::format("; its {} sidecars agree", present.size());
  if (!absent.empty())
    c.detail += fmt::format("; {} {} not exist", fmt::join(absent, ", "), absent.size() == 1 ? "does" : "do");
  return c;
}

}  // namespace harness
