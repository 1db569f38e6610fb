#include "core/schedule.h"

#include <algorithm>

namespace harness {

using std::chrono::milliseconds;

std::string_view to_string(ScheduleKind k) {
  switch (k) {
    case ScheduleKind::while_workload: return "while_workload";
    case ScheduleKind::every: return "every";
    case ScheduleKind::once: return "once";
    case ScheduleKind::times: return "times";
  }
  return "?";
}

std::optional<milliseconds> Schedule::next_start(unsigned fire, milliseconds prev_start,
                                                 milliseconds prev_end) const {
  if (limit && fire >= *limit) return std::nullopt;
  if (fire == 0) return after;
  if (gap_is_period) {
    // A firing that overran its period starts the next one at once rather
    // than queueing a burst to catch up.
    return std::max(prev_start + interval, prev_end);
  }
  return prev_end + interval;
}

Schedule schedule_while_workload(milliseconds pause) {
  Schedule s;
  s.kind = ScheduleKind::while_workload;
  s.interval = pause;
  return s;
}

Schedule schedule_every(milliseconds interval, milliseconds after, std::optional<unsigned> limit) {
  Schedule s;
  s.kind = ScheduleKind::every;
  s.after = after;
  s.interval = interval;
  s.gap_is_period = true;
  s.limit = limit;
  return s;
}

Schedule schedule_once(milliseconds after) {
  Schedule s;
  s.kind = ScheduleKind::once;
  s.after = after;
  s.limit = 1;
  return s;
}

Schedule schedule_times(unsigned count, milliseconds interval, milliseconds after) {
  Schedule s;
  s.kind = ScheduleKind::times;
  s.after = after;
  s.interval = interval;
  s.limit = count;
  return s;
}

}  // namespace harness
