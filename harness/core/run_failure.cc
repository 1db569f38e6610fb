#include "core/run_failure.h"

#include <cerrno>
#include <string>
#include <system_error>

#include "base/error.h"

namespace harness {

namespace {

bool disk_full(int err) { return err == ENOSPC || err == EDQUOT; }

constexpr const char* kDiskFullHint =
    "; the run directory's filesystem is full: free some space or use --out on another filesystem";

}  // namespace

void record_failure(RunRecord& rec, std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    if (!rec.error.empty()) return;  // an earlier failure is the run's
    rec.error = e.what();
    if (const auto* err = dynamic_cast<const Error*>(&e)) {
      rec.environment_error = err->kind() == ErrorKind::environment;
      rec.scenario_error = err->kind() == ErrorKind::invalid_scenario;
      if (auto* se = dynamic_cast<const SystemError*>(err); se && disk_full(se->err())) {
        rec.error += kDiskFullHint;
        rec.environment_error = true;
      }
    } else if (const auto* se = dynamic_cast<const std::system_error*>(&e); se && disk_full(se->code().value())) {
      // copy_fd (images, copies) reports errno this way.
      rec.error += std::string(" (") + errno_name(se->code().value()) + ")" + kDiskFullHint;
      rec.environment_error = true;
    }
  }
}

}  // namespace harness
