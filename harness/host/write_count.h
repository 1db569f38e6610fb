// WriteCounter: how many write system calls a command has made so far, for
// a `kill` action that strikes at the command's N-th write. The command is
// a process tree (an installer script and the `cp` or `cat` it starts):
// each sample reads syscw from /proc/PID/io of the leader and of every
// descendant still alive, and keeps each process's last count, so the
// writes of a child that has exited still count. Polled, so a fast writer
// may pass N by a few writes before the signal lands; the kill event
// records the count it saw.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace harness {

// What the counter asks of /proc (a fake in the unit tests).
class ProcessIo {
 public:
  virtual ~ProcessIo() = default;
  virtual std::optional<uint64_t> write_syscalls(pid_t pid) const = 0;  // syscw; nullopt: gone
  virtual std::vector<pid_t> children(pid_t pid) const = 0;
};

// /proc/PID/io and /proc/PID/task/*/children.
class ProcProcessIo : public ProcessIo {
 public:
  std::optional<uint64_t> write_syscalls(pid_t pid) const override;
  std::vector<pid_t> children(pid_t pid) const override;
};

class WriteCounter {
 public:
  WriteCounter(const ProcessIo& io, pid_t leader) : io_(io), leader_(leader) {}
  // Samples the tree now; returns the total so far.
  uint64_t sample();
  uint64_t total() const;

 private:
  void visit(pid_t pid, unsigned depth);
  const ProcessIo& io_;
  pid_t leader_;
  std::map<pid_t, uint64_t> last_;
};

}  // namespace harness
