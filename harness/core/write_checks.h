// The invariant checks on a mounted image: nothing wrote it while it was
// mounted (the kernel's record, core/write_evidence.h), and its digest and
// inode never changed. Each fills in one expectation's result.
#pragma once

#include <string>

#include "core/run_record.h"
#include "core/verdict.h"

namespace harness {

// Fails on any write the kernel reported while `path` was mounted; holds
// only if the evidence could have shown one.
void no_write_while_mounted(const std::string& path, const RunRecord& r, ExpectationResult& res);

// Same digest and inode in every snapshot of `path`, and no write to it
// while it was mounted (an identical-bytes rewrite in place is a change:
// it is what the incident did).
void image_unchanged(const std::string& path, const RunRecord& r, ExpectationResult& res);

}  // namespace harness
