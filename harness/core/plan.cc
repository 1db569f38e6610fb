#include "core/plan.h"

#include <unistd.h>

#include <cstdlib>

namespace harness {

namespace fs = std::filesystem;

const std::vector<std::string>& placeholder_names() {
  static const std::vector<std::string> names = {"work", "scenario_dir", "harness_dir",
                                                 "fixtures_bin"};
  return names;
}

std::optional<std::string> unknown_placeholder(const std::string& s) {
  for (size_t open = s.find('{'); open != std::string::npos; open = s.find('{', open + 1)) {
    size_t close = s.find('}', open);
    if (close == std::string::npos) return s.substr(open);
    std::string name = s.substr(open + 1, close - open - 1);
    bool known = false;
    for (const auto& n : placeholder_names()) known = known || n == name;
    if (!known) return "{" + name + "}";
  }
  return std::nullopt;
}

std::string expand_placeholders(const std::string& s, const PlanPaths& p) {
  std::string out = s;
  auto replace = [&](const std::string& key, const fs::path& value) {
    std::string token = "{" + key + "}";
    for (size_t at = out.find(token); at != std::string::npos; at = out.find(token, at)) {
      out.replace(at, token.size(), value.string());
      at += value.string().size();
    }
  };
  replace("work", p.work);
  replace("scenario_dir", p.scenario_dir);
  replace("harness_dir", p.harness_dir);
  replace("fixtures_bin", p.fixtures_bin);
  return out;
}

static void expand_all(std::vector<std::string>& argv, const PlanPaths& p) {
  for (auto& a : argv) a = expand_placeholders(a, p);
}

Plan make_plan(const Scenario& s, const PlanPaths& p) {
  Plan plan{s, p};
  expand_all(plan.scenario.workload.argv, p);
  for (auto& a : plan.scenario.setup) expand_all(a.argv, p);
  for (auto& a : plan.scenario.finally) expand_all(a.argv, p);
  for (auto& f : plan.scenario.faults)
    for (auto& a : f.actions) expand_all(a.argv, p);
  expand_all(plan.scenario.programs, p);
  return plan;
}

PlanPaths default_plan_paths(const Scenario& s, const fs::path& work) { return default_plan_paths(s.file, work); }

PlanPaths default_plan_paths(const fs::path& scenario_file, const fs::path& work) {
  PlanPaths p;
  p.work = work;
  p.scenario_dir = fs::absolute(scenario_file).parent_path();
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  p.harness_dir = ec ? fs::current_path() : exe.parent_path();
  if (const char* env = std::getenv("HARNESS_FIXTURES_BIN"); env && *env) {
    p.fixtures_bin = env;
  } else if (fs::exists(p.harness_dir / ".." / "fixtures", ec)) {
    // Build tree: build/harness/harness and build/fixtures/<tool>/<tool>.
    p.fixtures_bin = (p.harness_dir / ".." / "fixtures" / "bin").lexically_normal();
  } else {
    p.fixtures_bin = p.harness_dir;  // installed side by side
  }
  return p;
}

}  // namespace harness
