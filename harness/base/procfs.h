// What /proc says about a process, best effort: each returns empty (or 0)
// when the process is gone or the field cannot be read.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace harness {

std::string process_exe(pid_t pid);                // /proc/PID/exe
std::vector<std::string> process_argv(pid_t pid);  // /proc/PID/cmdline
pid_t process_ppid(pid_t pid);                     // /proc/PID/stat, field 4

}  // namespace harness
