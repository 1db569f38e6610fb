// Facts about the machine the harness runs on, as reports record them.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace harness {

// uname -r.
std::string kernel_release();
// Now, as "2026-11-29T21:11:48Z".
std::string iso8601_utc_now();

// What /proc/PID/stat says of a process (a zombie too), or nullopt when
// there is none. start_time (clock ticks since boot) tells a process from
// a later one that got the same pid.
struct ProcessStat {
  pid_t pid = 0;
  pid_t ppid = 0;
  pid_t pgid = 0;
  unsigned long long start_time = 0;
};
std::optional<ProcessStat> process_stat(pid_t pid);

}  // namespace harness
