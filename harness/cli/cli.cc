#include "cli/cli.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/interrupt.h"
#include "base/process_group.h"
#include "cli/ablate.h"
#include "cli/backend_choice.h"
#include "cli/matrix.h"
#include "cli/batch.h"
#include "cli/command_args.h"
#include "cli/doctor.h"
#include "cli/gc.h"
#include "cli/list.h"
#include "cli/man_page.h"
#include "cli/progress.h"
#include "cli/run_options.h"
#include "cli/runner.h"
#include "cli/usage.h"
#include "cli/untrusted_mode.h"
#include "core/scenario.h"
#include "core/scenario_checks.h"
#include "core/shard.h"
#include "core/sizing.h"
#include "host/host_backend.h"
#include "host/mount_namespace.h"
#include "cli/report_commands.h"
#include "report/merge.h"
#include "report/report_json.h"
#include "vm/guest_agent.h"
#include "vm/guest_init.h"
#include "vm/vm_backend.h"
#include "base/terminal_text.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

bool use_color() { return isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR"); }

// Everything `validate` promises before a run creates anything: the file
// parses and validates, and every program it names (outside {work}) is one
// this machine can execute.
// With --untrusted, also every host file it names is one the operator's
// policy allows.
Scenario load_checked(const fs::path& file, const std::optional<HostPathPolicy>& untrusted) {
  Scenario s = load_scenario(file, untrusted ? &*untrusted : nullptr);
  // Under --untrusted the policy judges each path before anything says
  // whether it exists.
  // (which also finds every program the scenario names, where --untrusted
  // allows: root's PATH is not searched for it).
  if (untrusted) check_untrusted_scenario(s, *untrusted);
  else check_programs(s, default_plan_paths(s, fs::path()));
  return s;
}

int usage_error(const std::string& msg) {
  fmt::print(stderr, "harness: {}\n{}", msg, overview_text());
  return kExitInvalid;
}

int cmd_validate(const std::vector<std::string>& args) {
  CommandArgs ca = parse_command_args("validate", args, {"--allow-host-path"}, {"--json", "--untrusted"});
  if (ca.help) {
    fmt::print("{}", usage_text("validate"));
    return kExitPass;
  }
  UntrustedArgs ua{ca.flag("--untrusted"), {}};
  for (const auto& d : ca.every["--allow-host-path"]) ua.allow_host_paths.push_back(fs::absolute(d));
  const std::optional<HostPathPolicy> untrusted = untrusted_policy(ua);
  const bool json = ca.flag("--json");
  std::vector<std::string> files = ca.positional;
  if (files.empty()) return usage_error("validate needs at least one scenario file");
  {
    std::vector<fs::path> paths(files.begin(), files.end());
    files.clear();
    for (const auto& p : scenario_files(paths)) files.push_back(p.string());
  }
  int rc = kExitPass;
  nlohmann::json results = nlohmann::json::array();
  for (const auto& a : files) {
    try {
      Scenario s = load_checked(a, untrusted);
      if (json) results.push_back({{"file", a}, {"ok", true}, {"name", s.name}});
      else fmt::print("{}: ok ({})\n", a, s.name);
    } catch (const ScenarioError& e) {
      if (json)
        results.push_back({{"file", a}, {"ok", false}, {"line", e.line()}, {"col", e.col()},
                           {"path", e.json_path()}, {"message", e.message()}});
      fmt::print(stderr, "{}\n", terminal_safe(e.what(), true));
      rc = kExitInvalid;
    }
  }
  if (json) fmt::print("{}\n", results.dump(2));
  return rc;
}

void print_gc(const GcResult& r, bool json) {
  if (json) {
    nlohmann::json actions = nlohmann::json::array();
    for (const auto& a : r.actions) actions.push_back({{"run_dir", a.run_dir}, {"action", a.what}});
    fmt::print("{}\n", nlohmann::json{{"live_runs", r.live_runs},
                                      {"dead_runs", r.dead_runs},
                                      {"not_ours", r.not_ours},
                                      {"actions", actions}}
                           .dump(2));
    return;
  }
  for (const auto& d : r.dead_runs) fmt::print("gc: stale run {}\n", d);
  for (const auto& a : r.actions) fmt::print("gc:   {}\n", terminal_safe(a.what));
  for (const auto& l : r.live_runs) fmt::print("gc: run in progress, left alone: {}\n", l);
  for (const auto& n : r.not_ours)
    fmt::print("gc: not ours (another user's, or writable by others), left alone: {}\n", n);
  if (r.dead_runs.empty()) fmt::print("gc: nothing to clean\n");
}

int cmd_doctor(const std::vector<std::string>& args) {
  CommandArgs ca = parse_command_args("doctor", args, {"--runs", "--out"}, {"--json"});
  if (ca.help) {
    fmt::print("{}", usage_text("doctor"));
    return kExitPass;
  }
  if (!ca.positional.empty()) return usage_error(fmt::format("doctor takes no argument \"{}\"", ca.positional[0]));
  const bool json = ca.flag("--json");
  fs::path root = ca.value("--runs").value_or(ca.value("--out").value_or("reports/runs"));
  auto checks = run_doctor(root);
  if (json)
    fmt::print("{}\n", checks_to_json(checks).dump(2));
  else
    fmt::print("{}", checks_to_text(checks, use_color()));
  return checks_pass(checks) ? kExitPass : kExitEnvironment;
}

int cmd_gc(const std::vector<std::string>& args) {
  CommandArgs ca = parse_command_args("gc", args, {}, {"--dry-run", "--json"});
  if (ca.help) {
    fmt::print("{}", usage_text("gc"));
    return kExitPass;
  }
  std::vector<fs::path> roots(ca.positional.begin(), ca.positional.end());
  const bool dry = ca.flag("--dry-run"), json = ca.flag("--json");
  if (roots.empty()) roots.emplace_back("reports/runs");
  print_gc(collect_garbage(roots, dry), json);
  return kExitPass;
}

int cmd_run(const std::vector<std::string>& args) {
  RunOptionsArgs ra = parse_run_options(args);
  if (ra.help) {
    fmt::print("{}", usage_text("run"));
    return kExitPass;
  }
  if (ra.scenarios.empty()) return usage_error("run needs at least one scenario file");
  ra.scenarios = scenario_files(ra.scenarios);
  // From here on Ctrl-C is a flag: nothing half-made is left by a signal.
  InterruptGuard guard;
  // Whatever a run action starts and leaves (a background job, a daemon
  // that left its group) is re-parented to us, and killed at the latest
  // when this command ends.
  SubreaperScope reaper;
  BackendChoice choice = settle_run_options(ra);
  if (ra.shard) {
    size_t all = ra.scenarios.size();
    ra.scenarios = select_shard(ra.scenarios, *ra.shard);
    fmt::print(stderr, "shard {}/{}: {} of {} scenarios\n", ra.shard->index, ra.shard->total, ra.scenarios.size(), all);
    if (ra.scenarios.empty()) return kExitPass;
  }

  // Validate everything first: an invalid file means nothing is created.
  std::vector<Scenario> scenarios;
  for (const auto& f : ra.scenarios) {
    scenarios.push_back(sized_for_backend(load_checked(f, ra.vm.untrusted), ra.backend));
    if (ra.no_early_stop) scenarios.back().early_stop = false;
  }
  BatchOptions bo;
  bo.jobs = ra.jobs;
  bo.repeat = ra.repeat;
  bo.out = ra.out;
  bo.keep_work = ra.keep_work;
  check_batch_dirs(scenarios, bo);
  // The first thing a run prints: where it runs and why (stdout stays JSON with --json).
  fmt::print(ra.json ? stderr : stdout, "{}", backend_lines(choice, scenarios));
  std::fflush(stdout);
  std::unique_ptr<Backend> backend = make_backend(ra);
  for (const auto& s : scenarios) backend->preflight(s);

  // Whatever a killed earlier run left in our runs folder goes first.
  {
    bool one_run = scenarios.size() * ra.repeat == 1;
    GcResult gc = collect_garbage(runs_folders_to_sweep(ra.out, one_run, "reports/runs"), false);
    for (const auto& a : gc.actions) fmt::print(stderr, "gc: {}: {}\n", terminal_safe(a.run_dir), terminal_safe(a.what));
  }

  // Must happen while we are single-threaded (see mount_namespace.h).
  if (mounts_on_this_host(ra.backend, scenarios)) enter_private_mount_namespace();

  int rc = kExitPass;
  nlohmann::json summaries = nlohmann::json::array();
  BatchResult batch = run_batch(scenarios, *backend, bo, [&](const RunOutcome& outcome) {
    if (ra.json)
      summaries.push_back({{"scenario", outcome.report.at("scenario")},
                           {"verdict", outcome.report.at("verdict")},
                           {"run_dir", outcome.run_dir.string()},
                           {"counts", outcome.report.at("counts")},
                           {"statistics", outcome.report.at("statistics")}});
    else
      fmt::print("{}\n", summary_text(outcome.report, use_color()));
    std::fflush(stdout);
    rc = more_serious(rc, exit_code_for(outcome.status, outcome.interrupted, outcome.error_kind));
  });
  if (ra.json) {
    fmt::print("{}\n", summaries.dump(2));
  } else if (!batch.by_scenario.is_null()) {
    fmt::print("{}", pooled_text(batch.by_scenario));
    if (batch.not_started) fmt::print("{} runs not started (interrupted)\n", batch.not_started);
    if (batch.summary) fmt::print("summary   {}\n", batch.summary->string());
  }
  // Interrupted before (or between) runs: say so in the exit code too.
  if (interrupted()) rc = kExitInterrupted;
  return rc;
}

// `harness help [CMD] [--man]`: the same texts as `harness CMD --help`.
int cmd_help(const std::vector<std::string>& args) {
  CommandArgs ca = parse_command_args("help", args, {}, {"--man"});
  if (ca.help) {
    fmt::print("{}", usage_text("help"));
    return kExitPass;
  }
  if (ca.flag("--man")) {
    if (!ca.positional.empty()) return usage_error("help --man takes no command: the page holds them all");
    fmt::print("{}", man_page(HARNESS_VERSION));
    return kExitPass;
  }
  if (ca.positional.empty()) {
    fmt::print("{}", overview_text());
    return kExitPass;
  }
  if (ca.positional.size() > 1) return usage_error("help takes one command");
  const CommandUsage* u = find_usage(ca.positional[0]);
  if (!u) return usage_error(fmt::format("help: no command \"{}\"", terminal_safe(ca.positional[0])));
  fmt::print("{}", usage_text(*u));
  return kExitPass;
}

}  // namespace

int run_cli(const std::vector<std::string>& args) {
  if (args.empty()) {
    fmt::print(stderr, "{}", overview_text());
    return kExitInvalid;
  }
  const std::string& cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  reset_sigchld();  // inherited as ignored, no child's exit status could be read
  try {
    if (cmd == "--version" || cmd == "version") {
      if (rest.size() == 1 && rest[0] == "--json")
        fmt::print("{}\n", nlohmann::json{{"harness", HARNESS_VERSION}}.dump());
      else
        fmt::print("harness {}\n", HARNESS_VERSION);
      return kExitPass;
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") return cmd_help(rest);
    if (cmd == "run") return cmd_run(rest);
    if (cmd == "validate") return cmd_validate(rest);
    if (cmd == "list") return cmd_list(rest);
    if (cmd == "report") return cmd_report(rest);
    if (cmd == "compare") return cmd_compare(rest);
    if (cmd == "gc") return cmd_gc(rest);
    if (cmd == "merge") return cmd_merge(rest);
    if (cmd == "ablate") return cmd_ablate(rest);
    if (cmd == "matrix") return cmd_matrix(rest);
    if (cmd == "doctor") return cmd_doctor(rest);
    if (cmd == "agent") return run_guest_agent(rest);
    if (cmd == kGuestInitCommand) return run_guest_init(rest);
    return usage_error(fmt::format("unknown command \"{}\"", cmd));
  } catch (const Error& e) {
    // Messages quote files and folders other users may have written.
    fmt::print(stderr, "harness: {}\n", terminal_safe(e.what(), true));
    return exit_code_for(e.kind());
  } catch (const std::exception& e) {
    fmt::print(stderr, "harness: unexpected error: {}\n", terminal_safe(e.what(), true));
    return kExitRuntime;
  }
}

}  // namespace harness
