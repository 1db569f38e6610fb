#include "cli/backend_choice.h"

#include <fmt/format.h>

#include "vm/vm_backend.h"

namespace harness {

BackendChoice choose_backend(std::optional<BackendKind> requested) {
  if (requested) return {*requested, fmt::format("--backend {}", to_string(*requested))};
  std::string why_not = VmBackend::unavailable_reason();
  if (why_not.empty())
    return {BackendKind::vm,
            "the default where qemu, a guest kernel and a static busybox are installed; --backend host runs on "
            "this machine directly"};
  return {BackendKind::host, fmt::format("the default here, since a VM cannot run: {}; `harness doctor` says what a VM needs",
                              why_not)};
}

std::string backend_lines(const BackendChoice& choice, const std::vector<Scenario>& sized) {
  std::string out = fmt::format("backend   {} ({})\n", to_string(choice.kind), choice.why);
  for (const auto& s : sized)
    if (!s.sizing.empty()) out += fmt::format("sizing    {}: {}\n", s.name, s.sizing);
  return out;
}

}  // namespace harness
