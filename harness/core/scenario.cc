#include "core/scenario.h"

#include <fmt/format.h>


#include "base/error.h"
#include "base/regular_file.h"
#include "core/scenario_node.h"
#include "core/scenario_parse.h"
#include "core/scenario_text.h"

namespace harness {

const std::map<std::string, std::set<std::string>>& scenario_object_fields() {
  static const std::map<std::string, std::set<std::string>> fields = {
      {"scenario",
       {"$schema", "name", "description", "timeout_s", "images", "copies", "setup", "mounts",
        "workload", "faults", "expect", "vm", "early_stop", "scratch", "finally", "programs"}},
      {"scratch", {"path", "size_mib", "fs", "power_cut", "io_errors", "enospc"}},
      {"vm_sizing", {"iterations", "duration_ms", "min_execs_under_fault"}},
      {"image", {"name", "path", "fs", "size_mib", "files"}},
      {"image_file", {"from", "to", "mode"}},
      {"copy", {"from", "to"}},
      {"mount", {"image", "mountpoint", "options"}},
      {"workload",
       {"argv", "iterations", "duration_ms", "concurrency", "exec_timeout_ms", "warmup"}},
      {"fault", {"name", "schedule", "actions", "optional"}},
      {"schedule_while_workload", {"kind", "pause_ms"}},
      {"schedule_every", {"kind", "interval_ms", "after_ms", "times"}},
      {"schedule_once", {"kind", "after_ms"}},
      {"schedule_times", {"kind", "count", "interval_ms", "after_ms"}},
      {"action_overwrite_truncate", {"action", "from", "to", "label"}},
      {"action_overwrite", {"action", "from", "to", "label"}},
      {"action_atomic_replace", {"action", "from", "to", "label"}},
      {"action_truncate", {"action", "to", "size_bytes", "label"}},
      {"action_drop_caches", {"action", "level", "label"}},
      {"action_run", {"action", "argv", "timeout_ms", "label", "instances"}},
      {"action_kill", {"action", "fault", "signal", "after_ms", "random_ms", "seed", "at_write", "at_dest_op", "wait_ms", "label"}},
      {"action_corrupt", {"action", "path", "offset", "text", "label"}},
      {"action_io_error",
       {"action", "scratch", "fault", "after_ms", "random_ms", "seed", "at_write", "at_dest_op", "wait_ms", "label"}},
      {"action_sleep", {"action", "ms", "label"}},
      {"action_evict", {"action", "path", "from_page", "label"}},
      {"expectation_exec_count", {"classes", "at_least", "at_most"}},
      {"expectation_fault_outcome", {"fault_outcome", "fault", "action", "at_least", "at_most"}},
      {"expectation_min_execs_under_fault", {"min_execs_under_fault"}},
      {"expectation_image_unchanged", {"image_unchanged"}},
      {"expectation_no_write_while_mounted", {"no_write_while_mounted"}},
      {"expectation_installed", {"installed", "versions", "sidecars", "fault", "at"}},
  };
  return fields;
}

Scenario parse_scenario(const std::string& text, const std::filesystem::path& file, const HostPathPolicy* untrusted) {
  const std::string fname = file.string();
  const ScenarioDocument doc = parse_scenario_text(text, fname);
  ScenarioNode root(doc.json, "$", doc.locator, fname);
  root.expect_object("scenario");
  const std::filesystem::path base =
      file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  Scenario s;
  s.file = file;
  s.name = name_field(root.require("name"), "scenario");
  if (auto d = root.optional("description")) s.description = d->string();
  s.timeout = std::chrono::seconds(root.require("timeout_s").integer(1, kMaxTimeoutSeconds));
  ScenarioParse p{root, base, s, {}, untrusted};
  // In this order: each section may refer to what those before it made.
  read_images(p);
  read_copies(p);
  read_scratch(p);
  read_setup(p);
  read_mounts(p);
  read_workload(p);
  read_faults(p);
  read_finally(p);
  read_programs(p);
  read_expect(p);
  read_vm(p);
  if (auto es = root.optional("early_stop")) s.early_stop = es->boolean();
  return s;
}

ScenarioError field_error(const Scenario& s, const std::string& json_path, const std::string& message) {
  auto it = s.run_time_fields.find(json_path);
  TextLocation at = it == s.run_time_fields.end() ? TextLocation{} : it->second;
  return ScenarioError(s.file.string(), at.line, at.col, json_path, message);
}

Scenario load_scenario(const std::filesystem::path& file, const HostPathPolicy* untrusted) {
  std::string text;
  try {
    // `harness list` reads every *.json of a folder: a FIFO or a link to
    // /dev/zero planted there is refused, not waited on or read for ever.
    text = read_regular_file(file, kMaxScenarioBytes);
  } catch (const SystemError& e) {
    throw ScenarioError(file.string(), 1, 1, "$", fmt::format("cannot read the scenario file ({})", e.what()));
  }
  return parse_scenario(text, file, untrusted);
}

}  // namespace harness
