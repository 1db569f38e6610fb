#include "core/event.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/error.h"

namespace harness {

using nlohmann::json;

static json null_or(bool present, int v) { return present ? json(v) : json(nullptr); }

json to_json(const ExecEvent& e) {
  const auto& o = e.outcome;
  bool has_code = o.cls == ExecClass::ok || o.cls == ExecClass::exit_nonzero;
  bool has_signal = o.signal != 0;
  bool has_errno = o.cls == ExecClass::exec_failed;
  return json{{"type", "exec"},
              {"t_ms", e.t_ms},
              {"dur_ms", e.dur_ms},
              {"worker", e.worker},
              {"seq", e.seq},
              {"phase", e.phase == ExecPhase::warmup ? "warmup" : "fault"},
              {"class", std::string(to_string(o.cls))},
              {"exit_code", null_or(has_code, o.exit_code)},
              {"signal", null_or(has_signal, o.signal)},
              {"errno", null_or(has_errno, o.err)},
              {"errno_name", has_errno ? json(errno_name(o.err)) : json(nullptr)},
              {"pid", e.pid}};
}

json to_json(const FaultEvent& e) {
  json j{{"type", "fault"},     {"fault", e.fault},   {"action", e.action},
         {"fire", e.fire},      {"t_start_ms", e.t_start_ms},
         {"t_end_ms", e.t_end_ms}, {"ok", e.ok},      {"outcome", e.outcome},
         {"detail", e.detail}};
  if (!e.label.empty()) j["label"] = e.label;
  if (e.pid) j["pid"] = e.pid;
  if (!e.argv.empty()) j["argv"] = e.argv;
  if (!e.cgroup.empty()) j["cgroup"] = e.cgroup;
  if (!e.stdout_text.empty()) j["stdout"] = e.stdout_text;
  if (!e.stderr_text.empty()) j["stderr"] = e.stderr_text;
  if (e.result.is_object()) j["result"] = e.result;
  if (!e.missing.empty()) j["missing"] = e.missing;
  return j;
}

namespace {

// `; stderr: "LAST LINE"`, or nothing.
std::string stderr_tail(const FaultEvent& e) {
  size_t end = e.stderr_text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  size_t start = e.stderr_text.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return fmt::format("; stderr: \"{}\"", e.stderr_text.substr(start, std::min<size_t>(end + 1 - start, 300)));
}

}  // namespace

std::string failure_context(const FaultEvent& e) {
  return (e.missing.empty() ? "" : "; " + e.missing) + stderr_tail(e);
}

std::string failure_line(const std::string& step, const FaultEvent& e) {
  // A run's detail says how it ended ("exit 127 (12 ms)"); another
  // action's says what it did, after its errno outcome.
  std::string how = fmt::format("{} ended {}{}", step, e.action == "run" ? e.detail : fmt::format("{}: {}", e.outcome, e.detail),
                                stderr_tail(e));
  return e.missing.empty() ? how : fmt::format("{}: {}; {}", e.fault.empty() ? "it" : e.fault, e.missing, how);
}

json to_json(const PhaseEvent& e) { return json{{"type", "phase"}, {"name", e.name}, {"t_ms", e.t_ms}}; }

static int int_or(const json& j, const char* key, int def) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? def : it->get<int>();
}

ExecEvent exec_event_from_json(const json& j) {
  ExecEvent e;
  e.t_ms = j.at("t_ms").get<double>();
  e.dur_ms = j.at("dur_ms").get<double>();
  e.worker = j.at("worker").get<unsigned>();
  e.seq = j.at("seq").get<unsigned long>();
  e.phase = j.at("phase").get<std::string>() == "warmup" ? ExecPhase::warmup : ExecPhase::fault;
  auto cls = exec_class_from_string(j.at("class").get<std::string>());
  if (!cls) throw RuntimeError("unknown exec class in event: " + j.dump());
  e.outcome.cls = *cls;
  e.outcome.exit_code = int_or(j, "exit_code", -1);
  e.outcome.signal = int_or(j, "signal", 0);
  e.outcome.err = int_or(j, "errno", 0);
  e.pid = int_or(j, "pid", 0);
  return e;
}

FaultEvent fault_event_from_json(const json& j) {
  FaultEvent e;
  e.fault = j.at("fault").get<std::string>();
  e.action = j.at("action").get<std::string>();
  e.label = j.value("label", "");
  e.fire = j.at("fire").get<unsigned>();
  e.t_start_ms = j.at("t_start_ms").get<double>();
  e.t_end_ms = j.at("t_end_ms").get<double>();
  e.ok = j.at("ok").get<bool>();
  e.outcome = j.at("outcome").get<std::string>();
  e.detail = j.value("detail", "");
  e.pid = int_or(j, "pid", 0);
  if (j.contains("argv")) e.argv = j.at("argv").get<std::vector<std::string>>();
  e.cgroup = j.value("cgroup", "");
  e.stdout_text = j.value("stdout", "");
  e.stderr_text = j.value("stderr", "");
  if (j.contains("result")) e.result = j.at("result");
  e.missing = j.value("missing", "");
  return e;
}

PhaseEvent phase_event_from_json(const json& j) {
  return PhaseEvent{j.at("name").get<std::string>(), j.at("t_ms").get<double>()};
}

}  // namespace harness
