// enter_private_mount_namespace() moves this process into a new mount
// namespace whose mounts do not propagate back to the host. Call it while
// the process is still single-threaded: namespaces belong to threads, and
// threads started later inherit it. When the process dies the namespace
// goes with it, unmounting everything — so even SIGKILL leaves no mount.
#pragma once

namespace harness {

void enter_private_mount_namespace();

}  // namespace harness
