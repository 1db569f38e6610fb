#include "core/scenario_parse.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/edit_distance.h"
#include "core/action_parse.h"

namespace harness {

std::string_view to_string(ExpectationKind k) {
  switch (k) {
    case ExpectationKind::exec_count: return "exec_count";
    case ExpectationKind::fault_outcome: return "fault_outcome";
    case ExpectationKind::min_execs_under_fault: return "min_execs_under_fault";
    case ExpectationKind::image_unchanged: return "image_unchanged";
    case ExpectationKind::no_write_while_mounted: return "no_write_while_mounted";
    case ExpectationKind::installed: return "installed";
  }
  return "exec_count";
}

Expectation parse_expectation(const ScenarioNode& n) {
  if (!n.raw().is_object()) n.fail("expected an object");
  Expectation e;
  e.text = n.raw().dump();
  auto bounds = [&](bool required) {
    if (auto v = n.optional("at_least")) e.at_least = v->integer(0, ~0ULL >> 1);
    if (auto v = n.optional("at_most")) e.at_most = v->integer(0, ~0ULL >> 1);
    if (required && !e.at_least && !e.at_most) n.fail("give \"at_least\", \"at_most\" or both");
    if (e.at_least && e.at_most && *e.at_least > *e.at_most)
      n.at_key("at_most").fail("\"at_most\" is below \"at_least\": this can never hold");
  };
  if (n.has("min_execs_under_fault")) {
    n.expect_object("expectation_min_execs_under_fault");
    e.kind = ExpectationKind::min_execs_under_fault;
    e.at_least = n.at_key("min_execs_under_fault").integer(1, kMaxIterations);
    return e;
  }
  if (n.has("image_unchanged")) {
    n.expect_object("expectation_image_unchanged");
    e.kind = ExpectationKind::image_unchanged;
    e.path = work_path(n.at_key("image_unchanged"));
    return e;
  }
  if (n.has("no_write_while_mounted")) {
    n.expect_object("expectation_no_write_while_mounted");
    e.kind = ExpectationKind::no_write_while_mounted;
    e.path = work_path(n.at_key("no_write_while_mounted"));
    return e;
  }
  if (n.has("installed")) {
    n.expect_object("expectation_installed");
    e.kind = ExpectationKind::installed;
    e.path = work_path(n.at_key("installed"));
    auto versions = n.require("versions");
    for (const auto& v : versions.array()) e.versions.push_back(work_path(v));
    if (e.versions.empty()) versions.fail("list at least one version (the image installed before the faults)");
    if (auto sc = n.optional("sidecars"))
      for (const auto& v : sc->array()) e.sidecars.push_back(work_path(v));
    if (auto f = n.optional("fault")) e.fault = f->nonempty_string();
    if (auto at = n.optional("at")) {
      std::string w = at->string();
      if (w != "faults" && w != "end") at->fail(fmt::format("\"at\" is \"faults\" or \"end\", not \"{}\"", w));
      e.at_end = w == "end";
    }
    return e;
  }
  if (n.has("fault_outcome")) {
    n.expect_object("expectation_fault_outcome");
    e.kind = ExpectationKind::fault_outcome;
    e.outcome = n.at_key("fault_outcome").nonempty_string();
    if (auto f = n.optional("fault")) e.fault = f->nonempty_string();
    if (auto a = n.optional("action")) {
      e.action = a->string();
      if (!action_kind_from_string(e.action)) a->fail(fmt::format("unknown action \"{}\"", e.action));
    }
    bounds(true);
    return e;
  }
  n.expect_object("expectation_exec_count");
  e.kind = ExpectationKind::exec_count;
  auto classes = n.require("classes");
  for (const auto& c : classes.array()) {
    std::string s = c.string();
    if (s == "abnormal") {
      for (ExecClass k : kAllExecClasses)
        if (is_abnormal(k)) e.classes.insert(k);
      continue;
    }
    auto k = exec_class_from_string(s);
    if (!k) {
      std::vector<std::string> cands{"abnormal"};
      for (ExecClass x : kAllExecClasses) cands.emplace_back(to_string(x));
      auto hint = closest_match(s, cands);
      c.fail(hint ? fmt::format("unknown exec class \"{}\" (did you mean \"{}\"?)", s, *hint)
                  : fmt::format("unknown exec class \"{}\" (expected one of {})", s,
                                fmt::join(cands, ", ")));
    }
    e.classes.insert(*k);
  }
  if (e.classes.empty()) classes.fail("list at least one exec class");
  bounds(true);
  return e;
}

void read_expect(ScenarioParse& p) {
  auto& [root, base, s, produced, untrusted] = p;
  auto expect = root.require("expect");
  for (const auto& n : expect.array()) {
    Expectation e = parse_expectation(n);
    if ((e.kind == ExpectationKind::image_unchanged || e.kind == ExpectationKind::no_write_while_mounted) &&
        std::none_of(s.mounts.begin(), s.mounts.end(), [&](const MountSpec& m) { return m.image == e.path; }))
      n.at_key(e.kind == ExpectationKind::image_unchanged ? "image_unchanged" : "no_write_while_mounted")
          .fail(fmt::format("{} is not a mounted image (only those are watched)", e.path));
    if (e.kind == ExpectationKind::installed) {
      auto versions = n.at_key("versions").array();
      for (size_t i = 0; i < e.versions.size(); ++i)
        if (!produced.count(e.versions[i]))
          versions[i].fail(fmt::format("{} is not an image or a copy: a version to compare with must exist before "
                                       "the run",
                                       e.versions[i]));
      if (e.at_end && s.finally.empty())
        n.at_key("at").fail("\"at\": \"end\" checks the state after the \"finally\" actions; there are none");
    }
    if ((e.kind == ExpectationKind::fault_outcome || e.kind == ExpectationKind::installed) && !e.fault.empty() && !
        std::any_of(s.faults.begin(), s.faults.end(), [&](const FaultSpec& f) { return f.name == e.fault; }))
      n.at_key("fault").fail(fmt::format("no fault is named \"{}\"", e.fault));
    s.expect.push_back(std::move(e));
  }
  if (s.expect.empty()) expect.fail("a scenario needs at least one expectation");
}

}  // namespace harness
