// ProcessTracker follows the process tree under one root (the harness)
// through the kernel's process events (the proc connector, NETLINK_CONNECTOR
// / CN_IDX_PROC): every fork (who started whom), every exec (which program
// a process became) and every exit. A write to a mounted image can then be
// traced to the action that started the writer even when the writer was a
// short-lived child (`cat` under an installer's `sh`) that had exited
// before anyone could look at /proc: the fork events were delivered as
// they happened.
//
// Where the proc connector is unavailable (not in the initial network
// namespace, no CONFIG_PROC_EVENTS), it falls back to reading /proc when
// asked, which names only processes still alive; method() says which.
// Used from one thread.
#pragma once

#include <sys/types.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "base/scoped_fd.h"
#include "core/write_evidence.h"
#include "host/writer_log.h"

namespace harness {

class ProcessTracker : public ProcessLookup {
 public:
  explicit ProcessTracker(pid_t root);
  ProcessTracker(const ProcessTracker&) = delete;
  ProcessTracker& operator=(const ProcessTracker&) = delete;

  // -1 without the proc connector; poll it for POLLIN otherwise.
  int fd() const { return sock_.get(); }
  // Reads the queued process events (non-blocking).
  void read_events();

  // What is known of `pid`: from the events (exact ancestry, the program
  // it last executed), completed from /proc while it is alive.
  ProcessInfo info(pid_t pid) override;
  // Its parent, grandparent ... up to (not including) the root.
  std::vector<ProcessInfo> ancestors(pid_t pid) override;
  // Whether `pid` executed a program since the tracker first saw it.
  bool executed(pid_t pid) const override;

  std::string method() const;
  // Non-empty when the kernel dropped process events (a full socket buffer).
  const std::string& lost() const { return lost_; }

 private:
  struct Proc {
    ProcessInfo info;
    bool executed = false;
    bool exited = false;
  };
  void on_fork(pid_t parent, pid_t child);
  void on_exec(pid_t pid);
  void on_exit(pid_t pid);

  pid_t root_;
  ScopedFd sock_;
  std::string unavailable_;  // why the proc connector is not used
  std::string lost_;
  std::unordered_map<pid_t, Proc> procs_;
};

}  // namespace harness
