// Write attribution: turns the writers that fanotify saw into the one
// sentence a postmortem needs, e.g. "stack-install (regressed) pid 812
// truncated images/stack.img while it was mounted read-only on /dev/loop0
// at mnt/stack; 173 SIGSEGV followed, the first 0.4 s after the write".
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/run_record.h"

namespace harness {

// Who a writer was, in words: a labelled run action, the harness's own
// fault action, or the executable's name.
std::string describe_writer(const nlohmann::json& writer, const RunRecord& r);
// "" when nobody wrote a watched image.
std::string writer_summary(const RunRecord& r);

}  // namespace harness
