// Monotonic time since the start of a run, in the unit every event uses.
#pragma once

#include <chrono>

namespace harness {

using MonoClock = std::chrono::steady_clock;

class RunClock {
 public:
  RunClock() : start_(MonoClock::now()) {}
  double ms_since_start(MonoClock::time_point t) const {
    return std::chrono::duration<double, std::milli>(t - start_).count();
  }
  double now_ms() const { return ms_since_start(MonoClock::now()); }
  MonoClock::time_point start() const { return start_; }

 private:
  MonoClock::time_point start_;
};

}  // namespace harness
