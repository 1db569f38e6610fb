// exec_bench: how fast is the runner's workload loop?
//
// In one run, on the same binary (/bin/true by default), it times N execs
// through (a) a bare posix_spawn + waitpid loop, (b) the harness's
// Workload loop (spawn() into a cgroup of its own, as a run's workload
// joins the run's when this runs as root with cgroup2, + pidfd timeout +
// classification + event),
// (c) Boost.Process v1 child + wait, and (d) the postmortem's bash loop,
// interleaving rounds so that machine noise hits all of them alike. It then
// runs the incident scenario 5 times and reports the median time from the
// start of the fault phase to the first SIGSEGV/SIGBUS.
//
// usage: exec_bench [--execs N] [--rounds R] [--program PATH] [--no-scenario]
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/process.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/cgroup.h"
#include "base/child.h"
#include "base/clock.h"
#include "host/workload.h"

extern char** environ;

using namespace harness;
using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

static double raw_spawn(const std::string& prog, int n) {
  char* argv[] = {const_cast<char*>(prog.c_str()), nullptr};
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    pid_t pid;
    if (posix_spawn(&pid, prog.c_str(), nullptr, nullptr, argv, environ) != 0) std::abort();
    int st;
    waitpid(pid, &st, 0);
  }
  return seconds_since(t0);
}

static double runner_loop(const std::string& prog, int n) {
  RunClock clock;
  std::string why;
  std::optional<Cgroup> cg;
  if (auto place = own_cgroup2(why)) cg.emplace(Cgroup::create(*place, fmt::format("harness-bench-{}", getpid())));
  Workload w({prog}, std::chrono::seconds(5), clock, cg ? &*cg : nullptr);
  std::atomic<bool> stop{false};
  WorkloadProgress progress;
  WorkloadLimits limits;
  limits.iterations = static_cast<unsigned long>(n);
  auto t0 = Clock::now();
  auto ev = w.run(1, ExecPhase::fault, limits, stop, progress);
  double s = seconds_since(t0);
  if (ev.size() != static_cast<size_t>(n)) std::abort();
  return s;
}

static double boost_loop(const std::string& prog, int n) {
  namespace bp = boost::process;
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    bp::child c(prog, bp::std_out > bp::null, bp::std_err > bp::null);
    c.wait();
  }
  return seconds_since(t0);
}

static double bash_loop(const std::string& prog, int n) {
  std::string script = fmt::format("for ((i=0;i<{};i++)); do {}; done", n, prog);
  auto t0 = Clock::now();
  auto r = run_child({"bash", "-c", script}, ChildOptions{});
  if (!r.succeeded()) std::abort();
  return seconds_since(t0);
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int main(int argc, char** argv) {
  int n = 2000, rounds = 5;
  bool scenario = true;
  std::string prog = "/bin/true";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--execs" && i + 1 < argc) n = std::stoi(argv[++i]);
    else if (a == "--rounds" && i + 1 < argc) rounds = std::stoi(argv[++i]);
    else if (a == "--program" && i + 1 < argc) prog = argv[++i];
    else if (a == "--no-scenario") scenario = false;
    else {
      fmt::print(stderr, "usage: exec_bench [--execs N] [--rounds R] [--program PATH] [--no-scenario]\n");
      return 2;
    }
  }
  std::vector<double> raw, runner, boost, bash;
  raw_spawn(prog, 200);  // warm the page cache and the allocator
  for (int r = 0; r < rounds; ++r) {
    raw.push_back(raw_spawn(prog, n));
    runner.push_back(runner_loop(prog, n));
    boost.push_back(boost_loop(prog, n));
    bash.push_back(bash_loop(prog, n));
  }
  auto rate = [&](const std::vector<double>& v) { return n / median(v); };
  double base = rate(raw);
  fmt::print("exec throughput, {} execs of {} x {} interleaved rounds (median):\n", n, prog, rounds);
  fmt::print("  {:34} {:9.0f} execs/s  {:.3f}x\n", "posix_spawn + waitpid (raw)", base, 1.0);
  fmt::print("  {:34} {:9.0f} execs/s  {:.3f}x\n", "harness Workload loop", rate(runner), rate(runner) / base);
  fmt::print("  {:34} {:9.0f} execs/s  {:.3f}x\n", "Boost.Process child + wait", rate(boost), rate(boost) / base);
  fmt::print("  {:34} {:9.0f} execs/s  {:.3f}x\n", "bash while-loop (postmortem)", rate(bash), rate(bash) / base);
  fmt::print("  runner / raw = {:.3f}   runner / bash = {:.2f}\n", rate(runner) / base, rate(runner) / rate(bash));

  if (!scenario) return 0;
  if (geteuid() != 0) {
    fmt::print("time to first SIGSEGV: skipped (needs root for loop mounts)\n");
    return 0;
  }
  std::vector<double> first;
  std::string dir = fmt::format("/tmp/exec-bench-{}", getpid());
  for (int i = 0; i < 5; ++i) {
    std::string out = fmt::format("{}/run{}", dir, i);
    ChildOptions o;
    o.timeout = std::chrono::seconds(300);
    auto r = run_child({HARNESS_BIN, "run", "--backend", "host",
                        std::string(HARNESS_SOURCE_DIR) + "/scenarios/heroku-2017-truncation.json", "--out", out},
                       o);
    (void)r;
    auto report = nlohmann::json::parse(read_file_capped(out + "/report.json", 1 << 30));
    double fault_start = -1, crash = -1;
    for (const auto& e : report.at("events")) {
      if (e.at("type") == "phase" && e.at("name") == "faults") fault_start = e.at("t_ms").get<double>();
      if (e.at("type") == "exec" && (e.at("class") == "sigsegv" || e.at("class") == "sigbus")) {
        crash = e.at("t_ms").get<double>();
        break;
      }
    }
    if (crash >= 0) first.push_back(crash - fault_start);
    fmt::print("  incident run {}: first SIGSEGV/SIGBUS {:.0f} ms after the faults started; counts {}\n", i,
               crash >= 0 ? crash - fault_start : -1.0, report.at("counts").dump());
  }
  if (!first.empty())
    fmt::print("time to first SIGSEGV/SIGBUS, heroku-2017-truncation, host backend: median {:.0f} ms of {} runs\n",
               median(first), first.size());

  // Early stop against running to the end, interleaved, whole command wall
  // time (setup and teardown included).
  std::vector<double> early, full;
  auto wall = [&](const std::string& out, bool early_stop) {
    std::vector<std::string> cmd{HARNESS_BIN, "run", "--backend", "host",
                                  std::string(HARNESS_SOURCE_DIR) + "/scenarios/heroku-2017-truncation.json", "--out",
                                  out};
    if (!early_stop) cmd.push_back("--no-early-stop");
    ChildOptions o;
    o.timeout = std::chrono::seconds(300);
    auto t0 = std::chrono::steady_clock::now();
    auto r = run_child(cmd, o);
    (void)r;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  for (int i = 0; i < 3; ++i) {
    early.push_back(wall(fmt::format("{}/early{}", dir, i), true));
    full.push_back(wall(fmt::format("{}/full{}", dir, i), false));
    fmt::print("  round {}: early stop {:.2f} s, --no-early-stop {:.2f} s\n", i, early.back(), full.back());
  }
  fmt::print("heroku-2017-truncation wall time, median of 3: early stop {:.2f} s, --no-early-stop {:.2f} s, "
             "early/full {:.2f}\n",
             median(early), median(full), median(early) / median(full));
  std::filesystem::remove_all(dir);
  return 0;
}
