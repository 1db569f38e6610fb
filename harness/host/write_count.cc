#include "host/write_count.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace harness {

std::optional<uint64_t> ProcProcessIo::write_syscalls(pid_t pid) const {
  std::ifstream in(fmt::format("/proc/{}/io", pid));
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value)
    if (key == "syscw:") return value;
  return std::nullopt;
}

std::vector<pid_t> ProcProcessIo::children(pid_t pid) const {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& t : std::filesystem::directory_iterator(fmt::format("/proc/{}/task", pid), ec)) {
    std::ifstream in(t.path() / "children");
    for (pid_t c; in >> c;) out.push_back(c);
  }
  return out;
}

void WriteCounter::visit(pid_t pid, unsigned depth) {
  if (depth > 64) return;  // a fork bomb is not an installer
  if (auto n = io_.write_syscalls(pid)) {
    uint64_t& last = last_[pid];
    if (*n > last) last = *n;
  }
  for (pid_t c : io_.children(pid)) visit(c, depth + 1);
}

uint64_t WriteCounter::sample() {
  visit(leader_, 0);
  return total();
}

uint64_t WriteCounter::total() const {
  uint64_t sum = 0;
  for (const auto& [_, n] : last_) sum += n;
  return sum;
}

}  // namespace harness
