#include "cli/list.h"
#include "cli/usage.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/error.h"
#include "cli/command_args.h"
#include "cli/exit_code.h"
#include "core/scenario.h"
#include "report/report_load.h"
#include "report/report_view.h"
#include "base/terminal_text.h"

namespace harness {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool is_run_dir(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p / "report.json", ec) || fs::exists(p / "harness-run.json", ec);
}

json run_entry(const fs::path& dir) {
  json e{{"run_dir", dir.string()}};
  std::error_code ec;
  if (!fs::exists(dir / "report.json", ec)) {
    e["verdict"] = "unfinished";
    return e;
  }
  try {
    json r = load_report(dir);
    e["scenario"] = str_or(r, "scenario");
    e["verdict"] = str_or(r, "verdict", "?");
    e["started_at"] = str_or(object_or_empty(r, "run"), "started_at");
    e["duration_ms"] = run_duration_ms(r);
    e["backend"] = str_or(object_or_empty(r, "run"), "backend");
  } catch (const Error& err) {
    e["verdict"] = "unreadable";
    e["error"] = err.what();
  }
  return e;
}

// Where the scenarios are when no folder is named: ./scenarios in a
// clone, else beside an installed harness (share/harness/scenarios).
std::optional<fs::path> default_scenarios_dir() {
  std::error_code ec;
  if (fs::is_directory("scenarios", ec)) return fs::path("scenarios");
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share" / "harness" / "scenarios";
    if (fs::is_directory(installed, ec)) return installed;
  }
  return std::nullopt;
}

int list_scenarios(const fs::path& dir, bool as_json) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".json" && e.path().filename() != "schema.json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  json out = json::array();
  for (const auto& f : files) {
    try {
      Scenario s = load_scenario(f);
      if (as_json) out.push_back({{"file", f.string()}, {"name", s.name}, {"description", s.description}});
      else fmt::print("{:34} {}\n", terminal_safe(f.filename().string()), terminal_safe(s.description.substr(0, 90)));
    } catch (const ScenarioError& e) {
      if (as_json) out.push_back({{"file", f.string()}, {"invalid", e.what()}});
      else fmt::print("{:34} INVALID: {}\n", terminal_safe(f.filename().string()), terminal_safe(e.message()));
    }
  }
  if (as_json) fmt::print("{}\n", out.dump(2));
  else if (files.empty()) fmt::print("no scenario files (*.json) in {}\n", dir.string());
  return kExitPass;
}

}  // namespace

json runs_in(const fs::path& dir) {
  json runs = json::array();
  if (is_run_dir(dir)) {
    runs.push_back(run_entry(dir));
    return runs;
  }
  std::error_code ec;
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(dir, ec))
    // A link to a folder elsewhere (another user's plant) is not a run here.
    if (e.symlink_status(ec).type() == fs::file_type::directory && is_run_dir(e.path())) dirs.push_back(e.path());
  for (const auto& d : dirs) runs.push_back(run_entry(d));
  std::stable_sort(runs.begin(), runs.end(), [](const json& a, const json& b) {
    return a.value("started_at", "") > b.value("started_at", "");
  });
  return runs;
}

std::string runs_text(const json& runs) {
  std::string out;
  for (const auto& r : runs) {
    std::string when = r.value("started_at", "");
    std::string took = r.contains("duration_ms") ? format_ms(r.value("duration_ms", 0.0)) : "";
    // Each field from a report someone else may have written.
    out += fmt::format("{:13} {:28} {:21} {:>9}  {}\n", terminal_safe(r.value("verdict", "?")),
                       terminal_safe(r.value("scenario", "-")), terminal_safe(when), took,
                       terminal_safe(r.value("run_dir", "")));
  }
  return out;
}

int cmd_list(const std::vector<std::string>& args) {
  CommandArgs ca = parse_command_args("list", args, {}, {"--json"});
  if (ca.help) {
    fmt::print("{}", usage_text("list"));
    return kExitPass;
  }
  const bool as_json = ca.flag("--json");
  if (ca.positional.size() > 1) throw Error(ErrorKind::usage, "list takes one folder");
  std::optional<fs::path> dir;
  if (!ca.positional.empty()) dir = ca.positional[0];
  if (!dir) dir = default_scenarios_dir();
  std::error_code ec;
  if (!dir)
    throw Error(ErrorKind::usage,
                "list: there is no scenarios/ folder here and no installed one; run it from the project folder, "
                "or name a folder: harness list DIR");
  if (!fs::is_directory(*dir, ec))
    throw Error(ErrorKind::usage,
                fmt::format("list: {} is not a folder{}; name a folder of scenarios or of runs: harness list DIR",
                            dir->string(), fs::exists(*dir, ec) ? "" : " (it does not exist here)"));
  json runs = runs_in(*dir);
  if (runs.empty()) return list_scenarios(*dir, as_json);
  if (as_json) fmt::print("{}\n", runs.dump(2));
  else fmt::print("{}", runs_text(runs));
  return kExitPass;
}

}  // namespace harness
