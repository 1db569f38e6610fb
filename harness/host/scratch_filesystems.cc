#include "host/scratch_filesystems.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "base/error.h"
#include "host/fsck.h"
#include "host/setup_durable.h"

namespace harness {

BuiltImage ScratchFilesystems::build(const ScratchSpec& sc, size_t index, const RunDir& dir) {
  ImageSpec spec;
  spec.name = fmt::format("scratch-{}", index + 1);
  spec.path = fmt::format("scratch-images/{}.img", index + 1);
  spec.fs = sc.fs;
  spec.size_mib = sc.size_mib;
  return build_image(spec, dir);
}

void ScratchFilesystems::mount(const ScratchSpec& sc, const BuiltImage& b, RunDir& dir) {
  if (sc.io_errors) return mount_on_device_mapper(sc, b, dir);
  dir.make_dirs(sc.path);
  struct stat img_st {};
  {
    ScopedFd img = dir.open_without_crossing_mounts(b.path, O_RDONLY);
    fstat(img.get(), &img_st);
  }
  mounts_.push_back(Mount::loop_mount(dir.absolute(b.path), dir.absolute(sc.path), "loop,rw", sc.fs));
  const auto& st = *mounts_.back().loop().status();
  if (st.backing_dev != img_st.st_dev || st.backing_inode != img_st.st_ino)
    throw RuntimeError(fmt::format("{}: the loop device holds another file than the one built; refusing it", b.path));
  dir.record_loop_device(st.device, st.backing_dev, st.backing_inode);
  roots_.emplace_back(sc.path, dir.open(sc.path, O_DIRECTORY | O_PATH));
}

unsigned long long ScratchFilesystems::mount_device(const ScratchSpec& sc, size_t index,
                                                   const std::filesystem::path& device, RunDir& dir) {
  unsigned long long bytes = 0;
  {
    ScopedFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd.is_open() || ioctl(fd.get(), BLKGETSIZE64, &bytes) != 0)
      throw RuntimeError(fmt::format("{}: cannot read the disk's size: {}", device.string(), std::strerror(errno)));
  }
  power_cut_.push_back({sc, index, device});
  dir.make_dirs(sc.path);
  mounts_.push_back(Mount::loop_mount(device, dir.absolute(sc.path), "loop,rw", sc.fs));
  const auto& st = *mounts_.back().loop().status();
  dir.record_loop_device(st.device, st.backing_dev, st.backing_inode);
  roots_.emplace_back(sc.path, dir.open(sc.path, O_DIRECTORY | O_PATH));
  return bytes;
}

std::vector<FaultEvent> ScratchFilesystems::make_setups_durable(const RunClock& clock) {
  std::vector<FaultEvent> out;
  for (const auto& pc : power_cut_) {
    FaultEvent ev;
    ev.fault = "setup";
    ev.action = "durable";
    ev.label = fmt::format("the setup made durable on scratch {}", pc.spec.path);
    ev.t_start_ms = clock.now_ms();
    auto root = std::find_if(roots_.begin(), roots_.end(), [&](const auto& r) { return r.first == pc.spec.path; });
    if (root == roots_.end()) throw RuntimeError(fmt::format("scratch {} is not mounted", pc.spec.path));
    ev.detail = make_setup_durable(root->second.get(), pc.device, pc.spec, pc.index);
    ev.ok = true;
    ev.outcome = "ok";
    ev.result = {{"scratch", pc.spec.path}, {"device", pc.device.string()}};
    ev.t_end_ms = clock.now_ms();
    out.push_back(std::move(ev));
  }
  return out;
}

void ScratchFilesystems::mount_on_device_mapper(const ScratchSpec& sc, const BuiltImage& b, RunDir& dir) {
  dir.make_dirs(sc.path);
  AttachedLoop loop;
  {
    ScopedFd img = dir.open_without_crossing_mounts(b.path, O_RDWR);
    loop = attach_loop(img.get());
  }
  const auto& st = *loop.device.status();
  dir.record_loop_device(st.device, st.backing_dev, st.backing_inode);
  static std::atomic<unsigned> serial{0};
  std::string name = fmt::format("harness-{}-{}", getpid(), ++serial);
  // Unique to this run (a pid is reused): gc removes this device and no other.
  std::string uuid = fmt::format("HARNESS-{}-{:016x}", name, (static_cast<uint64_t>(std::random_device{}()) << 32) | std::random_device{}());
  dir.record_dm_device(name, uuid);  // before it exists: gc finds nothing rather than miss it
  DmDevice dm = DmDevice::linear(name, loop.rdev, b.size_bytes / 512, uuid);
  dm_.push_back(DmScratch{sc, std::move(loop.device), std::move(loop.fd), std::move(dm), std::nullopt});
  // A failing disk makes the filesystem read-only, whatever mke2fs.conf
  // set as its error behaviour (errors=panic would take the machine down).
  dm_.back().mount.emplace(Mount::device_mount(dm_.back().dm.node(), dir.absolute(sc.path), "rw,errors=remount-ro", sc.fs));
  roots_.emplace_back(sc.path, dir.open(sc.path, O_DIRECTORY | O_PATH));
}

std::string ScratchFilesystems::fail_disk(const std::string& scratch) {
  std::lock_guard<std::mutex> lock(dm_mu_);
  for (auto& d : dm_)
    if (d.spec.path == scratch) {
      if (!d.dm.failing()) d.dm.fail_all();
      return fmt::format("every I/O to {} ({}, scratch {}) fails from now on", d.dm.node(), d.dm.name(), scratch);
    }
  throw RuntimeError(fmt::format("scratch {} is not on a device-mapper device (io_errors)", scratch));
}

bool ScratchFilesystems::has_failed_disks() const {
  std::lock_guard<std::mutex> lock(dm_mu_);
  return std::any_of(dm_.begin(), dm_.end(), [](const DmScratch& d) { return d.dm.failing(); });
}

std::vector<FaultEvent> ScratchFilesystems::recover_failed_disks(RunDir& dir, const RunClock& clock,
                                                                  const std::atomic<bool>* stop) {
  std::lock_guard<std::mutex> lock(dm_mu_);
  std::vector<FaultEvent> out;
  for (auto& d : dm_) {
    if (!d.dm.failing()) continue;
    FaultEvent ev;
    ev.fault = "recovery";
    ev.action = "fsck";
    ev.label = fmt::format("repair of scratch {}: the disk answers again, e2fsck -fy, mount again", d.spec.path);
    ev.t_start_ms = clock.now_ms();
    try {
      // The directory fd keeps the filesystem busy.
      roots_.erase(std::remove_if(roots_.begin(), roots_.end(), [&](const auto& r) { return r.first == d.spec.path; }),
                   roots_.end());
      // The errors were transient: the disk answers again, and what the
      // filesystem still holds is written when it is unmounted (a power-off,
      // which loses it, is the power_cut fault). Never lazily: a filesystem
      // still in use must not be checked.
      d.dm.heal();
      d.mount->unmount(false);
      d.mount.reset();
      int rc = e2fsck_repair(d.dm.node(), stop);
      d.mount.emplace(Mount::device_mount(d.dm.node(), dir.absolute(d.spec.path), rc < 4 ? "rw" : "ro", d.spec.fs));
      roots_.emplace_back(d.spec.path, dir.open(d.spec.path, O_DIRECTORY | O_PATH));
      ev.ok = rc < 4;
      ev.outcome = rc < 4 ? "ok" : fmt::format("exit {}", rc);
      ev.detail = fmt::format("{} answers again; unmounted, e2fsck -fy: {}; mounted again at {}{}", d.dm.node(),
                              fsck_outcome(rc), d.spec.path, rc < 4 ? "" : " (read-only)");
      ev.result = {{"fsck", rc}, {"device", d.dm.node()}};
    } catch (const std::exception& e) {
      ev.ok = false;
      ev.outcome = "error";
      ev.detail = e.what();
    }
    ev.t_end_ms = clock.now_ms();
    out.push_back(std::move(ev));
  }
  return out;
}

std::optional<ScopedFd> ScratchFilesystems::open_beneath(const std::string& image) const {
  for (const auto& [path, root] : roots_)
    if (auto rel = path_below(image, path)) return RunDir::open_on_filesystem_of(root.get(), *rel, O_RDONLY);
  return std::nullopt;
}

void ScratchFilesystems::unmount() {
  roots_.clear();
  for (auto it = dm_.rbegin(); it != dm_.rend(); ++it)
    if (it->mount) it->mount->unmount();
  dm_.clear();
  for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) it->unmount();
  mounts_.clear();
}

std::optional<std::string> path_below(const std::string& path, const std::string& dir) {
  auto rel = std::filesystem::path(path).lexically_relative(dir);
  if (rel.empty() || *rel.begin() == ".." || rel == ".") return std::nullopt;
  return rel.string();
}

}  // namespace harness
