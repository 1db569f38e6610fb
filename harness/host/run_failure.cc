#include "host/run_failure.h"

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
  } catch (const Error& e) {
    rec.error = e.what();
    rec.environment_error = e.kind() == ErrorKind::environment;
    rec.scenario_error = e.kind() == ErrorKind::invalid_scenario;
    if (auto* se = dynamic_cast<const SystemError*>(&e); se && disk_full(se->err())) {
      rec.error += kDiskFullHint;
      rec.environment_error = true;
    }
  } catch (const std::system_error& e) {
    // copy_fd (images, copies) reports errno this way.
    rec.error = e.what();
    if (disk_full(e.code().value())) {
      rec.error += std::string(" (") + errno_name(e.code().value()) + ")" + kDiskFullHint;
      rec.environment_error = true;
    }
  } catch (const std::exception& e) {
    rec.error = e.what();
  }
}

}  // namespace harness
