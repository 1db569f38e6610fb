// --untrusted: how a CI runs scenarios a less trusted contributor wrote.
// The mode protects the host, not the meaning of a gate: a scenario writes
// its own expectations and its guest can forge its own verdict. In it a
// scenario runs only in a VM (never --backend host: there its workload and
// run actions are root on this machine), names host files only as the
// operator's HostPathPolicy allows (core/host_path_policy.h), and has no
// power-cut scratch folder judged (its replay is parsed on the host). The one place the options become that policy.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/host_path_policy.h"
#include "core/scenario.h"

namespace harness {

struct UntrustedArgs {
  bool untrusted = false;
  std::vector<std::filesystem::path> allow_host_paths;  // --allow-host-path DIR, repeatable
};

// The policy --untrusted asks for, or nullopt without it. Throws
// Error(usage) for --allow-host-path without --untrusted, or for a DIR
// that is not an existing folder.
std::optional<HostPathPolicy> untrusted_policy(const UntrustedArgs& a);

// Throws Error(usage) (exit 2) when --untrusted meets --backend host, and
// EnvironmentError (exit 3) when the default fell back to host because a
// VM cannot run here (`why_not_vm`): `requested` as given (empty: the
// default), `chosen` as settled.
void check_untrusted_backend(const std::string& requested, const std::string& chosen, const std::string& why_not_vm);

// What --untrusted refuses in a scenario that validation alone cannot
// know: every host file it names outside the policy (the located
// ScenarioError of vm/guest_files.h), and a power-cut scratch folder; and
// a scenario whose folder (or one above it) a user we do not trust could
// rename things in (EnvironmentError: what was checked would be read
// again by path).
void check_untrusted_scenario(const Scenario& s, const HostPathPolicy& policy);

}  // namespace harness
