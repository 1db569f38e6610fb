// The state of a file an `installed` expectation judges (core/installed_state.h),
// read from the run's work directory at a named moment: whether it exists,
// its size, digests and first bytes.
#pragma once

#include <string>

#include "base/run_dir.h"
#include "core/installed_state.h"

namespace harness {

// A file that does not exist is a state too (exists = false); another
// error to read it is kept in `head`, for the report.
FileState read_file_state(const RunDir& dir, const std::string& path, const char* moment);

}  // namespace harness
