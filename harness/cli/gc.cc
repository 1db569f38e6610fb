#include "cli/gc.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/cgroup.h"
#include "base/error.h"
#include "base/procfs.h"
#include "base/private_dir.h"
#include "base/process_group.h"
#include "base/run_dir.h"
#include "base/run_marker.h"
#include "base/scoped_fd.h"
#include "base/system_info.h"
#include "host/device_mapper.h"
#include "host/loop_device.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

constexpr const char* kGcTemp = ".gc.json.tmp";

bool path_is_under(const std::string& path, const fs::path& dir) {
  std::string d = dir.string();
  if (!d.empty() && d.back() != '/') d += '/';
  return path.rfind(d, 0) == 0;
}

// A run folder gc may clean: ours, and nobody else may write to it (else
// its contents could be anyone's doing).
bool ours_alone(int dirfd) {
  struct stat st {};
  return fstat(dirfd, &st) == 0 && S_ISDIR(st.st_mode) && !why_not_ours_alone(st);
}

std::string read_all(int fd) {
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = pread(fd, buf, sizeof buf, static_cast<off_t>(s.size()))) > 0 && s.size() < (1 << 20))
    s.append(buf, static_cast<size_t>(n));
  return s;
}

// gc.json, written beneath the run folder's descriptor: the temporary
// file is created afresh (a planted one, or a link, is removed first, and
// O_EXCL|O_NOFOLLOW refuses one planted meanwhile), then renamed.
void write_gc_note(int dirfd, const std::string& content) {
  unlinkat(dirfd, kGcTemp, 0);
  ScopedFd fd(openat(dirfd, kGcTemp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.is_open()) return;
  bool ok = ::write(fd.get(), content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            fsync(fd.get()) == 0;
  fd.reset();
  if (!ok || renameat(dirfd, kGcTemp, dirfd, "gc.json") != 0) unlinkat(dirfd, kGcTemp, 0);
}

void clean_run(int dirfd, const fs::path& run, const MarkerContents& marker, bool dry_run, GcResult& out) {
  auto act = [&](const std::string& what) { out.actions.push_back(GcAction{run.string(), what}); };
  // Every process the run started (a run action's background job, a
  // daemon that left its group, a workload exec): its cgroup, while it is
  // still the very one the run recorded.
  for (const auto& c : marker.cgroups) {
    auto cg = Cgroup::adopt(c.path, c.id);
    if (!cg) continue;
    size_t n = cg->members().size();
    if (dry_run) {
      cg->release();
    } else {
      try {
        cg->remove();
      } catch (const Error& e) {
        act(fmt::format("could not empty cgroup {}: {}", c.path, e.what()));
        continue;
      }
    }
    act(fmt::format("killed {} process{} in cgroup {} and removed it", n, n == 1 ? "" : "es", c.path));
  }
  // Exactly the qemu processes the run recorded: same pid, same start.
  for (const auto& p : marker.processes) {
    auto st = process_stat(p.pid);
    if (!st || st->start_time != p.start_time) continue;
    if (!dry_run && !kill_if_same_process(p.pid, p.start_time)) continue;
    act(fmt::format("killed {} pid {}", p.what, p.pid));
  }
  // Mounts under the run folder in this namespace (a host run's own die
  // with its private namespace). The folder's path as the kernel sees the
  // descriptor; no link on the way is followed when unmounting.
  {
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
    std::error_code ec;
    fs::path real = fs::read_symlink(link, ec);
    std::ifstream mi("/proc/self/mountinfo");
    std::vector<std::string> targets;
    for (std::string line; !ec && std::getline(mi, line);) {
      std::istringstream ss(line);
      std::string id, parent, devno, root, target;
      ss >> id >> parent >> devno >> root >> target;
      if (path_is_under(target, real)) targets.push_back(target);
    }
    for (auto it = targets.rbegin(); it != targets.rend(); ++it) {
      if (!dry_run) umount2(it->c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);
      act(fmt::format("unmounted {}", *it));
    }
  }
  // Exactly the device-mapper devices the run made (by uuid), before the
  // loop devices beneath them.
  for (const auto& d : marker.dm_devices) {
    try {
      if (auto what = remove_dm_device_by_uuid(d.name, d.uuid, dry_run)) act(*what);
    } catch (const Error& e) {
      act(fmt::format("could not remove device-mapper device {}: {}", d.name, e.what()));
    }
  }
  // Exactly the loop devices the run recorded, while still bound to the
  // same backing file (device and inode).
  for (const auto& d : marker.loop_devices) {
    auto st = loop_status(d.device);
    if (!st || st->backing_dev != d.backing_dev || st->backing_inode != d.backing_inode) continue;
    if (!dry_run) LoopDevice(*st).detach();
    act(fmt::format("detached {} (backing {})", st->device, st->backing_file));
  }
  struct stat work {};
  if (fstatat(dirfd, "work", &work, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!dry_run) remove_tree_one_fs_at(dirfd, "work");
    act(fmt::format("removed {}", (run / "work").string()));
  }
  if (!dry_run) {
    nlohmann::json note = nlohmann::json::array();
    for (const auto& a : out.actions)
      if (a.run_dir == run.string()) note.push_back(a.what);
    write_gc_note(dirfd, nlohmann::json{{"cleaned_at", iso8601_utc_now()}, {"actions", note}}.dump(2) + "\n");
    unlinkat(dirfd, kRunMarkerName, 0);
  }
}

// One candidate run folder, held open.
void examine(ScopedFd dirfd, const fs::path& run, bool dry_run, GcResult& out) {
  struct stat st {};
  if (fstatat(dirfd.get(), kRunMarkerName, &st, AT_SYMLINK_NOFOLLOW) != 0) return;  // not a run folder
  // Nothing in a folder someone else controls is even opened.
  if (!ours_alone(dirfd.get())) {
    out.not_ours.push_back(run.string());
    return;
  }
  MarkerCheck marker = check_run_marker(dirfd.get());
  if (marker.state == MarkerCheck::State::absent) return;
  if (marker.state == MarkerCheck::State::alive) {
    out.live_runs.push_back(run.string());
    return;
  }
  out.dead_runs.push_back(run.string());
  // A torn marker (its writer died mid-write) records nothing to undo.
  MarkerContents contents = parse_marker(read_all(marker.fd.get())).value_or(MarkerContents{});
  clean_run(dirfd.get(), run, contents, dry_run, out);
}

}  // namespace

GcResult collect_garbage(const std::vector<fs::path>& roots, bool dry_run) {
  GcResult out;
  for (const auto& r : roots) {
    fs::path root = fs::absolute(r).lexically_normal();
    // The root is the user's to name (a link to it is fine); below it,
    // nothing is followed.
    ScopedFd rootfd(::open(root.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!rootfd.is_open()) continue;
    examine(ScopedFd(fcntl(rootfd.get(), F_DUPFD_CLOEXEC, 0)), root, dry_run, out);
    int listfd = fcntl(rootfd.get(), F_DUPFD_CLOEXEC, 0);
    DIR* d = listfd < 0 ? nullptr : fdopendir(listfd);
    if (!d) {
      if (listfd >= 0) close(listfd);
      continue;
    }
    std::vector<std::string> names;
    while (dirent* e = readdir(d))
      if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..") names.emplace_back(e->d_name);
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      ScopedFd sub(openat(rootfd.get(), name.c_str(), O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (sub.is_open()) examine(std::move(sub), root / name, dry_run, out);
    }
  }
  return out;
}

std::vector<fs::path> runs_folders_to_sweep(const std::optional<fs::path>& out, bool one_run,
                                            const fs::path& default_runs) {
  fs::path def = fs::absolute(default_runs).lexically_normal();
  if (!out) return {def};
  fs::path o = fs::absolute(*out).lexically_normal();
  if (!one_run) return {o};
  if (o.parent_path() == def) return {def};
  return {};
}

}  // namespace harness
