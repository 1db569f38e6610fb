// Monotonic time since the start of a run, in the unit every event uses.
#pragma once

#include <chrono>
#include <functional>

namespace harness {

using MonoClock = std::chrono::steady_clock;

class RunClock {
 public:
  // Where the time comes from; tests pass one they move themselves, so
  // that what depends on time is checked without timing the test.
  using Source = std::function<MonoClock::time_point()>;

  explicit RunClock(Source now = &MonoClock::now) : now_(std::move(now)), start_(now_()) {}
  MonoClock::time_point now() const { return now_(); }
  double ms_since_start(MonoClock::time_point t) const {
    return std::chrono::duration<double, std::milli>(t - start_).count();
  }
  double now_ms() const { return ms_since_start(now()); }
  MonoClock::time_point start() const { return start_; }
  // A clock on the real monotonic time, for code that is not given one.
  static const RunClock& real() {
    static const RunClock c;
    return c;
  }

 private:
  Source now_;
  MonoClock::time_point start_;
};

}  // namespace harness
