// LogDrain copies what a pipe carries into a log file, up to a cap, on a
// thread of its own: qemu writes the guest's serial console and its own
// messages into pipes, never straight into files, so a guest that prints
// for ever fills no host disk. Past the cap the rest is read and counted,
// and a note at the end of the log says how much was not kept.
#pragma once

#include <atomic>
#include <cstddef>
#include <thread>

#include "base/scoped_fd.h"

namespace harness {

class LogDrain {
 public:
  // Copies from `from` (a pipe's read end) into `to` (borrowed: it must
  // outlive the drain), at most `cap` bytes.
  LogDrain(ScopedFd from, int to, size_t cap);
  ~LogDrain();  // finish()
  LogDrain(const LogDrain&) = delete;
  LogDrain& operator=(const LogDrain&) = delete;

  // Copies what is left once the writer is gone (or stops after what can
  // be read at once, if someone still holds the pipe), then adds the note.
  // Idempotent.
  void finish();
  unsigned long long kept() const { return kept_; }
  unsigned long long dropped() const { return dropped_; }

 private:
  void run();
  ScopedFd from_;
  int to_;
  size_t cap_;
  std::atomic<bool> stop_{false};
  std::atomic<unsigned long long> kept_{0};
  std::atomic<unsigned long long> dropped_{0};
  std::thread thread_;
  bool finished_ = false;
};

}  // namespace harness
