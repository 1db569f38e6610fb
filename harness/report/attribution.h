// Write attribution: turns the writers the kernel reported into the one
// sentence a postmortem needs, e.g. "cat (pid 4204), started by fault
// "redeploy" (stack-install (regressed)): sh install.sh (pid 4190)
// truncated and rewrote data/cedar-14.img while it was mounted read-only
// on /dev/loop0 at mnt/stack; 173 SIGSEGV followed, the first 0.4 s after
// the write." Who a writer was comes from core/writer_origin.h, so the
// verdict and every report name it alike.
#pragma once

#include <string>

#include "core/run_record.h"

namespace harness {

// "" when nobody wrote a watched image. Names the first writer; says how
// many more there were only as a count, since not every renderer lists them.
std::string writer_summary(const RunRecord& r);

}  // namespace harness
