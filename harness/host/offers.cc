#include "host/offers.h"

#include <dirent.h>
#include <fcntl.h>

#include <algorithm>
#include <map>
#include <set>

#include "base/error.h"
#include "core/installed_state.h"
#include "host/file_state.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

// The digest of a regular file beneath work/, or "" if there is none.
std::string digest_of(const RunDir& run, const std::string& rel) {
  try {
    ScopedFd fd = run.open_regular(rel, O_RDONLY);
    FileState f;
    read_file_state(fd.get(), f);
    return f.sha256;
  } catch (const std::exception&) {
    return "";
  }
}

bool is_dir(const RunDir& run, const std::string& rel) {
  try {
    run.open(rel, O_RDONLY | O_DIRECTORY);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::vector<std::string> destination_paths(const Scenario& s) {
  std::vector<std::string> out;
  for (const auto& e : s.expect)
    if (e.kind == ExpectationKind::installed && std::find(out.begin(), out.end(), e.path) == out.end())
      out.push_back(e.path);
  if (out.empty())
    for (const auto& m : s.mounts)
      if (std::find(out.begin(), out.end(), m.image) == out.end()) out.push_back(m.image);
  return out;
}

std::vector<Offer> find_offers(const Scenario& s, const RunDir& run) {
  std::set<std::string> targets;
  for (const auto& t : destination_paths(s)) targets.insert(t);
  std::map<std::string, std::string> installed_digest;
  for (const auto& t : targets) installed_digest[t] = digest_of(run, t);

  std::vector<Offer> out;
  const fs::path work = run.work().lexically_normal();
  for (const auto& f : s.faults)
    for (const auto& a : f.actions) {
      if (a.kind != ActionKind::run) continue;
      for (size_t i = 1; i < a.argv.size(); ++i) {
        fs::path p = fs::path(a.argv[i]).lexically_normal();
        if (!p.is_absolute()) continue;
        fs::path rel = p.lexically_relative(work);
        if (rel.empty() || *rel.begin() == ".." || rel == ".") continue;
        std::string r = rel.string();
        if (targets.count(r)) continue;  // the destination itself, not an offer
        std::vector<std::pair<std::string, std::string>> found;  // file, target
        bool dir = is_dir(run, r);
        for (const auto& t : targets) {
          std::string name = fs::path(t).filename().string();
          std::string candidate = dir ? (rel / name).string() : r;
          if (!dir && fs::path(r).filename().string() != name) continue;
          if (candidate == t || fs::path(candidate).parent_path() == fs::path(t).parent_path()) continue;
          found.emplace_back(candidate, t);
        }
        for (const auto& [file, target] : found) {
          std::string d = digest_of(run, file);
          if (d.empty()) continue;
          bool dup = std::any_of(out.begin(), out.end(), [&](const Offer& o) {
            return o.fault == f.name && o.file == file && o.installed == target;
          });
          if (dup) continue;
          const std::string& now = installed_digest[target];
          out.push_back(Offer{f.name, file, target, d, !now.empty() && now == d});
        }
      }
    }
  return out;
}

}  // namespace harness
