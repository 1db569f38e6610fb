// What a run needs of this machine, each checked in one place with one
// message that says what to do (an EnvironmentError: exit 3). The host
// backend's preflight, image building and the vm backend (which builds
// images and checks power cuts on the host) all ask here.
#pragma once

#include <filesystem>
#include <string>

#include "base/cgroup.h"

namespace harness {

// mkfs.FS (e2fsprogs) as a path; throws when it is missing. `what` names
// what needs it ("the VM scratch disk"), or is empty.
std::filesystem::path need_mkfs(const std::string& fs, const std::string& what = "");

// /dev/loop-control usable for loop devices; throws when it is not.
// `what` says what needs them, `alternative` what else the user can do.
void need_loop_control(const std::string& what, const std::string& alternative);

// device-mapper in this kernel, and e2fsck (a failed disk is checked
// before it is judged); throws when either is missing. `what` says what
// needs them.
void need_device_mapper(const std::string& what);

// What to do without a usable cgroup v2 hierarchy (need_cgroup2, doctor).
inline constexpr const char* kCgroup2Fix =
    "mount the cgroup2 filesystem writable for root (mount -t cgroup2 none /sys/fs/cgroup, or "
    "/sys/fs/cgroup/unified on a host with cgroup v1 controllers), or use --backend vm";

// A cgroup v2 hierarchy holding our cgroup, that we may make cgroups in:
// each run keeps every process it starts in one of its own, so that none
// outlives it (a run action's background work, a daemon that left its
// group). Throws when there is none, saying what to do.
CgroupPlace need_cgroup2();

}  // namespace harness
