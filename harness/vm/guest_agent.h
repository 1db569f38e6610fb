// The guest agent: `harness agent ...`, run by /init inside a VM. It runs
// the scenario with the host backend's code (it is root in a disposable
// VM) and streams every event as one marked JSON line on a virtio console
// (hvc0) for VmBackend to collect (see guest_channel.h for the messages),
// together with the notable guest kernel messages from /dev/kmsg.
//
//   harness agent --scenario FILE --run-dir DIR [--fixtures-bin DIR]
//                 [--events DEV (default /dev/hvc0)] [--marker M] [--prebuilt DIR]
//
// --prebuilt: images and copies the host already made, at their work
// paths (see host/scenario_images.h).
// Without --marker the marker is read from /proc/cmdline (harness.marker=).
#pragma once

#include <string>
#include <vector>

namespace harness {

int run_guest_agent(const std::vector<std::string>& args);

}  // namespace harness
