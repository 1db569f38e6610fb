#include "report/attribution.h"

#include <fmt/format.h>

#include <filesystem>

namespace harness {

using nlohmann::json;

static bool is_write_action(const std::string& a) {
  return a == "overwrite_truncate" || a == "overwrite" || a == "atomic_replace" || a == "truncate";
}

// The harness's own write action that a writer entry stands for: the
// latest one to start at or before the first write seen.
static const FaultEvent* harness_action_for(const json& w, const RunRecord& r) {
  if (!r.environment.contains("harness_pid") || r.environment["harness_pid"].get<pid_t>() != w.at("pid").get<pid_t>())
    return nullptr;
  double t = w.at("t_ms").get<double>();
  const FaultEvent* best = nullptr;
  for (const auto& f : r.faults)
    if (is_write_action(f.action) && f.t_start_ms <= t + 1 && (!best || f.t_start_ms > best->t_start_ms)) best = &f;
  return best;
}

std::string describe_writer(const json& w, const RunRecord& r) {
  pid_t pid = w.at("pid").get<pid_t>();
  // A process the harness started for a `run` action: name it as the
  // scenario did.
  for (const auto& f : r.faults)
    if (f.pid == pid && f.action == "run") {
      if (!f.label.empty()) return fmt::format("{} pid {}", f.label, pid);
      std::string name = f.argv.empty() ? "command" : std::filesystem::path(f.argv[0]).filename().string();
      return fmt::format("{} pid {}", name, pid);
    }
  // The harness itself, performing a write action of a fault.
  if (const FaultEvent* a = harness_action_for(w, r))
    return fmt::format("the harness's fault \"{}\" ({}) pid {}", a->fault, a->label.empty() ? a->action : a->label,
                       pid);
  std::string exe = w.value("exe", "");
  std::string name = exe.empty() ? "an exited process" : std::filesystem::path(exe).filename().string();
  return fmt::format("{} pid {}", name, pid);
}

std::string writer_summary(const RunRecord& r) {
  if (r.writers.empty()) return "";
  const json& w = r.writers.front();
  double t = w.at("t_ms").get<double>();
  bool truncated = w.value("truncated", false);
  // The harness's own truncating action is known for certain even when the
  // size fanotify saw had already grown back.
  if (const FaultEvent* a = harness_action_for(w, r))
    truncated = truncated || a->action == "overwrite_truncate" || a->action == "truncate";
  std::string verb = truncated ? "truncated and rewrote" : "wrote to";
  std::string opts = w.value("mount_options", "");
  bool ro = ("," + opts + ",").find(",ro,") != std::string::npos;
  std::string where;
  if (w.contains("loop_device"))
    where = fmt::format(" while it was mounted{} on {} at {}", ro ? " read-only" : "",
                        w.at("loop_device").get<std::string>(), w.value("image_mounted_at", "?"));
  unsigned long segv = 0, bus = 0;
  double first_crash = -1;
  for (const auto& e : r.execs) {
    if (e.t_ms < t) continue;
    bool crash = e.outcome.cls == ExecClass::sigsegv || e.outcome.cls == ExecClass::sigbus;
    if (e.outcome.cls == ExecClass::sigsegv) ++segv;
    if (e.outcome.cls == ExecClass::sigbus) ++bus;
    if (crash && first_crash < 0) first_crash = e.t_ms;
  }
  std::string after;
  if (segv + bus == 0) {
    after = "no workload exec crashed afterwards";
  } else {
    std::vector<std::string> parts;
    if (segv) parts.push_back(fmt::format("{} SIGSEGV", segv));
    if (bus) parts.push_back(fmt::format("{} SIGBUS", bus));
    double delay = first_crash - t;
    after = fmt::format("{} followed, the first {} after the write", fmt::join(parts, " and "),
                        delay < 1000 ? fmt::format("{:.0f} ms", delay) : fmt::format("{:.1f} s", delay / 1000));
  }
  std::string others =
      r.writers.size() > 1 ? fmt::format(" ({} other writers are listed below)", r.writers.size() - 1) : "";
  return fmt::format("{} {} {}{}; {}{}.", describe_writer(w, r), verb, w.at("path").get<std::string>(), where,
                     after, others);
}

}  // namespace harness
