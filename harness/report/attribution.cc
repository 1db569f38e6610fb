#include "report/attribution.h"

#include <fmt/format.h>

#include "core/scenario.h"
#include "core/writer_origin.h"

namespace harness {

std::string writer_summary(const RunRecord& r) {
  const auto& writers = r.writes.writers;
  if (writers.empty()) return "";
  const Writer& w = writers.front();
  double t = w.t_open_ms >= 0 ? w.t_open_ms : w.t_first_ms;
  bool truncated = w.truncated;
  // The harness's own truncating action is known for certain even when the
  // size the kernel reported had already grown back.
  WriterOrigin o = origin_of(w, r);
  if (o.kind == WriterOrigin::Kind::harness_action && o.action)
    truncated = truncated || o.action->action == "overwrite_truncate" || o.action->action == "truncate";
  // Truncated by this writer's own open (or the harness's truncating
  // action), or rewritten after another process's truncation.
  bool truncated_it = w.truncated_at_open || (o.kind == WriterOrigin::Kind::harness_action && truncated);
  std::string verb = truncated_it ? "truncated and rewrote" : truncated ? "rewrote the truncated" : "wrote to";
  std::string where;
  if (const Watch* watch = r.writes.watch_of(w.path); watch && !watch->loop_device.empty()) {
    bool ro = ("," + watch->mount_options + ",").find(",ro,") != std::string::npos;
    where = fmt::format(" while it was mounted{} on {} at {}", ro ? " read-only" : "", watch->loop_device,
                        watch->mountpoint);
  }
  unsigned long segv = 0, bus = 0, ill = 0;
  double first_crash = -1;
  for (const auto& e : r.execs) {
    if (e.t_ms < t || !is_crash(e.outcome.cls)) continue;
    if (e.outcome.cls == ExecClass::sigsegv) ++segv;
    if (e.outcome.cls == ExecClass::sigbus) ++bus;
    if (e.outcome.cls == ExecClass::sigill) ++ill;
    if (first_crash < 0) first_crash = e.t_ms;
  }
  std::string after;
  if (first_crash < 0) {
    after = "no workload exec crashed afterwards";
  } else {
    std::vector<std::string> parts;
    if (segv) parts.push_back(fmt::format("{} SIGSEGV", segv));
    if (bus) parts.push_back(fmt::format("{} SIGBUS", bus));
    if (ill) parts.push_back(fmt::format("{} SIGILL", ill));
    double delay = first_crash - t;
    after = fmt::format("{} followed, the first {} after the write", fmt::join(parts, " and "),
                        delay < 1000 ? fmt::format("{:.0f} ms", delay) : fmt::format("{:.1f} s", delay / 1000));
  }
  size_t more = writers.size() - 1;
  std::string others = more ? fmt::format(" (and {} other writer{})", more, more == 1 ? "" : "s") : "";
  return fmt::format("{} {} {}{}; {}{}.", describe_writer(w, r), verb, w.path, where, after, others);
}

}  // namespace harness
