// RunTimer: how the conductor waits. It sleeps between a fault's fires and
// arms the scenario's timeout. The real one uses the monotonic clock and a
// thread; a unit test supplies one on its own virtual time (with a RunClock
// whose source it moves), so a schedule or a timeout is checked without
// timing the test.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace harness {

class RunTimer {
 public:
  virtual ~RunTimer() = default;
  // May return early; the caller looks at the clock again.
  virtual void sleep_for(std::chrono::milliseconds d) = 0;
  // Calls `fire` once, from another thread, when `after` has passed,
  // unless disarm() comes first. disarm() returns once no `fire` runs.
  virtual void arm(std::chrono::milliseconds after, std::function<void()> fire) = 0;
  virtual void disarm() = 0;
};

class RealTimer final : public RunTimer {
 public:
  ~RealTimer() override { disarm(); }
  void sleep_for(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }
  void arm(std::chrono::milliseconds after, std::function<void()> fire) override {
    disarm();
    disarmed_ = false;
    thread_ = std::thread([this, after, fire = std::move(fire)] {
      std::unique_lock<std::mutex> lock(mu_);
      if (!cv_.wait_for(lock, after, [this] { return disarmed_; })) fire();
    });
  }
  void disarm() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      disarmed_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool disarmed_ = true;
  std::thread thread_;
};

}  // namespace harness
