#include "base/interrupt.h"

#include <string.h>

#include <atomic>
#include <thread>

namespace harness {

static std::atomic<int> g_signal{0};

static void on_signal(int sig) { g_signal.store(sig, std::memory_order_relaxed); }

InterruptGuard::InterruptGuard() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking calls return EINTR and loops re-check
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
  sigaction(SIGHUP, &sa, &old_hup_);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
  sigaction(SIGHUP, &old_hup_, nullptr);
}

int interrupted() { return g_signal.load(std::memory_order_relaxed); }
void request_interrupt(int sig) { g_signal.store(sig, std::memory_order_relaxed); }
void clear_interrupt() { g_signal.store(0, std::memory_order_relaxed); }

std::string interrupted_message(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return "interrupted by signal " + (abbrev ? std::string("SIG") + abbrev : std::to_string(sig));
}

bool interruptible_sleep(std::chrono::milliseconds d, const std::atomic<bool>* stop) {
  using clock = std::chrono::steady_clock;
  auto end = clock::now() + d;
  while (clock::now() < end) {
    if (interrupted() || (stop && stop->load())) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - clock::now());
    std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(20)));
  }
  return !interrupted();
}

}  // namespace harness
