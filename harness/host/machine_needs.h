// What a run needs of this machine, each checked in one place with one
// message that says what to do (an EnvironmentError: exit 3). The host
// backend's preflight, image building and the vm backend (which builds
// images and checks power cuts on the host) all ask here.
#pragma once

#include <filesystem>
#include <string>

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

}  // namespace harness
