#include "core/writer_origin.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "base/program_lookup.h"
#include "core/scenario.h"

namespace harness {

namespace {

// When the writer was first seen at the image: its open if the kernel held
// it there, else its first write event.
double first_seen_ms(const Writer& w) { return w.t_open_ms >= 0 ? w.t_open_ms : w.t_first_ms; }

// Actions start before their processes touch anything; 1 ms covers the
// rounding of the two clocks' readings.
constexpr double kSlackMs = 1;

bool is_harness_write(const FaultEvent& f) {
  auto k = action_kind_from_string(f.action);
  return k && is_write_action(*k);
}

std::string base_name(const std::string& p) { return std::filesystem::path(p).filename().string(); }

// A command as a person names it: "stack-install", or "sh install.sh" for
// an interpreter and its script.
std::string command_name(const std::vector<std::string>& argv) {
  if (argv.empty()) return "command";
  std::string name = base_name(argv[0]);
  if (auto script = interpreted_script(argv)) name += " " + base_name(*script);
  return name;
}

}  // namespace

WriterOrigin origin_of(const Writer& w, const RunRecord& r) {
  WriterOrigin o;
  double t = first_seen_ms(w);
  // In a run action's cgroup: its descendant, however it left the
  // action's process group, session or process tree (setsid, a daemon).
  if (!w.process.cgroup.empty())
    for (const auto& f : r.faults)
      if (f.action == "run" && f.cgroup == w.process.cgroup) {
        o.action = &f;
        o.kind = WriterOrigin::Kind::run_action;
        return o;
      }
  // A run action's process, or a descendant of one: the latest such action
  // to start before the write (a pid is reused only after its owner ended).
  std::vector<pid_t> lineage{w.process.pid};
  for (const auto& a : w.ancestors) lineage.push_back(a.pid);
  for (pid_t pid : lineage) {
    if (pid == 0 || (r.harness_pid != 0 && pid == r.harness_pid)) break;
    for (const auto& f : r.faults)
      if (f.action == "run" && f.pid == pid && f.t_start_ms <= t + kSlackMs &&
          (!o.action || f.t_start_ms > o.action->t_start_ms))
        o.action = &f;
    if (o.action) {
      o.kind = WriterOrigin::Kind::run_action;
      return o;
    }
  }
  // The harness itself: the latest of its write actions to start by then.
  if (r.harness_pid != 0 && w.process.pid == r.harness_pid) {
    for (const auto& f : r.faults)
      if (is_harness_write(f) && f.t_start_ms <= t + kSlackMs && (!o.action || f.t_start_ms > o.action->t_start_ms))
        o.action = &f;
    o.kind = WriterOrigin::Kind::harness_action;
  }
  return o;
}

std::string process_name(const ProcessInfo& p) {
  std::string exe = std::filesystem::path(p.exe).filename().string();
  // A multi-call binary (busybox in a guest) is the applet it was run as.
  if (exe == "busybox" && !p.argv.empty() && !p.argv[0].empty())
    return std::filesystem::path(p.argv[0]).filename().string();
  if (!exe.empty()) return exe;
  if (!p.argv.empty() && !p.argv[0].empty()) return std::filesystem::path(p.argv[0]).filename().string();
  return "an exited process";
}

std::string process_phrase(const ProcessInfo& p) { return fmt::format("{} (pid {})", process_name(p), p.pid); }

std::string action_phrase(const FaultEvent& f) {
  std::string what = !f.label.empty() ? f.label : f.action;
  if (f.fault == "setup") return fmt::format("setup action ({})", what);
  return fmt::format("fault \"{}\" ({})", f.fault, what);
}

std::string describe_writer(const Writer& w, const RunRecord& r) {
  WriterOrigin o = origin_of(w, r);
  switch (o.kind) {
    case WriterOrigin::Kind::harness_action:
      if (o.action) return fmt::format("the harness's {} (pid {})", action_phrase(*o.action), w.process.pid);
      return fmt::format("the harness (pid {})", w.process.pid);
    case WriterOrigin::Kind::run_action: {
      const FaultEvent& f = *o.action;
      std::string cmd = command_name(f.argv);
      if (w.process.pid == f.pid)
        return fmt::format("{} (pid {}), the {}", cmd, f.pid, action_phrase(f));
      return fmt::format("{}, started by {}: {} (pid {})", process_phrase(w.process), action_phrase(f), cmd, f.pid);
    }
    case WriterOrigin::Kind::other:
      break;
  }
  std::string parent;
  if (!w.ancestors.empty()) parent = fmt::format(", child of {}", process_phrase(w.ancestors.front()));
  return fmt::format("{}{}, not started by this run", process_phrase(w.process), parent);
}

std::string writer_program(const Writer& w, const RunRecord& r) {
  WriterOrigin o = origin_of(w, r);
  if (o.kind == WriterOrigin::Kind::harness_action) return "the harness";
  if (o.kind == WriterOrigin::Kind::run_action && w.process.pid == o.action->pid) return command_name(o.action->argv);
  return process_name(w.process);
}

}  // namespace harness
