#include "host/machine_needs.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.h"
#include "base/child.h"
#include "host/device_mapper.h"

namespace harness {

std::filesystem::path need_mkfs(const std::string& fs, const std::string& what) {
  auto mkfs = find_program("mkfs." + fs);
  if (!mkfs)
    throw EnvironmentError(fmt::format("mkfs.{} not found{}: install e2fsprogs (apt-get install -y e2fsprogs)", fs,
                                       what.empty() ? "" : fmt::format(" ({} is {})", what, fs)));
  return *mkfs;
}

void need_loop_control(const std::string& what, const std::string& alternative) {
  if (access("/dev/loop-control", R_OK | W_OK) == 0) return;
  const int err = errno;  // before fmt::format may change it
  throw EnvironmentError(errno_message(fmt::format("/dev/loop-control is not usable ({})", what), err) +
                         fmt::format("; load the loop module (modprobe loop), run as root, or {}", alternative));
}

void need_device_mapper(const std::string& what) {
  if (auto why = device_mapper_missing()) throw EnvironmentError(fmt::format("{}: {}", what, *why));
  if (!find_program("e2fsck"))
    throw EnvironmentError(fmt::format("{}: e2fsck not found (the failed disk is checked after the faults): "
                                       "apt-get install -y e2fsprogs",
                                       what));
}

CgroupPlace need_cgroup2() {
  std::string why;
  if (auto place = own_cgroup2(why)) return *place;
  throw EnvironmentError(fmt::format(
      "{}: the host backend keeps every process a run starts in a cgroup v2 of its own, so that none outlives "
      "the run; {}",
      why, kCgroup2Fix));
}

}  // namespace harness
