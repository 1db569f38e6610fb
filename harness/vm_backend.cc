#include "vm_backend.h"

#include "error.h"

namespace harness {

// Placeholder until the VM issue lands: the backend exists in the CLI but
// reports that it cannot run yet.
VmBackend::VmBackend(VmOptions opts) : opts_(std::move(opts)) {}

bool VmBackend::available() { return false; }

void VmBackend::preflight(const Scenario&) const {
  throw EnvironmentError("the vm backend is not built yet; use --backend host");
}

RunRecord VmBackend::run(const Plan&, RunDir&, const RunObserver&) {
  throw EnvironmentError("the vm backend is not built yet; use --backend host");
}

}  // namespace harness
