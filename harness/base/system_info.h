// Facts about the machine the harness runs on, as reports record them.
#pragma once

#include <string>

namespace harness {

// uname -r.
std::string kernel_release();
// Now, as "2026-11-29T21:11:48Z".
std::string iso8601_utc_now();


}  // namespace harness
