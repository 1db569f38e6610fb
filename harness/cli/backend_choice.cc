#include "cli/backend_choice.h"

#include <fmt/format.h>

#include "vm/vm_backend.h"

namespace harness {

BackendChoice choose_backend(const std::string& requested) {
  if (!requested.empty()) return {requested, "--backend " + requested};
  std::string why_not = VmBackend::unavailable_reason();
  if (why_not.empty())
    return {"vm",
            "the default where qemu, a guest kernel and a static busybox are installed; --backend host runs on "
            "this machine directly"};
  return {"host", fmt::format("the default here, since a VM cannot run: {}; `harness doctor` says what a VM needs",
                              why_not)};
}

std::string backend_lines(const BackendChoice& choice, const std::vector<Scenario>& sized) {
  std::string out = fmt::format("backend   {} ({})\n", choice.name, choice.why);
  for (const auto& s : sized)
    if (!s.sizing.empty()) out += fmt::format("sizing    {}: {}\n", s.name, s.sizing);
  return out;
}

}  // namespace harness
