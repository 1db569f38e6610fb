#include "host/power_cut.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <fmt/format.h>

#include "base/error.h"
#include "base/interrupt.h"
#include "base/run_dir.h"
#include "base/scoped_fd.h"
#include "core/durable_mark.h"
#include "core/log_writes.h"
#include "host/file_state.h"
#include "host/fsck.h"
#include "host/image_reader.h"

namespace harness {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool path_inside(const std::string& path, const std::string& dir) {
  auto rel = fs::path(path).lexically_relative(fs::path(dir));
  return !rel.empty() && *rel.begin() != ".." && rel != ".";
}

// A file of the replayed filesystem, read in userspace (host/image_reader.h).
FileState read_state(const fs::path& image, const std::string& scratch, const std::string& path) {
  FileState f;
  f.moment = kMomentAfterFaults;
  f.path = path;
  read_image_file(image, fs::path(path).lexically_relative(fs::path(scratch)).string(), f);
  return f;
}

// The filesystem at one crash point, judged against `durable` (null: the
// durable point itself). `point` numbers the judged points from 1 (0: the
// durable point).
json check_point(const PowerCutInput& in, const LogWrites& lw, const CrashPoint& cp, size_t point, const fs::path& image,
                 const DurableHeld* durable) {
  json j = {{"point", point}, {"entries", cp.entries}, {"why", cp.why}};
  lw.replay(in.base_image, image, cp.entries);
  int fsck_rc = e2fsck_repair_unprivileged(image);
  j["fsck"] = fsck_rc;
  json checks = json::array();
  std::vector<FileState> states = versions_named(in.installed, in.versions);
  try {
    for (const auto& e : in.installed) {
      states.push_back(read_state(image, in.scratch, e.path));
      for (const auto& sc : e.sidecars)
        if (path_inside(sc, in.scratch)) states.push_back(read_state(image, in.scratch, sc));
    }
    checks = judge_crash_state(in.installed, states, durable, fsck_rc);
  } catch (const EnvironmentError&) {
    throw;
  } catch (const Error& e) {
    for (const auto& x : in.installed)
      checks.push_back({{"path", x.path}, {"holds", to_string(CutHolds::broken)}, {"held", false},
                        {"detail", fmt::format("the filesystem cannot be read after e2fsck (exit {}): {}", fsck_rc, e.what())}});
  }
  bool held = true;
  std::vector<std::string> details;
  for (const auto& c : checks) {
    held = held && c.value("held", false);
    details.push_back(c.value("detail", ""));
  }
  j["holds"] = point_holds(checks);
  j["held"] = held;
  j["detail"] = fmt::format("{}", fmt::join(details, "; "));
  j["checks"] = checks;
  return j;
}

}  // namespace

std::vector<FileState> versions_named(const std::vector<Expectation>& installed, const std::vector<FileState>& versions) {
  // The versions only: the run's own record of the installed path and its
  // sidecars (as the guest left them) must not stand in for the replayed ones.
  std::vector<FileState> states;
  for (const auto& v : versions)
    for (const auto& e : installed)
      if (std::find(e.versions.begin(), e.versions.end(), v.path) != e.versions.end()) {
        states.push_back(v);
        break;
      }
  return states;
}

DurableHeld durable_held(const json& durable_checks) {
  DurableHeld held;
  for (const auto& c : durable_checks) {
    std::string h = c.value("holds", "");
    if (h == to_string(CutHolds::old_version)) held[c.value("path", "")] = c.value("version", "");
    else if (h == to_string(CutHolds::nothing)) held[c.value("path", "")] = "";
  }
  return held;
}

json judge_crash_state(const std::vector<Expectation>& installed, const std::vector<FileState>& states,
                       const DurableHeld* durable, int fsck) {
  json checks = json::array();
  for (const auto& e : installed) {
    Expectation x = e;
    x.fault.clear();  // cut mid-install: no run "reported success"
    x.at_end = false;
    // What the setup's durable state held here: nullopt when it was
    // broken; "" when nothing was installed.
    std::optional<std::string> old;
    if (!durable) {
      old = "";
    } else if (auto it = durable->find(x.path); it != durable->end()) {
      old = it->second;
    }
    auto verdict = [&](CutHolds h, const std::string& detail, const std::string& version = "") {
      json c = {{"path", x.path}, {"holds", to_string(h)}, {"held", h != CutHolds::broken}, {"detail", detail}};
      if (!version.empty()) c["version"] = version;
      checks.push_back(std::move(c));
    };
    bool nothing = true;
    for (const auto& s : states)
      if (s.moment == kMomentAfterFaults && s.exists && (s.path == x.path || std::find(x.sidecars.begin(), x.sidecars.end(), s.path) != x.sidecars.end()))
        nothing = false;
    if (nothing) {
      if (old && old->empty()) {
        verdict(CutHolds::nothing, fmt::format("nothing installed yet: {} and its sidecars do not exist, and the setup "
                                               "installed nothing there",
                                               x.path));
      } else {
        std::string was = old ? fmt::format("though {} was durable there since the setup", *old)
                              : std::string("and the setup's durable state was broken too");
        std::string repair = (fsck & 3) ? fmt::format(" (e2fsck repaired the filesystem: exit {})", fsck) : "";
        verdict(CutHolds::broken,
                fmt::format("nothing installed: {} and its sidecars are gone{}, {}", x.path, repair, was));
      }
      continue;
    }
    InstalledCheck c = check_installed(x, states, {});
    if (c.state != Judgement::held) verdict(CutHolds::broken, c.detail);
    else if (!durable || (old && *old == c.version)) verdict(CutHolds::old_version, c.detail, c.version);
    else verdict(CutHolds::new_version, c.detail, c.version);
  }
  return checks;
}

std::vector<Expectation> installed_inside(const std::vector<Expectation>& expect, const std::string& scratch) {
  std::vector<Expectation> out;
  for (const auto& e : expect)
    if (e.kind == ExpectationKind::installed && !e.at_end && path_inside(e.path, scratch)) out.push_back(e);
  return out;
}

json check_power_cut(const PowerCutInput& in) {
  json paths = json::array();
  for (const auto& e : in.installed) paths.push_back(e.path);
  json out = {{"scratch", in.scratch}, {"paths", paths}, {"seed", in.seed}};
  fs::path image = in.work / "power-cut-replay.img";
  std::error_code ec;
  try {
    LogWrites lw = LogWrites::open(in.log);
    unsigned flushes = 0;
    for (const auto& e : lw.entries()) flushes += e.durable();
    out["log_entries"] = lw.entries().size();
    out["flushes"] = flushes;
    out["log_sector_size"] = lw.sector_size();
    std::optional<uint64_t> mark = find_durable_mark(lw, in.mark_offset, in.mark);
    if (!mark)
      throw RuntimeError(fmt::format("the write log has no durable mark (at byte {} of the disk): the guest never said "
                                     "when the setup's install was durable, so no crash point can be placed after it",
                                     in.mark_offset));
    const uint64_t durable = *mark + 1;
    out["durable_entry"] = durable;
    out["skipped_before_durable"] = durable_points_before(lw.entries(), durable);
    const auto began = in.now();
    fs::create_directories(in.work);
    json reference = check_point(in, lw, {durable, "durable"}, 0, image, nullptr);
    out["durable_state"] = reference;
    const DurableHeld held = durable_held(reference.at("checks"));
    json points = json::array();
    json holding = {{"old", 0}, {"new", 0}, {"nothing", 0}, {"broken", 0}, {"mixed", 0}};
    const std::vector<CrashPoint> cps = crash_points(lw.entries(), in.between, in.seed, durable);
    out["flush_points"] = durable_points_after(lw.entries(), durable);
    out["flush_points_cap"] = kMaxFlushCrashPoints;
    for (const auto& cp : cps) {
      // A Ctrl-C stops the replay between crash points: the run is
      // interrupted, and what was not checked is not claimed.
      if (interrupted()) {
        out["error"] = fmt::format("interrupted after {} crash points", points.size());
        break;
      }
      // Past the budget the rest are not judged, and not claimed either
      // (core/power_cut_record.h: undecided unless a judged point broke).
      if (in.now() - began > in.budget) {
        out["not_judged"] = cps.size() - points.size();
        out["not_judged_why"] = fmt::format("the replay's time budget ({} s) was spent after {} of {} crash points",
                                            std::chrono::duration_cast<std::chrono::seconds>(in.budget).count(),
                                            points.size(), cps.size());
        break;
      }
      points.push_back(check_point(in, lw, cp, points.size() + 1, image, &held));
      holding[points.back().at("holds").get<std::string>()] = holding[points.back().at("holds").get<std::string>()].get<unsigned>() + 1;
    }
    out["crash_points"] = points;
    out["points_holding"] = holding;
  } catch (const Error& e) {
    out["error"] = e.what();
  } catch (const std::exception& e) {
    out["error"] = e.what();
  }
  fs::remove(image, ec);
  return out;
}

}  // namespace harness
