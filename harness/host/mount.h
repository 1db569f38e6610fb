// Mount owns one loop mount of an image file, made through libmount's
// mnt_context with the "loop" option, and always nodev,nosuid: an image
// may be crafted, and its device nodes and set-uid programs must not
// reach the host. The destructor unmounts it (which,
// with autoclear, frees the loop device) and then lets its LoopDevice make
// sure the device really is detached. Mounts are made inside the run's
// private mount namespace, so the host's mount table never shows them.
#pragma once

#include <filesystem>
#include <string>

#include "host/loop_device.h"

namespace harness {

class Mount {
 public:
  // Throws EnvironmentError (no free loop device, not permitted) or
  // RuntimeError (e.g. a corrupt image) with the image, target and reason.
  static Mount loop_mount(const std::filesystem::path& image, const std::filesystem::path& target,
                          const std::string& options, const std::string& fstype);
  // A block device of ours (a device-mapper device over a scratch
  // filesystem's loop device) mounted as it is, with no loop device of
  // its own; checked to be that very device. loop() holds nothing.
  static Mount device_mount(const std::filesystem::path& device, const std::filesystem::path& target,
                            const std::string& options, const std::string& fstype);
  Mount(Mount&& o) noexcept;
  Mount& operator=(Mount&&) = delete;
  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;
  ~Mount();

  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& image() const { return image_; }
  const LoopDevice& loop() const { return loop_; }
  // The options in effect, as the kernel reports them in mountinfo
  // ("ro,nosuid,nodev,relatime").
  const std::string& effective_options() const { return effective_options_; }
  // Unmounts now; throws on failure. The destructor calls it and swallows.
  // `lazy_if_busy`: a busy mount is detached lazily (it goes once its
  // last user does); without it a busy mount stays and this throws (a
  // filesystem about to be checked must really be unmounted).
  void unmount(bool lazy_if_busy = true);

 private:
  Mount(std::filesystem::path image, std::filesystem::path target, LoopDevice loop, std::string effective);
  std::filesystem::path image_;
  std::filesystem::path target_;
  std::string effective_options_;
  LoopDevice loop_;
  bool mounted_ = false;
};

// The source device of the mount at `target` in this namespace, via
// libmount's view of /proc/self/mountinfo ("" when not mounted).
std::string mount_source(const std::filesystem::path& target);

}  // namespace harness
