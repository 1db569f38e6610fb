#include "core/survivor.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <tuple>

namespace harness {

using nlohmann::json;

json to_json(const Survivor& s) {
  return json{{"pid", s.pid},       {"exe", s.exe},   {"argv", s.argv},
              {"cgroup", s.cgroup}, {"fault", s.fault}, {"fire", s.fire},
              {"action_pid", s.action_pid}, {"action", s.action}, {"t_killed_ms", s.t_killed_ms}};
}

Survivor survivor_from_json(const json& j) {
  Survivor s;
  s.pid = j.at("pid").get<pid_t>();
  s.exe = j.value("exe", "");
  s.argv = j.value("argv", std::vector<std::string>{});
  s.cgroup = j.value("cgroup", "");
  s.fault = j.value("fault", "");
  s.fire = j.value("fire", 0u);
  s.action_pid = j.value("action_pid", 0);
  s.action = j.value("action", "");
  s.t_killed_ms = j.value("t_killed_ms", 0.0);
  return s;
}

namespace {

// `sleep 317` (pid 4242): its command line, else its program, shortened.
std::string survivor_phrase(const Survivor& s) {
  std::string cmd;
  for (const auto& a : s.argv) cmd += (cmd.empty() ? "" : " ") + a;
  if (cmd.empty()) cmd = std::filesystem::path(s.exe).filename().string();
  if (cmd.empty()) cmd = "a process";
  constexpr size_t kMax = 60;
  if (cmd.size() > kMax) cmd = cmd.substr(0, kMax - 3) + "...";
  return fmt::format("`{}` (pid {})", cmd, s.pid);
}

}  // namespace

std::vector<std::string> survivor_reasons(const std::vector<Survivor>& survivors) {
  // One reason per action (a fault's firing, or the workload), in order.
  std::map<std::tuple<std::string, unsigned, pid_t>, std::vector<const Survivor*>> by_action;
  for (const auto& s : survivors) by_action[{s.fault, s.fire, s.action_pid}].push_back(&s);
  std::vector<std::string> out;
  for (const auto& [key, list] : by_action) {
    const Survivor& first = *list.front();
    std::vector<std::string> names;
    constexpr size_t kNamed = 3;
    for (size_t i = 0; i < list.size() && i < kNamed; ++i) names.push_back(survivor_phrase(*list[i]));
    if (list.size() > kNamed) names.push_back(fmt::format("{} more", list.size() - kNamed));
    bool workload = first.fault == "workload";
    std::string who = workload ? "a workload exec" : first.action.empty() ? "a run action" : first.action;
    std::string what = list.size() == 1 ? names[0] : fmt::format("{}", fmt::join(names, ", "));
    out.push_back(fmt::format(
        "{} left {} running in the background when the faults ended; the harness killed {} then, so whatever {} "
        "would have written afterwards went unseen: {}",
        who, what, list.size() == 1 ? "it" : "them", list.size() == 1 ? "it" : "they",
        workload ? "make the workload's program wait for what it starts"
                 : "wait for it in the command (`wait` in a script) so that it ends before the command returns, or "
                   "make the workload last until it is done"));
  }
  return out;
}

}  // namespace harness
