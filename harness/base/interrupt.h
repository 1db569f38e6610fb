// SIGINT/SIGTERM become a stored signal number that loops poll; no work is
// done in the handler. InterruptGuard installs the handlers and restores
// the previous ones when it goes out of scope.
#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>
#include <string>

namespace harness {

class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
  struct sigaction old_hup_ {};
};

// The signal that interrupted the run, or 0. Only signals set it: a run's
// own reasons to stop (a timeout, a decided verdict) are the run's flag,
// so that a Ctrl-C is never mistaken for one of them, or lost.
int interrupted();
// For tests.
void request_interrupt(int sig);
void clear_interrupt();

// "interrupted by signal SIGINT", as a run's error says it.
std::string interrupted_message(int sig);

// Sleeps up to `d`, returning early (false) when interrupted or when
// `stop` becomes true.
bool interruptible_sleep(std::chrono::milliseconds d, const std::atomic<bool>* stop = nullptr);

}  // namespace harness
