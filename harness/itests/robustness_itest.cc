// The harness under fault and hostile input, through the real CLI on the
// host backend: killed at random points (SIGINT, SIGTERM, SIGKILL), run
// four at a time, run on a machine missing what it needs (a full disk, no
// mkfs.ext4, read-only drop_caches, no loop devices), and fed scenarios
// that try to reach files outside the run directory. In every case nothing
// may be left behind: no loop device backed by a file of the run, no mount,
// no work/ folder, no torn JSON. Needs root and loop devices (CI has them).
//
// The kill tests print their seed; HARNESS_ROBUSTNESS_SEED=N replays one,
// HARNESS_KILL_TRIALS=N changes how many kill points each signal gets.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <fmt/format.h>

#include "itests/itest_support.h"

namespace harness::itest {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// ---------------------------------------------------------------- helpers

// A new, empty folder for one command's stdout/stderr, so that a log
// read after a run is that command's and no earlier one's.
fs::path fresh_logs(const fs::path& dir, const std::string& tag) {
  fs::path p = dir / ("logs-" + tag);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

struct Proc {
  std::unique_ptr<Child> child;
  fs::path out, err;
};

Proc start(const std::vector<std::string>& argv, const fs::path& logs, const std::string& tag,
           const fs::path& cwd = {}) {
  ChildOptions o;
  o.stdout_file = logs / (tag + ".stdout");
  o.stderr_file = logs / (tag + ".stderr");
  o.timeout = std::chrono::seconds(300);
  o.cwd = cwd;
  o.unset_env = {"GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS"};
  return Proc{std::make_unique<Child>(argv, o), o.stdout_file, o.stderr_file};
}

struct Exit {
  int code = -1;    // exit status, or -1 when killed by a signal
  int signal = 0;   // the signal that killed it
  std::string describe() const { return signal ? fmt::format("signal {}", signal) : fmt::format("exit {}", code); }
};

Exit decode(const ChildResult& r) {
  Exit e;
  if (WIFEXITED(r.wait_status)) e.code = WEXITSTATUS(r.wait_status);
  if (WIFSIGNALED(r.wait_status)) e.signal = WTERMSIG(r.wait_status);
  return e;
}

// Every *.json below `dir` (not crossing into mounts) must be complete
// JSON: the harness writes them atomically, so a kill at any moment leaves
// either the old file, the new one, or none. Returns how many it checked.
int expect_all_json_complete(const fs::path& dir) {
  int checked = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_symlink()) continue;
    if (it->is_directory() && it.depth() > 3) it.disable_recursion_pending();
    if (!it->is_regular_file() || it->path().extension() != ".json") continue;
    if (it->path().filename().string().find(".short.json") != std::string::npos) continue;
    ++checked;
    auto parsed = json::parse(slurp(it->path()), nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << it->path() << " is not complete JSON:\n" << slurp(it->path());
  }
  return checked;
}

// Leftovers of one run directory: loop devices backed by its files, mounts
// under it, its work/ folder, its marker.
std::vector<std::string> leftovers(const fs::path& run) {
  std::vector<std::string> found;
  for (int i = 0; i < 50 && !loop_devices_under(run).empty(); ++i) usleep(100 * 1000);
  for (const auto& l : loop_devices_under(run)) found.push_back("loop " + l);
  for (const auto& m : mounts_under(run)) found.push_back("mount " + m);
  if (fs::exists(run / "work")) found.push_back("dir " + (run / "work").string());
  if (fs::exists(run / "harness-run.json")) found.push_back("marker " + (run / "harness-run.json").string());
  return found;
}

std::string last_phase(const fs::path& stderr_file) {
  std::string log = slurp(stderr_file), phase = "start";
  for (const char* p : {"setup", "warmup", "faults", "teardown"})
    if (log.find(std::string("] ") + p + "\n") != std::string::npos) phase = p;
  return phase;
}

unsigned env_unsigned(const char* name, unsigned def) {
  const char* v = std::getenv(name);
  return v && *v ? static_cast<unsigned>(std::strtoul(v, nullptr, 10)) : def;
}

unsigned seed() {
  static const unsigned s = env_unsigned("HARNESS_ROBUSTNESS_SEED", static_cast<unsigned>(std::random_device{}()));
  return s;
}

// ------------------------------------------------------------------ kills

struct KillFigures {
  int tried = 0, interrupted = 0, before_start = 0, finished_first = 0, leftovers = 0;
  std::map<std::string, int> by_phase;
};

void print_figures(const std::string& what, const KillFigures& f) {
  std::string phases;
  for (const auto& [p, n] : f.by_phase) phases += fmt::format(" {}={}", p, n);
  std::printf("[ figures  ] %s: kill points tried=%d (interrupted mid-run=%d, before the run dir existed=%d, "
              "after the run finished=%d), by phase:%s; leftovers found=%d (seed %u)\n",
              what.c_str(), f.tried, f.interrupted, f.before_start, f.finished_first, phases.c_str(), f.leftovers,
              seed());
  ::testing::Test::RecordProperty(what + "_kill_points", f.tried);
  ::testing::Test::RecordProperty(what + "_leftovers", f.leftovers);
}

// A kill point between 0 and ~2.5 s: uniform over the whole run (`full`
// ms long, as measured), with extra weight on its short start (setup,
// warm-up) and on its end (teardown), which uniform delays would rarely hit.
int draw_delay(std::mt19937& rng, int full) {
  full = std::clamp(full, 300, 2500);
  int pick = std::uniform_int_distribution<int>(0, 3)(rng);
  if (pick == 0) return std::uniform_int_distribution<int>(0, 250)(rng);
  if (pick == 1) return std::uniform_int_distribution<int>(std::max(0, full - 250), full + 100)(rng);
  return std::uniform_int_distribution<int>(0, full)(rng);
}

// How long one uninterrupted run takes here (and that it passes).
int calibrate(const fs::path& scenario, const fs::path& dir) {
  auto t0 = std::chrono::steady_clock::now();
  auto res = run_harness({"run", "--backend", "host", scenario.string(), "--out", (dir / ("calibration-" + scenario.stem().string())).string()},
                         fresh_logs(dir, "calibration-" + scenario.stem().string()));
  int ms = static_cast<int>(
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0).count());
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  std::printf("[ figures  ] %s: one uninterrupted run takes %d ms\n", scenario.filename().c_str(), ms);
  return ms;
}

// One kill: start a run, wait a random 0..~2.5 s (setup, warm-up, faults
// or teardown), send `sig`, and check what is on disk afterwards.
void kill_once(const fs::path& scenario, const fs::path& parent, int trial, int sig, std::mt19937& rng,
               int full_ms, KillFigures& fig) {
  fs::path run = parent / fmt::format("run-{}", trial);
  int delay = draw_delay(rng, full_ms);
  SCOPED_TRACE(fmt::format("trial {} signal {} after {} ms (seed {})", trial, sig, delay, seed()));
  Proc p = start({HARNESS_BIN, "run", "--backend", "host", scenario.string(), "--out", run.string()}, parent,
                 fmt::format("run-{}", trial));
  std::this_thread::sleep_for(milliseconds(delay));
  std::string phase = last_phase(p.err);
  ASSERT_EQ(kill(p.child->pid(), sig), 0);
  Exit e = decode(p.child->wait());
  ++fig.tried;
  bool run_dir_made = fs::exists(run);

  if (e.code == 0 || e.code == 1) {
    // The run ended before the signal arrived.
    EXPECT_TRUE(fs::exists(run / "report.json")) << slurp(p.err);
    ++fig.finished_first;
    ++fig.by_phase["after-run"];
  } else if (sig == SIGKILL) {
    EXPECT_EQ(e.signal, SIGKILL) << e.describe();
    ++fig.by_phase[run_dir_made ? phase : "before-run-dir"];
    if (!run_dir_made) ++fig.before_start;
    else ++fig.interrupted;
    if (run_dir_made) {
      // What the killed run left is gc's to clean.
      auto gc = run_harness({"gc", parent.string(), "--json"}, fresh_logs(parent, fmt::format("gc-{}", trial)));
      EXPECT_EQ(gc.exit_code, 0) << gc.err;
      auto r = json::parse(gc.out, nullptr, false);
      EXPECT_FALSE(r.is_discarded()) << gc.out;
      if (fs::exists(run / "gc.json")) {
        EXPECT_FALSE(json::parse(slurp(run / "gc.json"), nullptr, false).is_discarded());
      }
      // A run killed before its marker was written is not a run gc knows;
      // it must then have nothing else either.
      bool had_marker = !r.is_discarded() && r.at("dead_runs").dump().find(run.string()) != std::string::npos;
      if (had_marker) {
        EXPECT_TRUE(fs::exists(run / "gc.json")) << gc.out;
      }
    }
  } else if (e.code == 130) {
    // Exit 130 says a signal came. Either it cut the run short, and the
    // report says so, or it came after the run had ended (the report is
    // complete and uninterrupted, the exit code still owns up to it).
    bool cut_short = true;
    if (fs::exists(run / "report.json")) {
      auto r = json::parse(slurp(run / "report.json"), nullptr, false);
      ASSERT_FALSE(r.is_discarded()) << slurp(run / "report.json");
      cut_short = r.at("run").at("interrupted").get<bool>();
      if (!cut_short) {
        EXPECT_TRUE(r.at("verdict") == "pass" || r.at("verdict") == "fail") << r.at("run").dump();
        EXPECT_TRUE(r.at("run").at("error").is_null()) << r.at("run").dump();
      }
    }
    ++(cut_short ? fig.interrupted : fig.finished_first);
    ++fig.by_phase[cut_short ? phase : "after-run"];
  } else if (e.signal == sig) {
    // The default action: the signal came before the harness installed its
    // handler (while validating), so nothing may exist yet — or after it
    // restored it, with the run complete.
    if (run_dir_made) {
      EXPECT_TRUE(fs::exists(run / "report.json")) << "killed by the signal with a run directory but no report";
      ++fig.finished_first;
      ++fig.by_phase["after-run"];
    } else {
      ++fig.before_start;
      ++fig.by_phase["before-run-dir"];
    }
  } else {
    ADD_FAILURE() << "unexpected end: " << e.describe() << "\n" << slurp(p.err);
  }
  auto left = leftovers(run);
  fig.leftovers += static_cast<int>(left.size());
  EXPECT_TRUE(left.empty()) << ::testing::PrintToString(left) << "\nstderr:\n" << slurp(p.err);
}

class Kill : public ::testing::TestWithParam<int> {};

TEST_P(Kill, AtRandomPointsLeavesNothingBehind) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  const int sig = GetParam();
  std::mt19937 rng(seed() + static_cast<unsigned>(sig));
  std::printf("[ seed     ] HARNESS_ROBUSTNESS_SEED=%u\n", seed());
  TempDir tmp;
  // About 2 s each here, so that 0..2.5 s spans setup to teardown.
  fs::path heroku = shortened("heroku-2017-truncation", tmp.path(), 400);
  fs::path immutable = shortened("root-overwrite-immutable", tmp.path(), 400);
  const int heroku_ms = calibrate(heroku, tmp.path());
  const int immutable_ms = calibrate(immutable, tmp.path());
  const int trials = static_cast<int>(env_unsigned("HARNESS_KILL_TRIALS", 20));
  const int installer_trials = std::max(3, trials / 4);

  KillFigures fig, fig_installer;
  fs::path parent = tmp.path() / "runs";
  fs::create_directories(parent);
  for (int i = 0; i < trials && !HasFatalFailure(); ++i) kill_once(heroku, parent, i, sig, rng, heroku_ms, fig);
  fs::path parent2 = tmp.path() / "installer-runs";
  fs::create_directories(parent2);
  for (int i = 0; i < installer_trials && !HasFatalFailure(); ++i)
    kill_once(immutable, parent2, i, sig, rng, immutable_ms, fig_installer);

  std::string name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGKILL";
  print_figures(name + " heroku-2017-truncation", fig);
  print_figures(name + " root-overwrite-immutable", fig_installer);
  EXPECT_GE(fig.interrupted, trials / 3) << "most kill points should land inside the run; is the scenario too short?";
  int checked = expect_all_json_complete(parent) + expect_all_json_complete(parent2);
  std::printf("[ figures  ] %s: %d JSON files on disk, all complete\n", name.c_str(), checked);
  expect_nothing_left(tmp.path());
}

INSTANTIATE_TEST_SUITE_P(Signals, Kill, ::testing::Values(SIGINT, SIGTERM, SIGKILL), [](const auto& p) {
  return p.param == SIGINT ? "SIGINT" : p.param == SIGTERM ? "SIGTERM" : "SIGKILL";
});

// A run killed with SIGKILL is cleaned by the next run in the same runs
// folder (the default, reports/runs), without anyone calling `harness gc`.
TEST(Kill, TheNextRunCleansAKilledSibling) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path heroku = shortened("heroku-2017-truncation", tmp.path(), 3000);
  fs::path control = shortened("control-drop-caches", tmp.path(), 50);
  fs::path parent = tmp.path() / "reports" / "runs";
  Proc p = start({HARNESS_BIN, "run", "--backend", "host", heroku.string()}, tmp.path(), "killed", tmp.path());
  bool in_faults = false;
  for (int i = 0; i < 600 && !in_faults; ++i) {
    in_faults = last_phase(p.err) == "faults";
    if (!in_faults) usleep(20 * 1000);
  }
  ASSERT_TRUE(in_faults) << slurp(p.err);
  ASSERT_TRUE(fs::is_directory(parent));
  ASSERT_EQ(std::distance(fs::directory_iterator(parent), fs::directory_iterator()), 1);
  fs::path killed = fs::directory_iterator(parent)->path();
  // Controls: the leak checks see the live run's loop device and mount.
  ASSERT_FALSE(loop_devices_under(killed).empty());
  ASSERT_FALSE(mounts_under(killed).empty());
  ASSERT_EQ(kill(p.child->pid(), SIGKILL), 0);
  p.child->wait();
  ASSERT_TRUE(fs::exists(killed / "harness-run.json"));
  ASSERT_TRUE(fs::exists(killed / "work"));

  Proc next = start({HARNESS_BIN, "run", "--backend", "host", control.string()}, tmp.path(), "next", tmp.path());
  Exit e = decode(next.child->wait());
  std::string err = slurp(next.err);
  EXPECT_EQ(e.code, 0) << slurp(next.out) << err;
  EXPECT_NE(err.find("gc: " + killed.string()), std::string::npos) << err;
  EXPECT_TRUE(fs::exists(killed / "gc.json"));
  EXPECT_FALSE(json::parse(slurp(killed / "gc.json"), nullptr, false).is_discarded());
  auto left = leftovers(killed);
  EXPECT_TRUE(left.empty()) << ::testing::PrintToString(left);
  for (const auto& run : fs::directory_iterator(parent)) EXPECT_TRUE(leftovers(run.path()).empty()) << run.path();
  expect_all_json_complete(parent);
  expect_nothing_left(tmp.path());
}

// ------------------------------------------------------------ concurrency

struct Batch {
  std::vector<fs::path> run_dirs;
  std::vector<json> reports;
  size_t most_loops_at_once = 0;
};

// Four runs of one scenario at once, each choosing its own run directory
// (the default, reports/runs/<time>-<name>-<pid>, below `cwd`).
Batch run_four(const fs::path& scenario, const fs::path& cwd) {
  Batch b;
  std::vector<Proc> procs;
  for (int i = 0; i < 4; ++i)
    procs.push_back(start({HARNESS_BIN, "run", "--backend", "host", scenario.string()}, cwd, fmt::format("c{}", i), cwd));
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    while (!done) {
      auto loops = loop_devices_under(cwd);
      b.most_loops_at_once = std::max(b.most_loops_at_once, loops.size());
      std::set<std::string> devices;
      for (const auto& l : loops) devices.insert(l.substr(0, l.find(' ')));
      EXPECT_EQ(devices.size(), loops.size()) << "one loop device, two backing files?";
      usleep(20 * 1000);
    }
  });
  for (auto& p : procs) {
    Exit e = decode(p.child->wait());
    EXPECT_EQ(e.code, 0) << e.describe() << "\n" << slurp(p.out) << slurp(p.err);
  }
  done = true;
  sampler.join();
  for (const auto& e : fs::directory_iterator(cwd / "reports" / "runs")) {
    b.run_dirs.push_back(e.path());
    if (fs::exists(e.path() / "report.json")) b.reports.push_back(read_report(e.path()));
  }
  return b;
}

TEST(Concurrency, FourRunsAtOnceDoNotCollide) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path heroku = shortened("heroku-2017-truncation", tmp.path(), 500);
  fs::path control = shortened("control-drop-caches", tmp.path(), 300);
  for (const auto& scenario : {heroku, control}) {
    SCOPED_TRACE(scenario.filename().string());
    fs::path cwd = tmp.path() / scenario.stem().stem();
    fs::create_directories(cwd);
    Batch b = run_four(scenario, cwd);
    ASSERT_EQ(b.run_dirs.size(), 4u) << "four runs must make four run directories";
    ASSERT_EQ(b.reports.size(), 4u);
    std::set<std::string> devices, dirs;
    for (size_t i = 0; i < 4; ++i) {
      const json& r = b.reports[i];
      dirs.insert(r.at("run").dump());
      ASSERT_EQ(r.at("mounts").size(), 1u);
      devices.insert(r.at("mounts")[0].at("loop_device").get<std::string>());
      EXPECT_EQ(r.at("verdict"), "pass") << r.at("counts").dump();
      if (scenario == heroku) {
        EXPECT_GT(count_of(r, "sigsegv") + count_of(r, "sigbus"), 0u) << r.at("counts").dump();
      } else {
        unsigned long abnormal = 0;
        for (const auto& [cls, n] : r.at("counts").items())
          if (cls != "ok") abnormal += n.get<unsigned long>();
        EXPECT_EQ(abnormal, 0u) << r.at("counts").dump();
      }
      EXPECT_TRUE(leftovers(b.run_dirs[i]).empty());
    }
    EXPECT_EQ(dirs.size(), 4u);
    std::printf("[ figures  ] %s: 4 concurrent runs, %zu loop devices attached at once at most, %zu distinct "
                "devices in the reports\n",
                scenario.filename().c_str(), b.most_loops_at_once, devices.size());
    // Runs that overlapped held distinct devices; a device may be reused
    // only by a run that started after another ended.
    if (b.most_loops_at_once == 4) {
      EXPECT_EQ(devices.size(), 4u);
    }
    expect_all_json_complete(cwd);
    expect_nothing_left(cwd);
  }
}

// ----------------------------------------------------- environment faults

// Runs `script` with sh in a private mount namespace of its own (unshare
// -m), so the sabotage it does to the machine (a full tmpfs, a hidden
// mkfs, read-only /proc/sys, no /dev/loop*) is seen by the harness it
// starts and by nothing else, and vanishes when it exits.
CliResult in_private_namespace(const std::string& script, const std::vector<std::string>& args,
                               const fs::path& logs) {
  auto unshare = find_program("unshare");
  if (!unshare) return CliResult{-2, "", "unshare not found"};
  std::vector<std::string> argv{unshare->string(), "--mount", "--propagation", "private", "sh", "-euc", script, "sh"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_argv(argv, logs, std::chrono::seconds(120));
}

// What a finished (or failed) run leaves in its directory: the report in
// its renderings.
bool is_report_file(const fs::path& p) {
  std::string name = p.filename().string();
  return name.rfind("report.", 0) == 0 || name == "junit.xml";
}

// A failed run may leave its report (the message names it) and nothing else.
void expect_at_most_a_report(const fs::path& run) {
  if (!fs::exists(run)) return;
  for (const auto& e : fs::directory_iterator(run))
    EXPECT_TRUE(is_report_file(e.path())) << "left in the run directory: " << e.path();
}

TEST(EnvironmentFault, FullFilesystemExits3) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path full = tmp.path() / "full";
  fs::create_directories(full);
  // The harness runs in the namespace with a 2 MiB tmpfs at `full`; what it
  // left there is listed before the namespace (and the tmpfs) goes away.
  auto res = in_private_namespace(
      R"(mount -t tmpfs -o size=2m harness-itest-full "$1"
         rc=0; "$2" run --backend host "$3" --out "$1/run" || rc=$?
         find "$1" -mindepth 1 | sort > "$4"
         exit $rc)",
      {full.string(), HARNESS_BIN, source_path("scenarios/heroku-2017-truncation.json"),
       (tmp.path() / "left.txt").string()},
      tmp.path());
  EXPECT_EQ(res.exit_code, 3) << res.out << res.err;
  // On stderr, or in the printed summary when the report could be written.
  std::string said = res.out + res.err;
  EXPECT_NE(said.find("No space left on device"), std::string::npos) << said;
  EXPECT_NE(said.find("--out"), std::string::npos) << "the message says what to do:\n" << said;
  std::string left = slurp(tmp.path() / "left.txt");
  EXPECT_EQ(left.find("/work"), std::string::npos) << left;
  EXPECT_EQ(left.find("harness-run.json"), std::string::npos) << left;
  std::istringstream in(left);
  for (std::string line; std::getline(in, line);) {
    if (line == (full / "run").string()) continue;
    EXPECT_TRUE(is_report_file(line)) << "left behind: " << line;
  }
  EXPECT_TRUE(mounts_under(full).empty());
  expect_nothing_left(tmp.path());
}

TEST(EnvironmentFault, MissingMkfsExits3) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path empty = tmp.path() / "empty";
  std::ofstream(empty).flush();
  fs::path run = tmp.path() / "run";
  // An empty, non-executable file over mkfs.ext4 wherever it lives.
  auto res = in_private_namespace(
      R"(for m in /usr/sbin/mkfs.ext4 /sbin/mkfs.ext4 /usr/bin/mkfs.ext4 /bin/mkfs.ext4; do
           if [ -e "$m" ]; then mount --bind "$1" "$m"; fi
         done
         exec "$2" run --backend host "$3" --out "$4")",
      {empty.string(), HARNESS_BIN, source_path("scenarios/heroku-2017-truncation.json"), run.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 3) << res.out << res.err;
  EXPECT_NE(res.err.find("mkfs.ext4 not found"), std::string::npos) << res.err;
  EXPECT_NE(res.err.find("apt-get install -y e2fsprogs"), std::string::npos) << res.err;
  EXPECT_FALSE(fs::exists(run));
  expect_nothing_left(tmp.path());
}

TEST(EnvironmentFault, ReadOnlyDropCachesExits3) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path run = tmp.path() / "run";
  auto res = in_private_namespace(
      R"(mount --bind /proc/sys /proc/sys
         mount -o remount,bind,ro /proc/sys
         exec "$1" run --backend host "$2" --out "$3")",
      {HARNESS_BIN, source_path("scenarios/heroku-2017-truncation.json"), run.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 3) << res.out << res.err;
  EXPECT_NE(res.err.find("/proc/sys/vm/drop_caches is not writable"), std::string::npos) << res.err;
  EXPECT_NE(res.err.find("run as root on a host"), std::string::npos) << res.err;
  EXPECT_FALSE(fs::exists(run));
  expect_nothing_left(tmp.path());
}

// No loop driver at all, as in many containers: /dev holds no loop-control.
TEST(EnvironmentFault, NoLoopControlExits3) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path run = tmp.path() / "run";
  auto res = in_private_namespace(
      R"(mount -t tmpfs harness-itest-dev /dev
         for d in null zero urandom random full; do touch /dev/$d; done
         exec "$1" run --backend host "$2" --out "$3")",
      {HARNESS_BIN, source_path("scenarios/heroku-2017-truncation.json"), run.string()}, tmp.path());
  // /dev/null and friends are plain files here; that is enough for a run
  // that never gets past its preflight.
  EXPECT_EQ(res.exit_code, 3) << res.out << res.err;
  EXPECT_NE(res.err.find("/dev/loop-control"), std::string::npos) << res.err;
  EXPECT_NE(res.err.find("modprobe loop"), std::string::npos) << res.err;
  EXPECT_FALSE(fs::exists(run));
  expect_nothing_left(tmp.path());
}

// loop-control is there but no device can be had: every /dev/loop* node
// is /dev/null in the harness's eyes.
TEST(EnvironmentFault, NoFreeLoopDeviceExits3) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path run = tmp.path() / "run";
  auto res = in_private_namespace(
      R"(for d in /dev/loop*; do mount --bind /dev/null "$d"; done
         exec "$1" run --backend host "$2" --out "$3")",
      {HARNESS_BIN, source_path("scenarios/heroku-2017-truncation.json"), run.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 3) << res.out << res.err;
  std::string said = res.out + res.err;
  EXPECT_NE(said.find("loop device"), std::string::npos) << said;
  EXPECT_NE(said.find("harness gc"), std::string::npos) << "the message says what to do:\n" << said;
  EXPECT_FALSE(fs::exists(run / "work"));
  EXPECT_FALSE(fs::exists(run / "harness-run.json"));
  expect_at_most_a_report(run);
  expect_nothing_left(tmp.path());
}

// ------------------------------------------------------ hostile scenarios

std::string scenario_text(const std::string& body) {
  return R"({"name": "hostile", "timeout_s": 30,
  "workload": {"argv": ["/bin/true"], "iterations": 5},
  )" + body + R"(,
  "expect": [{"classes": ["ok"], "at_least": 1}]})";
}

TEST(Hostile, ValidationRefusalsThroughTheCliTouchNothing) {
  TempDir tmp;
  Victim victim(tmp.path() / "passwd");
  fs::path victim_dir = tmp.path() / "var-lib";
  fs::create_directories(victim_dir);
  Victim stack(victim_dir / "stack.img");
  const std::string v = victim.path.string();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"absolute truncate target", R"("faults": [{"name": "f", "schedule": {"kind": "once"},
          "actions": [{"action": "truncate", "to": ")" + v + R"(", "size_bytes": 0}]}])"},
      {"../ overwrite target", R"("images": [{"name": "d", "size_mib": 4}],
          "faults": [{"name": "f", "schedule": {"kind": "once"},
          "actions": [{"action": "overwrite_truncate", "from": "images/d.img", "to": "../../passwd"}]}])"},
      {"a/../../ copy target", R"("images": [{"name": "d", "size_mib": 4}],
          "copies": [{"from": "images/d.img", "to": "a/../../var-lib/stack.img"}])"},
      {"absolute mount image", R"("mounts": [{"image": ")" + stack.path.string() + R"(", "mountpoint": "mnt"}])"},
      {"absolute mountpoint", R"("images": [{"name": "d", "size_mib": 4}],
          "mounts": [{"image": "images/d.img", "mountpoint": ")" + victim_dir.string() + R"("}])"},
      {"1 TiB image", R"("images": [{"name": "d", "size_mib": 1048576}])"},
      {"1 TiB truncate", R"("images": [{"name": "d", "size_mib": 4}],
          "faults": [{"name": "f", "schedule": {"kind": "once"},
          "actions": [{"action": "truncate", "to": "images/d.img", "size_bytes": 1099511627776}]}])"},
      {"duplicate mountpoint", R"("images": [{"name": "d", "size_mib": 4}, {"name": "e", "size_mib": 4}],
          "mounts": [{"image": "images/d.img", "mountpoint": "mnt"}, {"image": "images/e.img", "mountpoint": "mnt"}])"},
      {"unknown field", R"("images": [{"name": "d", "size_mib": 4, "sise_mib": 5}])"},
      {"NUL in a path", R"("faults": [{"name": "f", "schedule": {"kind": "once"},
          "actions": [{"action": "truncate", "to": "x\u0000/../../passwd"}]}])"},
      {"deep nesting", R"("description": )" + std::string(100000, '[') + std::string(100000, ']')},
      {"duplicate key spelled with an escape", R"("\u0077orkload": {"argv": ["/bin/false"], "iterations": 1})"},
  };
  int n = 0;
  for (const auto& [what, body] : cases) {
    SCOPED_TRACE(what);
    fs::path sc = tmp.path() / fmt::format("hostile-{}.json", n);
    std::ofstream(sc) << scenario_text(body);
    fs::path run = tmp.path() / fmt::format("run-{}", n++);
    // That refusing costs bounded work is checked by counting in the unit
    // tests (hostile_scenarios_test, json_locator_test); here 60 s is only
    // a deadline.
    auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()},
                           fresh_logs(tmp.path(), std::to_string(n)), std::chrono::seconds(60));
    EXPECT_EQ(res.exit_code, 2) << res.out << res.err;
    EXPECT_NE(res.err.find(sc.string() + ":"), std::string::npos) << "the error names file:line:col\n" << res.err;
    EXPECT_FALSE(fs::exists(run)) << "a refused scenario created its run directory";
  }
  // Bytes that are not a JSON text at all.
  for (const std::string& bytes : {std::string("\xef\xbb\xbf{}"), std::string("{\"name\": \"\xff\"}"),
                                   std::string("{\0}", 3)}) {
    fs::path sc = tmp.path() / fmt::format("hostile-{}.json", n);
    std::ofstream(sc, std::ios::binary) << bytes;
    fs::path run = tmp.path() / fmt::format("run-{}", n++);
    auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()},
                           fresh_logs(tmp.path(), std::to_string(n)));
    EXPECT_EQ(res.exit_code, 2) << res.err;
    EXPECT_FALSE(fs::exists(run));
  }
  std::printf("[ figures  ] hostile scenarios through the CLI: %d, all refused with exit 2, nothing created\n", n);
  victim.expect_untouched();
  stack.expect_untouched();
  expect_nothing_left(tmp.path());
}

// A setup step plants symlinks in the work directory that point outside
// it; every fault aimed at them must be refused by the confinement
// (openat2 RESOLVE_NO_SYMLINKS: ELOOP) and the targets stay as they were.
TEST(Hostile, PlantedSymlinksAreRefusedAtRunTime) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  Victim victim(tmp.path() / "passwd");
  fs::path outside = tmp.path() / "outside";
  fs::create_directories(outside);
  Victim inside_dir(outside / "stack.img");
  const std::string v = victim.path.string(), o = outside.string();
  fs::path sc = tmp.path() / "symlinks.json";
  std::ofstream(sc) << R"({"name": "planted-symlinks", "timeout_s": 60,
    "images": [{"name": "d", "size_mib": 4}],
    "setup": [
      {"action": "run", "argv": ["/bin/ln", "-s", ")" << v << R"(", "{work}/evil.img"]},
      {"action": "run", "argv": ["/bin/ln", "-s", ")" << o << R"(", "{work}/evil-dir"]}
    ],
    "workload": {"argv": ["/bin/true"], "iterations": 20},
    "faults": [{"name": "escape", "schedule": {"kind": "once"}, "actions": [
      {"action": "truncate", "to": "evil.img", "size_bytes": 0},
      {"action": "overwrite_truncate", "from": "images/d.img", "to": "evil.img"},
      {"action": "overwrite", "from": "images/d.img", "to": "evil.img"},
      {"action": "overwrite_truncate", "from": "evil.img", "to": "copy.img"},
      {"action": "truncate", "to": "evil-dir/stack.img", "size_bytes": 0},
      {"action": "overwrite_truncate", "from": "images/d.img", "to": "evil-dir/stack.img"},
      {"action": "atomic_replace", "from": "images/d.img", "to": "evil-dir/stack.img"},
      {"action": "evict", "path": "evil.img"}
    ]}],
    "expect": [{"fault_outcome": "ELOOP", "fault": "escape", "at_least": 8},
               {"fault_outcome": "ok", "fault": "escape", "at_most": 0}]})";
  fs::path run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  auto r = read_report(run);
  EXPECT_EQ(r.at("verdict"), "pass");
  int refused = 0;
  for (const auto& e : r.at("events"))
    if (e.at("type") == "fault" && e.value("fault", "") == "escape") {
      EXPECT_EQ(e.at("outcome"), "ELOOP") << e.dump();
      ++refused;
    }
  EXPECT_EQ(refused, 8);
  victim.expect_untouched();
  inside_dir.expect_untouched();
  EXPECT_EQ(std::distance(fs::directory_iterator(outside), fs::directory_iterator()), 1) << "a file appeared outside";
  EXPECT_TRUE(leftovers(run).empty());
  expect_nothing_left(tmp.path());
}

// The image a mount names is replaced by a symlink to a file outside the
// run directory: the harness must not loop-mount the outside file.
TEST(Hostile, PlantedSymlinkAsMountedImageIsRefused) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  // A real ext4 image outside the run directory: if the harness followed
  // the link it would mount (and then the faults would write) this one.
  fs::path outside_img = tmp.path() / "outside.img";
  {
    std::ofstream(outside_img).flush();
    fs::resize_file(outside_img, 4 << 20);
    auto mkfs = find_program("mkfs.ext4");
    ASSERT_TRUE(mkfs);
    ChildOptions o;
    ASSERT_TRUE(run_child({mkfs->string(), "-q", "-F", outside_img.string()}, o).succeeded());
  }
  FileState before = state_of(outside_img);
  fs::path sc = tmp.path() / "mount-symlink.json";
  std::ofstream(sc) << R"({"name": "mount-symlink", "timeout_s": 60,
    "images": [{"name": "d", "size_mib": 4, "files": [{"from": "/bin/true", "to": "true", "mode": "0755"}]}],
    "setup": [{"action": "run", "argv": ["/bin/ln", "-sf", ")" << outside_img.string() << R"(", "{work}/images/d.img"]}],
    "mounts": [{"image": "images/d.img", "mountpoint": "mnt", "options": "loop,rw"}],
    "workload": {"argv": ["{work}/mnt/true"], "iterations": 5},
    "expect": [{"classes": ["ok"], "at_least": 1}]})";
  fs::path run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()}, tmp.path());
  EXPECT_NE(res.exit_code, 0) << res.out << res.err;
  EXPECT_NE((res.out + res.err).find("ELOOP"), std::string::npos) << res.out << res.err;
  EXPECT_TRUE(before == state_of(outside_img)) << "the image outside the run directory changed";
  EXPECT_TRUE(loop_devices_under(tmp.path() / "outside.img").empty());
  EXPECT_TRUE(leftovers(run).empty());
  expect_nothing_left(tmp.path());
}

}  // namespace
}  // namespace harness::itest
