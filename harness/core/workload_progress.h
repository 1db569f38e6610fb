// WorkloadProgress: live exec counters for the progress line, fed by
// whichever backend runs the workload; written by workers, read by anyone.
#pragma once

#include <atomic>

#include "core/event.h"

namespace harness {

struct WorkloadProgress {
  std::atomic<unsigned long> execs{0};
  std::atomic<unsigned long> abnormal{0};
  std::atomic<unsigned long> crashes{0};  // is_crash(): see exec_class.h

  void count(const ExecEvent& e) {
    execs.fetch_add(1, std::memory_order_relaxed);
    if (is_abnormal(e.outcome.cls)) abnormal.fetch_add(1, std::memory_order_relaxed);
    if (is_crash(e.outcome.cls)) crashes.fetch_add(1, std::memory_order_relaxed);
  }
};

}  // namespace harness
