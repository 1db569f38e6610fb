#include "cli/progress.h"
#include "base/terminal_text.h"

#include <unistd.h>

#include <fmt/format.h>

namespace harness {

Progress::Progress(const Scenario& s, std::string label, bool live)
    : label_(std::move(label)), live_(live && isatty(STDERR_FILENO)) {
  if (s.workload.iterations) total_execs_ = *s.workload.iterations + s.workload.warmup;
  if (s.workload.duration) duration_s_ = std::chrono::duration<double>(*s.workload.duration).count();
  observer_.progress = &counters_;
  observer_.on_phase = [this](const std::string& phase) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      phase_ = terminal_safe(phase);  // a guest names its phases
      if (phase == "faults") faults_start_ = MonoClock::now();
    }
    if (!live_) fmt::print(stderr, "[{}] {}\n", label_, terminal_safe(phase));
  };
  if (live_)
    thread_ = std::thread([this] {
      while (!done_) {
        draw();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
}

Progress::~Progress() {
  done_ = true;
  if (thread_.joinable()) thread_.join();
  if (live_) fmt::print(stderr, "\r\x1b[K");
}

std::string eta_text(std::optional<unsigned long> total_execs, std::optional<double> duration_s, double faults_elapsed,
                     unsigned long execs) {
  double left = -1;
  if (total_execs && execs > 0 && faults_elapsed > 0.2)
    left = static_cast<double>(*total_execs > execs ? *total_execs - execs : 0) * faults_elapsed /
           static_cast<double>(execs);
  if (duration_s) left = left < 0 ? *duration_s - faults_elapsed : std::min(left, *duration_s - faults_elapsed);
  return left < 0 ? std::string("ETA ?") : fmt::format("ETA {:.0f}s", std::max(0.0, left));
}

std::string Progress::eta(double faults_elapsed, unsigned long execs) const {
  return eta_text(total_execs_, duration_s_, faults_elapsed, execs);
}

void Progress::draw() {
  std::string phase;
  std::optional<MonoClock::time_point> faults_start;
  {
    std::lock_guard<std::mutex> lock(mu_);
    phase = phase_;
    faults_start = faults_start_;
  }
  auto now = MonoClock::now();
  double el = std::chrono::duration<double>(now - start_).count();
  unsigned long execs = counters_.execs.load();
  std::string eta_text = faults_start ? eta(std::chrono::duration<double>(now - *faults_start).count(), execs) : "";
  fmt::print(stderr, "\r\x1b[K[{}] {:8} execs {:6}  crashes {:5}  abnormal {:5}  {:5.1f}s  {}", label_, phase, execs,
             counters_.crashes.load(), counters_.abnormal.load(), el, eta_text);
}

}  // namespace harness
