#include "host/mount_namespace.h"

#include <sched.h>
#include <sys/mount.h>

#include <cerrno>

#include "base/error.h"

namespace harness {

void enter_private_mount_namespace() {
  if (unshare(CLONE_NEWNS) != 0) {
    int err = errno;
    throw EnvironmentError(errno_message("cannot create a private mount namespace (unshare)", err) +
                           (err == EPERM ? "; run the harness as root" : ""));
  }
  if (mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    int err = errno;
    // EINVAL: "/" is no mount point, as in a chroot made by hand
    // (debootstrap, sbuild...): its mounts cannot be made private, so
    // the harness's would show on the host.
    throw EnvironmentError(errno_message("cannot make mounts private in the new namespace", err) +
                           (err == EINVAL ? "; the root directory is not a mount point (a chroot?): run the harness "
                                            "outside the chroot, or bind-mount the chroot's directory onto itself "
                                            "(mount --bind DIR DIR) before entering it"
                                          : ""));
  }
}

bool mounts_on_this_host(BackendKind backend, const std::vector<Scenario>& scenarios) {
  if (backend == BackendKind::host) return true;
  for (const auto& s : scenarios)
    for (const auto& sc : s.scratch)
      if (sc.power_cut) return true;
  return false;
}

}  // namespace harness
