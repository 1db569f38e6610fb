#include "host/loop_device.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <fstream>

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

}  // namespace harness
