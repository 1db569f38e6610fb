// LoopDevice owns one loop device that a mount of ours attached (libmount
// attaches it, with LO_FLAGS_AUTOCLEAR, for a "loop" mount). Its
// destructor makes sure the device is detached — but only while the device
// is still bound to the very file (device + inode) we attached, so a
// device that the kernel already freed and someone else reused is never
// touched.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "base/scoped_fd.h"

namespace harness {

struct LoopStatus {
  std::string device;        // "/dev/loop3"
  std::string backing_file;  // as the kernel reports it (may end in " (deleted)")
  dev_t backing_dev = 0;
  ino_t backing_inode = 0;
  bool autoclear = false;
  bool read_only = false;
};

// nullopt when the device is not attached (or does not exist).
std::optional<LoopStatus> loop_status(const std::string& device);

// Whether some loop device (any, ours or not) serves the file dev+inode.
bool file_on_a_loop_device(dev_t dev, ino_t inode);

class LoopDevice {
 public:
  LoopDevice() = default;
  explicit LoopDevice(LoopStatus attached) : status_(std::move(attached)) {}
  LoopDevice(LoopDevice&& o) noexcept : status_(std::move(o.status_)) { o.status_.reset(); }
  LoopDevice& operator=(LoopDevice&& o) noexcept;
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;
  ~LoopDevice() { detach(); }

  const std::optional<LoopStatus>& status() const { return status_; }
  // Detaches if still bound to our backing file; idempotent.
  void detach();

 private:
  std::optional<LoopStatus> status_;
};

// A loop device attached by us (not by a mount) to the open file
// `backing`, read-write, with autoclear: the kernel frees it at its last
// close. `fd` holds it open until the caller has handed it on (to a
// device-mapper table); `rdev` is its device number.
struct AttachedLoop {
  LoopDevice device;
  ScopedFd fd;
  dev_t rdev = 0;
};
// Throws EnvironmentError when no loop device is free, SystemError else.
AttachedLoop attach_loop(int backing);

}  // namespace harness
