// BackendKind: where a run happens, the host itself or a VM. Reports and
// the command line spell it "host" and "vm".
#pragma once

#include <optional>
#include <string_view>

namespace harness {

enum class BackendKind { host, vm };

constexpr std::string_view to_string(BackendKind b) { return b == BackendKind::vm ? "vm" : "host"; }

// "host" or "vm"; anything else is nullopt.
constexpr std::optional<BackendKind> backend_kind_from_string(std::string_view s) {
  if (s == "host") return BackendKind::host;
  if (s == "vm") return BackendKind::vm;
  return std::nullopt;
}

}  // namespace harness
