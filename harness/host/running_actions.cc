#include "host/running_actions.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace harness {

namespace {
int pidfd_open(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }
int pidfd_send_signal(int fd, int sig) { return static_cast<int>(syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0)); }
}  // namespace

void RunningActions::started(const std::string& fault, pid_t pid) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    by_fault_[fault].push_back(Entry{pid, MonoClock::now(), ScopedFd(pidfd_open(pid))});
  }
  cv_.notify_all();
}

void RunningActions::ended(const std::string& fault, pid_t pid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& v = by_fault_[fault];
  v.erase(std::remove_if(v.begin(), v.end(), [&](const Entry& e) { return e.pid == pid; }), v.end());
}

std::vector<RunningCommand> RunningActions::wait_for(const std::string& fault, std::chrono::milliseconds timeout,
                                                     const std::atomic<bool>* stop) {
  auto deadline = MonoClock::now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    auto& v = by_fault_[fault];
    if (!v.empty()) {
      std::vector<RunningCommand> out;
      for (const auto& e : v) out.push_back(RunningCommand{e.pid, e.started});
      return out;
    }
    if ((stop && *stop) || MonoClock::now() >= deadline) return {};
    // Short waits: `stop` is not a condition this variable is told of.
    cv_.wait_for(lock, std::chrono::milliseconds(5));
  }
}

bool RunningActions::running(const std::string& fault, pid_t pid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_fault_.find(fault);
  if (it == by_fault_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(), [&](const Entry& e) { return e.pid == pid; });
}

std::vector<pid_t> RunningActions::signal(const std::string& fault, int sig) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<pid_t> out;
  for (const auto& e : by_fault_[fault])
    // The leader is not reaped while its pidfd still reaches it, so its
    // process group id is still its group's: the signal goes to the whole
    // group (an installer script and the `cat` it started), as a power cut
    // or an OOM kill of the tree would.
    if (e.pidfd.is_open() && pidfd_send_signal(e.pidfd.get(), 0) == 0 &&
        (::kill(-e.pid, sig) == 0 || pidfd_send_signal(e.pidfd.get(), sig) == 0))
      out.push_back(e.pid);
  return out;
}

}  // namespace harness
