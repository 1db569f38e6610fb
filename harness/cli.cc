#include "cli.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <thread>

#include "guest_agent.h"
#include "host_backend.h"
#include "interrupt.h"
#include "mount_namespace.h"
#include "report_json.h"
#include "runner.h"
#include "scenario.h"
#include "vm_backend.h"

namespace harness {

namespace fs = std::filesystem;

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_scenario: return kExitInvalid;
    case ErrorKind::environment: return kExitEnvironment;
    case ErrorKind::runtime: return kExitRuntime;
  }
  return kExitRuntime;
}

namespace {

const char* kUsage =
    "usage: harness <command> [options]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO... [--out DIR] [--backend host] [--keep-work]\n"
    "                      run scenarios and print their verdicts\n"
    "  validate SCENARIO...  check scenario files without running anything\n"
    "  list [DIR]          list the scenarios in DIR (default: scenarios/)\n"
    "  --version           print the version\n"
    "\n"
    "exit codes: 0 every expectation held, 1 an expectation failed or timed out,\n"
    "            2 invalid scenario or usage, 3 this machine cannot run it,\n"
    "            4 unexpected error, 130 interrupted\n";

bool use_color() { return isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR"); }

// A live progress line on a terminal; plain phase lines otherwise.
class Progress {
 public:
  explicit Progress(const std::string& scenario) : scenario_(scenario), tty_(isatty(STDERR_FILENO)) {
    observer_.progress = &counters_;
    observer_.on_phase = [this](const std::string& phase) {
      phase_ = phase;
      if (!tty_) fmt::print(stderr, "[{}] {}\n", scenario_, phase);
    };
    if (tty_)
      thread_ = std::thread([this] {
        while (!done_) {
          draw();
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
      });
  }
  ~Progress() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
    if (tty_) fmt::print(stderr, "\r\x1b[K");
  }
  const RunObserver& observer() const { return observer_; }

 private:
  void draw() {
    double el = std::chrono::duration<double>(MonoClock::now() - start_).count();
    fmt::print(stderr, "\r\x1b[K[{}] {:8} execs {:6}  crashes {:5}  abnormal {:5}  {:5.1f}s", scenario_,
               std::string(phase_), counters_.execs.load(), counters_.crashes.load(),
               counters_.abnormal.load(), el);
  }
  std::string scenario_;
  bool tty_;
  std::string phase_ = "start";
  WorkloadProgress counters_;
  RunObserver observer_;
  std::atomic<bool> done_{false};
  std::thread thread_;
  MonoClock::time_point start_ = MonoClock::now();
};

struct RunArgs {
  std::vector<fs::path> scenarios;
  std::optional<fs::path> out;
  std::string backend = "host";
  bool keep_work = false;
};

int usage_error(const std::string& msg) {
  fmt::print(stderr, "harness: {}\n{}", msg, kUsage);
  return kExitInvalid;
}

int cmd_validate(const std::vector<std::string>& args) {
  if (args.empty()) return usage_error("validate needs at least one scenario file");
  int rc = kExitPass;
  for (const auto& a : args) {
    try {
      Scenario s = load_scenario(a);
      fmt::print("{}: ok ({})\n", a, s.name);
    } catch (const ScenarioError& e) {
      fmt::print(stderr, "{}\n", e.what());
      rc = kExitInvalid;
    }
  }
  return rc;
}

int cmd_list(const std::vector<std::string>& args) {
  fs::path dir = args.empty() ? fs::path("scenarios") : fs::path(args[0]);
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".json" && e.path().filename() != "schema.json") files.push_back(e.path());
  if (ec) {
    fmt::print(stderr, "harness: {}: {}\n", dir.string(), ec.message());
    return kExitEnvironment;
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    try {
      Scenario s = load_scenario(f);
      fmt::print("{:34} {}\n", f.filename().string(), s.description.substr(0, 90));
    } catch (const ScenarioError& e) {
      fmt::print("{:34} INVALID: {}\n", f.filename().string(), e.message());
    }
  }
  return kExitPass;
}

int cmd_run(const std::vector<std::string>& args) {
  RunArgs ra;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= args.size()) throw Error(ErrorKind::invalid_scenario, fmt::format("{} needs a value", flag));
      return args[++i];
    };
    if (a == "--out") ra.out = value("--out");
    else if (a == "--backend") ra.backend = value("--backend");
    else if (a == "--keep-work") ra.keep_work = true;
    else if (a.rfind("--", 0) == 0) return usage_error(fmt::format("unknown option {}", a));
    else ra.scenarios.emplace_back(a);
  }
  if (ra.scenarios.empty()) return usage_error("run needs at least one scenario file");
  if (ra.backend != "host" && ra.backend != "vm")
    return usage_error(fmt::format("unknown backend \"{}\" (expected host or vm)", ra.backend));

  // Validate everything first: an invalid file means nothing is created.
  std::vector<Scenario> scenarios;
  for (const auto& f : ra.scenarios) scenarios.push_back(load_scenario(f));
  std::unique_ptr<Backend> backend;
  if (ra.backend == "vm")
    backend = std::make_unique<VmBackend>(VmOptions{});
  else
    backend = std::make_unique<HostBackend>();
  for (const auto& s : scenarios) backend->preflight(s);

  // Must happen while we are single-threaded (see mount_namespace.h).
  if (ra.backend == "host") enter_private_mount_namespace();
  InterruptGuard guard;

  int rc = kExitPass;
  for (const auto& s : scenarios) {
    if (interrupted()) break;
    RunOptions opts;
    opts.keep_work = ra.keep_work;
    if (ra.out) opts.out = scenarios.size() == 1 ? *ra.out : *ra.out / s.name;
    RunOutcome outcome;
    {
      Progress progress(s.name);
      opts.observer = progress.observer();
      outcome = run_scenario(s, *backend, opts);
    }
    fmt::print("{}\n", summary_text(outcome.report, use_color()));
    std::fflush(stdout);
    int this_rc = kExitPass;
    if (outcome.interrupted) this_rc = kExitInterrupted;
    else if (outcome.environment_error) this_rc = kExitEnvironment;
    else if (outcome.status == VerdictStatus::error) this_rc = kExitRuntime;
    else if (outcome.status != VerdictStatus::pass) this_rc = kExitFail;
    // The most serious outcome wins: interrupted > environment > error > fail.
    if (this_rc == kExitInterrupted || (rc != kExitInterrupted && this_rc > rc)) rc = this_rc;
  }
  return rc;
}

}  // namespace

int run_cli(const std::vector<std::string>& args) {
  if (args.empty()) {
    fmt::print(stderr, "{}", kUsage);
    return kExitInvalid;
  }
  const std::string& cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (cmd == "--version" || cmd == "version") {
      fmt::print("harness {}\n", HARNESS_VERSION);
      return kExitPass;
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      fmt::print("{}", kUsage);
      return kExitPass;
    }
    if (cmd == "run") return cmd_run(rest);
    if (cmd == "validate") return cmd_validate(rest);
    if (cmd == "list") return cmd_list(rest);
    if (cmd == "agent") return run_guest_agent(rest);
    return usage_error(fmt::format("unknown command \"{}\"", cmd));
  } catch (const Error& e) {
    fmt::print(stderr, "harness: {}\n", e.what());
    return exit_code_for(e.kind());
  } catch (const std::exception& e) {
    fmt::print(stderr, "harness: unexpected error: {}\n", e.what());
    return kExitRuntime;
  }
}

}  // namespace harness
