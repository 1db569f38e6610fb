// enter_private_mount_namespace() moves this process into a new mount
// namespace whose mounts do not propagate back to the host. Call it while
// the process is still single-threaded: namespaces belong to threads, and
// threads started later inherit it. When the process dies the namespace
// goes with it, unmounting everything — so even SIGKILL leaves no mount.
#pragma once

#include <string>
#include <vector>

#include "core/scenario.h"

namespace harness {

void enter_private_mount_namespace();

// Whether runs of `backend` mount on this host: the host backend always;
// the vm backend when a scenario has a power-cut scratch (its crash states
// are loop-mounted here).
bool mounts_on_this_host(BackendKind backend, const std::vector<Scenario>& scenarios);

}  // namespace harness
