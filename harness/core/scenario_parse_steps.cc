#include "core/scenario_parse.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/edit_distance.h"
#include "core/action_parse.h"

namespace harness {

namespace {

// Setup and finally actions run alone, with no fault's action running,
// and on a sound disk.
void refuse_fault_only(const ScenarioNode& list, const char* where) {
  for (const auto& a : list.array()) {
    if (!a.raw().is_object()) continue;
    std::string kind = a.raw().value("action", "");
    if (kind == "kill")
      a.at_key("action").fail(
          fmt::format("a kill signals a fault's running action; {} actions run alone: put it in a fault", where));
    if (kind == "io_error")
      a.at_key("action").fail(fmt::format("an io_error is a fault; {} actions run on a sound disk: put it in a fault", where));
  }
}

// A kill, or a timed io_error, names another fault that runs a command.
void check_target_fault(const Scenario& s, size_t i, const Action& a, const ScenarioNode& at) {
  const char* what = a.kind == ActionKind::kill ? "a kill" : "an io_error";
  if (a.target_fault == s.faults[i].name) at.fail(fmt::format("{} cannot wait for its own fault's action", what));
  auto target = std::find_if(s.faults.begin(), s.faults.end(), [&](const FaultSpec& f) { return f.name == a.target_fault; });
  if (target == s.faults.end()) {
    std::vector<std::string> cands;
    for (const auto& f : s.faults) cands.push_back(f.name);
    auto hint = closest_match(a.target_fault, cands);
    at.fail(hint ? fmt::format("no fault is named \"{}\" (did you mean \"{}\"?)", a.target_fault, *hint)
                 : fmt::format("no fault is named \"{}\"", a.target_fault));
  }
  if (std::none_of(target->actions.begin(), target->actions.end(), [](const Action& t) { return t.kind == ActionKind::run; }))
    at.fail(fmt::format("fault \"{}\" has no run action to {}", a.target_fault,
                        a.kind == ActionKind::kill ? "signal" : "time the errors by"));
}

// An io_error names a scratch filesystem made for it.
void check_io_error_scratch(const Scenario& s, const Action& a, const ScenarioNode& at) {
  auto sc = std::find_if(s.scratch.begin(), s.scratch.end(), [&](const ScratchSpec& x) { return x.path == a.scratch; });
  if (sc == s.scratch.end()) at.fail(fmt::format("no scratch filesystem is at \"{}\"", a.scratch));
  if (!sc->io_errors)
    at.fail(fmt::format("scratch {} has no \"io_errors\": true (its disk must be a device-mapper target to fail)", a.scratch));
}

// A run action's program (and, under the vm backend, the files its
// arguments name) is checked on the machine that runs it.
void remember_program(ScenarioParse& p, const ScenarioNode& n, const Action& a) {
  if (a.kind != ActionKind::run) return;
  for (const auto& arg : n.at_key("argv").array()) p.remember(arg);
}

}  // namespace

void read_setup(ScenarioParse& p) {
  auto& [root, base, s, produced, untrusted] = p;
  if (auto setup = root.optional("setup")) {
    refuse_fault_only(*setup, "setup");
    for (const auto& n : setup->array()) {
      s.setup.push_back(parse_action(n));
      remember_program(p, n, s.setup.back());
    }
  }
}

void read_faults(ScenarioParse& p) {
  auto& [root, base, s, produced, untrusted] = p;
  if (auto faults = root.optional("faults")) {
    std::set<std::string> names;
    faults->limit_items(kMaxFaults, "faults", "each runs in its own thread");
    for (const auto& n : faults->array()) {
      n.expect_object("fault");
      FaultSpec f;
      f.name = n.require("name").nonempty_string();
      if (!names.insert(f.name).second) n.at_key("name").fail("duplicate fault name");
      f.schedule = parse_schedule(n.require("schedule"));
      auto actions = n.require("actions");
      for (const auto& a : actions.array()) {
        f.actions.push_back(parse_action(a));
        remember_program(p, a, f.actions.back());
      }
      if (f.actions.empty()) actions.fail("a fault needs at least one action");
      if (auto o = n.optional("optional")) f.optional = o->boolean();
      s.faults.push_back(std::move(f));
    }
    for (size_t i = 0; i < s.faults.size(); ++i)
      for (size_t k = 0; k < s.faults[i].actions.size(); ++k) {
        const Action& a = s.faults[i].actions[k];
        ScenarioNode node = faults->array()[i].at_key("actions").array()[k];
        if (a.kind == ActionKind::io_error) check_io_error_scratch(s, a, node.at_key("scratch"));
        if ((a.kind == ActionKind::kill || a.kind == ActionKind::io_error) && !a.target_fault.empty())
          check_target_fault(s, i, a, node.at_key("fault"));
      }
  }
}

void read_finally(ScenarioParse& p) {
  auto& [root, base, s, produced, untrusted] = p;
  if (auto fin = root.optional("finally")) {
    refuse_fault_only(*fin, "finally");
    for (const auto& n : fin->array()) {
      s.finally.push_back(parse_action(n));
      remember_program(p, n, s.finally.back());
    }
  }
}

void read_programs(ScenarioParse& p) {
  auto& [root, base, s, produced, untrusted] = p;
  auto list = root.optional("programs");
  if (!list) return;
  list->limit_items(kMaxDeclaredPrograms, "programs");
  for (const auto& n : list->array()) {
    std::string name = n.placeholder_string();
    if (name.empty()) n.fail("an empty program name");
    if (name.find("{work}") != std::string::npos)
      n.fail("a program inside the run's work directory does not exist before the run, so it cannot be brought "
             "along: name the host program it is a copy of");
    if (name.find('/') != std::string::npos && name.front() != '/' && name.front() != '{')
      n.fail(fmt::format("\"{}\" is a relative path: give a bare name (found in PATH) or an absolute path "
                         "(\"{{scenario_dir}}/{}\" for one beside the scenario)",
                         name, name));
    if (std::find(s.programs.begin(), s.programs.end(), name) != s.programs.end())
      n.fail(fmt::format("\"{}\" is listed twice", name));
    s.programs.push_back(name);
    p.remember(n);
  }
}

}  // namespace harness
