// The guest agent: `harness agent ...` run as /init's payload inside a VM.
// It runs the scenario with the host backend's code and streams every event
// as one JSON line on the console for VmBackend to collect.
#pragma once

#include <string>
#include <vector>

namespace harness {

int run_guest_agent(const std::vector<std::string>& args);

}  // namespace harness
