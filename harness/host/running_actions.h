// RunningActions: the commands the faults' `run` actions have running now,
// by fault name, so that a `kill` action in another fault can find and
// signal them. Each is held by a pidfd opened as it started: a signal
// reaches that very process or nobody (never a later one that got the same
// pid), and while the leader is unreaped its process group (each run
// action's command leads its own) is signalled whole.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/scoped_fd.h"

namespace harness {

struct RunningCommand {
  pid_t pid = 0;
  MonoClock::time_point started;
};

class RunningActions {
 public:
  void started(const std::string& fault, pid_t pid);
  void ended(const std::string& fault, pid_t pid);

  // Waits until `fault` has a command running (or `timeout` passes, or
  // *stop); returns them, empty if none.
  std::vector<RunningCommand> wait_for(const std::string& fault, std::chrono::milliseconds timeout,
                                       const std::atomic<bool>* stop);
  // Whether `pid` of `fault` is still registered (not yet ended).
  bool running(const std::string& fault, pid_t pid) const;
  // Signals every command of `fault` still running; returns the pids
  // signalled.
  std::vector<pid_t> signal(const std::string& fault, int sig);

 private:
  struct Entry {
    pid_t pid;
    MonoClock::time_point started;
    ScopedFd pidfd;
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<Entry>> by_fault_;
};

}  // namespace harness
