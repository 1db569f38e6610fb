// How a failed host run goes into its record (RunRecord::error and the flags
// that choose the exit code): the environment's fault (exit 3), the
// scenario's (exit 2), or the run's. A full disk is the machine's problem,
// not the scenario's, and the message says how to get out of it.
#pragma once

#include <exception>

#include "core/run_record.h"

namespace harness {

// Records the exception `failure` (an Error, a std::system_error from copy_fd,
// or any std::exception); anything else is rethrown. Both backends end a
// failed run here, so one cause gives one exit code and one hint. The first
// failure is the run's: when the record holds an error already (a guest's,
// sent over the channel), a later one changes nothing.
void record_failure(RunRecord& rec, std::exception_ptr failure);

}  // namespace harness
