#include "base/system_info.h"

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "base/scoped_fd.h"

namespace harness {

std::string kernel_release() {
  utsname u{};
  uname(&u);
  return u.release;
}

std::string iso8601_utc_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<ProcessStat> process_stat(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  ScopedFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.is_open()) return std::nullopt;
  char buf[1024];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  // "pid (comm) state ppid pgrp ... starttime(22) ..."; comm may hold
  // spaces and parentheses, so fields are counted from the last ')'.
  const char* close = std::strrchr(buf, ')');
  ProcessStat s;
  s.pid = pid;
  char state = 0;
  int ppid = 0, pgid = 0;
  if (!close || std::sscanf(close + 1,
                            " %c %d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                            &state, &ppid, &pgid, &s.start_time) != 4)
    return std::nullopt;
  s.ppid = ppid;
  s.pgid = pgid;
  return s;
}

}  // namespace harness
