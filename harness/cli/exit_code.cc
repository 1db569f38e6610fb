#include "cli/exit_code.h"

#include <array>

namespace harness {

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_scenario:
    case ErrorKind::usage: return kExitInvalid;
    case ErrorKind::environment: return kExitEnvironment;
    case ErrorKind::runtime: return kExitRuntime;
  }
  return kExitRuntime;
}

int exit_code_for(VerdictStatus status, bool interrupted, std::optional<ErrorKind> error) {
  if (interrupted) return kExitInterrupted;
  if (error) return exit_code_for(*error);
  switch (status) {
    case VerdictStatus::pass: return kExitPass;
    case VerdictStatus::fail:
    case VerdictStatus::timeout: return kExitFail;
    case VerdictStatus::inconclusive: return kExitInconclusive;
    case VerdictStatus::error: return kExitRuntime;
  }
  return kExitRuntime;
}

int more_serious(int a, int b) {
  static constexpr std::array<int, 7> kOrder = {kExitInterrupted, kExitEnvironment, kExitRuntime, kExitInvalid,
                                                kExitFail,        kExitInconclusive, kExitPass};
  for (int c : kOrder)
    if (a == c || b == c) return c;
  return a;
}

int matrix_exit_code(const std::vector<CellRuns>& cells) {
  int rc = kExitPass;
  for (const auto& c : cells) {
    const std::string state = c.state();
    if (state == "error") rc = more_serious(rc, kExitRuntime);
    else if (state == "unsafe" && c.expected_unsafe.empty()) rc = more_serious(rc, kExitFail);
    else if (state == "inconclusive" && c.expected_unsafe.empty()) rc = more_serious(rc, kExitInconclusive);
  }
  return rc;
}

}  // namespace harness
