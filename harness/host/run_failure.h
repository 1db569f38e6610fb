// How a failed host run goes into its record (RunRecord::error and the flags
// that choose the exit code): the environment's fault (exit 3), the
// scenario's (exit 2), or the run's. A full disk is the machine's problem,
// not the scenario's, and the message says how to get out of it.
#pragma once

#include <exception>

#include "core/run_record.h"

namespace harness {

// Records the exception `failure` (an Error, a std::system_error from copy_fd,
// or any std::exception); anything else is rethrown.
void record_failure(RunRecord& rec, std::exception_ptr failure);

}  // namespace harness
