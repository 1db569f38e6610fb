// Schedule: when a fault fires, relative to the start of the fault phase.
// Every scenario form normalises to {first fire, gap between fires, limit}:
//   while_workload  -> after 0, gap pause_ms, no limit (until the workload ends)
//   every N ms      -> after after_ms, gap N (from one fire's start to the next)
//   once after T    -> after T, limit 1
//   times N         -> after after_ms, gap interval_ms, limit N
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace harness {

enum class ScheduleKind { while_workload, every, once, times };

std::string_view to_string(ScheduleKind k);

struct Schedule {
  ScheduleKind kind = ScheduleKind::while_workload;
  std::chrono::milliseconds after{0};
  std::chrono::milliseconds interval{0};
  // gap_is_period: interval measured start-to-start (every); otherwise it is
  // a pause after each firing ends (while_workload, times).
  bool gap_is_period = false;
  std::optional<unsigned> limit;  // nullopt: until the workload ends

  // When firing number `fire` (0-based) may start, given when the previous
  // firing started and ended (both ignored for fire 0). nullopt: done.
  std::optional<std::chrono::milliseconds> next_start(unsigned fire,
                                                      std::chrono::milliseconds prev_start,
                                                      std::chrono::milliseconds prev_end) const;
  // True when this schedule ends only with the workload.
  bool runs_until_workload_ends() const { return !limit.has_value(); }
};

Schedule schedule_while_workload(std::chrono::milliseconds pause);
Schedule schedule_every(std::chrono::milliseconds interval, std::chrono::milliseconds after,
                        std::optional<unsigned> limit);
Schedule schedule_once(std::chrono::milliseconds after);
Schedule schedule_times(unsigned count, std::chrono::milliseconds interval,
                        std::chrono::milliseconds after);

}  // namespace harness
