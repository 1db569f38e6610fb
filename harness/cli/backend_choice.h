// BackendChoice: which backend a `harness run` uses, and why, stated on
// the first line of its output. The default depends on the machine (vm
// where qemu, a guest kernel and a static busybox are installed, else
// host), and a VM runs a scenario's smaller `vm` sizing: a gate that
// silently ran 60 execs in a VM must say so before anything else.
#pragma once

#include <string>
#include <vector>

#include "core/backend_kind.h"
#include "core/scenario.h"

namespace harness {

struct BackendChoice {
  BackendKind kind = BackendKind::host;
  std::string why;   // "--backend host", "the default here: ..."
};

// `requested` is --backend's value, or nullopt for the default.
BackendChoice choose_backend(std::optional<BackendKind> requested);

// "backend   vm (the default here: ...)" and, for each scenario the vm
// sizing changed, "sizing    NAME: vm sizing: iterations 100 (as written: 1500)".
std::string backend_lines(const BackendChoice& choice, const std::vector<Scenario>& sized);

}  // namespace harness
