// What /proc says about a process, best effort: each returns empty (or 0)
// when the process is gone or the field cannot be read.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace harness {

std::string process_exe(pid_t pid);                // /proc/PID/exe
std::vector<std::string> process_argv(pid_t pid);  // /proc/PID/cmdline
// Its cgroup v2 path, the "0::" line of /proc/PID/cgroup ("/harness-8-1/run-3").
std::string process_cgroup(pid_t pid);

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

// The value of a field of /proc/PID/status ("Seccomp" -> "2", "Uid" ->
// "65534\t65534\t65534\t65534"), or "" when there is none.
std::string process_status_field(pid_t pid, const std::string& field);

}  // namespace harness
