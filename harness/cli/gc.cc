#include "cli/gc.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/run_dir.h"
#include "base/scoped_fd.h"
#include "base/system_info.h"
#include "base/procfs.h"
#include "host/loop_device.h"

namespace harness {

namespace fs = std::filesystem;

static constexpr const char* kMarker = "harness-run.json";

bool harness_process_alive(int pid) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  // A recycled pid belongs to some other program: then the run is dead.
  std::string exe = process_exe(pid);
  auto argv = process_argv(pid);
  std::string name = fs::path(exe).filename().string();
  if (name.rfind("harness", 0) == 0) return true;
  return !argv.empty() && fs::path(argv[0]).filename().string().rfind("harness", 0) == 0;
}

static bool path_is_under(const std::string& path, const fs::path& dir) {
  std::string d = dir.string();
  if (!d.empty() && d.back() != '/') d += '/';
  return path.rfind(d, 0) == 0;
}

static void clean_run(const fs::path& run, bool dry_run, GcResult& out) {
  auto act = [&](const std::string& what) { out.actions.push_back(GcAction{run.string(), what}); };
  // qemu processes of this run: their command line names files in it.
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    int pid = std::stoi(name);
    auto argv = process_argv(pid);
    if (argv.empty() || fs::path(argv[0]).filename().string().rfind("qemu-system", 0) != 0) continue;
    bool ours = false;
    for (const auto& a : argv) ours = ours || a.find(run.string() + "/") != std::string::npos;
    if (!ours) continue;
    if (!dry_run) kill(pid, SIGKILL);
    act(fmt::format("killed qemu pid {}", pid));
  }
  // Mounts under the run directory (in this namespace).
  {
    std::ifstream mi("/proc/self/mountinfo");
    std::vector<std::string> targets;
    for (std::string line; std::getline(mi, line);) {
      std::istringstream ss(line);
      std::string id, parent, devno, root, target;
      ss >> id >> parent >> devno >> root >> target;
      if (path_is_under(target, run)) targets.push_back(target);
    }
    for (auto it = targets.rbegin(); it != targets.rend(); ++it) {
      if (!dry_run) umount2(it->c_str(), MNT_DETACH);
      act(fmt::format("unmounted {}", *it));
    }
  }
  // Loop devices backed by files of this run.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/sys/block", ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("loop", 0) != 0) continue;
    auto st = loop_status("/dev/" + name);
    if (!st || !path_is_under(st->backing_file, run)) continue;
    if (!dry_run) {
      ScopedFd fd(::open(st->device.c_str(), O_RDONLY | O_CLOEXEC));
      if (fd.is_open()) ioctl(fd.get(), LOOP_CLR_FD, 0);
    }
    act(fmt::format("detached {} (backing {})", st->device, st->backing_file));
  }
  if (fs::exists(run / "work")) {
    if (!dry_run) remove_tree_one_fs(run / "work");
    act(fmt::format("removed {}", (run / "work").string()));
  }
  if (!dry_run) {
    nlohmann::json note = nlohmann::json::array();
    for (const auto& a : out.actions)
      if (a.run_dir == run.string()) note.push_back(a.what);
    {
      // Temp file + rename, so a gc killed mid-write leaves no torn JSON.
      std::ofstream(run / ".gc.json.tmp", std::ios::trunc)
          << nlohmann::json{{"cleaned_at", iso8601_utc_now()}, {"actions", note}}.dump(2) << "\n";
      fs::rename(run / ".gc.json.tmp", run / "gc.json", ec);
    }
    fs::remove(run / kMarker, ec);
  }
}

GcResult collect_garbage(const std::vector<fs::path>& roots, bool dry_run) {
  GcResult out;
  std::vector<fs::path> candidates;
  for (const auto& root : roots) {
    std::error_code ec;
    if (fs::exists(root / kMarker, ec)) candidates.push_back(root);
    for (const auto& e : fs::directory_iterator(root, ec))
      if (e.is_directory(ec) && fs::exists(e.path() / kMarker, ec)) candidates.push_back(e.path());
  }
  for (const auto& run : candidates) {
    fs::path abs = fs::absolute(run).lexically_normal();
    int pid = 0;
    try {
      std::ifstream in(abs / kMarker);
      pid = nlohmann::json::parse(in).value("pid", 0);
    } catch (...) {
      pid = 0;  // a torn marker: its writer died mid-write
    }
    if (harness_process_alive(pid) && pid != getpid()) {
      out.live_runs.push_back(abs.string());
      continue;
    }
    if (pid == getpid()) continue;  // our own run in progress
    out.dead_runs.push_back(abs.string());
    clean_run(abs, dry_run, out);
  }
  return out;
}

}  // namespace harness
