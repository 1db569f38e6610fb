// SIGINT/SIGTERM become a stored signal number that loops poll; no work is
// done in the handler. InterruptGuard installs the handlers and restores
// the previous ones when it goes out of scope.
#pragma once

#include <signal.h>

#include <chrono>

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

// The stored "signal" for a scenario's wall-clock timeout, which stops a
// run the same way Ctrl-C does but is reported as a `timeout` verdict.
inline constexpr int kTimeoutSignal = SIGALRM;

// The signal that interrupted the run, or 0.
int interrupted();
// For tests and for an internal stop (scenario timeout).
void request_interrupt(int sig);
void clear_interrupt();

// Sleeps up to `d`, returning early (false) when interrupted.
bool interruptible_sleep(std::chrono::milliseconds d);

}  // namespace harness
