#include "base/procfs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "base/scoped_fd.h"

namespace harness {

std::string process_exe(pid_t pid) {
  std::error_code ec;
  auto p = std::filesystem::read_symlink(fmt::format("/proc/{}/exe", pid), ec);
  return ec ? std::string() : p.string();
}

std::vector<std::string> process_argv(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
  std::vector<std::string> argv;
  for (std::string arg; std::getline(in, arg, '\0');) argv.push_back(arg);
  return argv;
}

std::string process_cgroup(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/cgroup", pid));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return {};
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

std::string process_status_field(pid_t pid, const std::string& field) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  const std::string key = field + ":";
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) != 0) continue;
    size_t from = line.find_first_not_of(" \t", key.size());
    return from == std::string::npos ? "" : line.substr(from);
  }
  return "";
}

}  // namespace harness
