#include "host/loop_device.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/error.h"

#include "base/scoped_fd.h"

namespace harness {

std::optional<LoopStatus> loop_status(const std::string& device) {
  ScopedFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.is_open()) return std::nullopt;
  loop_info64 info{};
  if (ioctl(fd.get(), LOOP_GET_STATUS64, &info) != 0) return std::nullopt;  // ENXIO: free
  LoopStatus s;
  s.device = device;
  s.backing_dev = static_cast<dev_t>(info.lo_device);
  s.backing_inode = static_cast<ino_t>(info.lo_inode);
  s.autoclear = info.lo_flags & LO_FLAGS_AUTOCLEAR;
  s.read_only = info.lo_flags & LO_FLAGS_READ_ONLY;
  // lo_file_name is truncated to 64 bytes; sysfs has the whole path.
  std::string name = device.substr(device.rfind('/') + 1);
  std::ifstream sys("/sys/block/" + name + "/loop/backing_file");
  if (!sys || !std::getline(sys, s.backing_file))
    s.backing_file = reinterpret_cast<const char*>(info.lo_file_name);
  return s;
}

bool file_on_a_loop_device(dev_t dev, ino_t inode) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/sys/block", ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("loop", 0) != 0) continue;
    auto st = loop_status("/dev/" + name);
    if (st && st->backing_dev == dev && st->backing_inode == inode) return true;
  }
  return false;
}

LoopDevice& LoopDevice::operator=(LoopDevice&& o) noexcept {
  if (this != &o) {
    detach();
    status_ = std::move(o.status_);
    o.status_.reset();
  }
  return *this;
}

void LoopDevice::detach() {
  if (!status_) return;
  auto now = loop_status(status_->device);
  if (now && now->backing_dev == status_->backing_dev &&
      now->backing_inode == status_->backing_inode) {
    ScopedFd fd(::open(status_->device.c_str(), O_RDONLY | O_CLOEXEC));
    // With autoclear set this is a no-op until the last user goes away;
    // without it, this is what frees the device.
    if (fd.is_open()) ioctl(fd.get(), LOOP_CLR_FD, 0);
  }
  status_.reset();
}

AttachedLoop attach_loop(int backing) {
  struct stat bst {};
  if (fstat(backing, &bst) != 0) throw SystemError(fmt::format("fstat of the file to attach: {}", std::strerror(errno)), errno);
  if (!S_ISREG(bst.st_mode)) throw RuntimeError("a loop device is attached to a regular file only");
  ScopedFd control(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (!control.is_open())
    throw EnvironmentError(fmt::format("/dev/loop-control: {} (modprobe loop)", std::strerror(errno)));
  // Another process may take the free device first: ask again.
  for (int attempt = 0; attempt < 16; ++attempt) {
    int n = ioctl(control.get(), LOOP_CTL_GET_FREE);
    if (n < 0) throw EnvironmentError(fmt::format("no free loop device: {} (free one with `harness gc`)", std::strerror(errno)));
    std::string device = fmt::format("/dev/loop{}", n);
    ScopedFd fd(::open(device.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.is_open()) throw SystemError(fmt::format("{}: {}", device, std::strerror(errno)), errno);
    loop_config cfg{};
    cfg.fd = static_cast<__u32>(backing);
    cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    if (ioctl(fd.get(), LOOP_CONFIGURE, &cfg) != 0) {
      if (errno == EBUSY) continue;
      if (errno == EINVAL || errno == ENOTTY)
        throw EnvironmentError(fmt::format("{}: LOOP_CONFIGURE: {} (a kernel before 5.8?)", device, std::strerror(errno)));
      throw SystemError(fmt::format("{}: LOOP_CONFIGURE: {}", device, std::strerror(errno)), errno);
    }
    auto st = loop_status(device);
    struct stat dst {};
    if (!st || st->backing_dev != bst.st_dev || st->backing_inode != bst.st_ino || fstat(fd.get(), &dst) != 0)
      throw RuntimeError(fmt::format("{}: attached, but does not hold the file given", device));
    return AttachedLoop{LoopDevice(*st), std::move(fd), dst.st_rdev};
  }
  throw EnvironmentError("no loop device stayed free long enough to attach one (others are taking them)");
}

}  // namespace harness
