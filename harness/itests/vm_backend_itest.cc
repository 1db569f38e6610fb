// The vm backend end to end: the real CLI boots a real qemu VM with the
// Debian kernel, the guest agent runs the scenario on real loop mounts
// inside it, and report.json comes back on the host. After every test no
// process that holds a file of the test's run directory (qemu does) may be
// left, and no host loop device may be backed by a file there.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fmt/format.h>
#include <fstream>
#include <thread>

#include "itests/vm_itest_support.h"
#include "base/digest.h"
#include "vm/vm_backend.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>

namespace harness::itest {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// The issue's bar, measured as CI runs it: ten runs of a scenario, each in
// a fresh VM, two VMs at a time. An incident scenario must crash (SIGSEGV
// or SIGBUS) in at least 9 of 10; a control or hardened scenario must have
// no abnormal exit at all in 10 of 10 and pass every time.
struct VmTrial {
  const char* scenario;
  bool crashes;
};

std::ostream& operator<<(std::ostream& o, const VmTrial& t) { return o << t.scenario; }

class VmStatistics : public ::testing::TestWithParam<VmTrial> {};

TEST_P(VmStatistics, TenRunsInFreshVms) {
  HARNESS_REQUIRE_VM();
  constexpr unsigned kRuns = 10;
  const VmTrial& t = GetParam();
  VmRunDirs d(t.scenario);
  fs::path scenario = source_path(fmt::format("scenarios/{}.json", t.scenario));
  auto t0 = std::chrono::steady_clock::now();
  // One cache for all tests, as for all runs in reports/runs: one KVM probe.
  fs::path cache = VmItestDir::path_ / ".cache";
  auto res = run_harness({"run", "--backend", "vm", "--repeat", std::to_string(kRuns), "-j", "2", scenario.string(),
                          "--out", d.run.string(), "--vm-cache", cache.string()},
                         d.logs, seconds(1500));
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (t.crashes) {
    EXPECT_TRUE(res.exit_code == 0 || res.exit_code == 1) << res.out << res.err;
  } else {
    EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  }
  ASSERT_TRUE(fs::exists(d.run / "summary.json")) << res.out << res.err;
  json summary = json::parse(slurp(d.run / "summary.json"));
  ASSERT_EQ(summary.at("by_scenario").size(), 1u) << summary.dump(1);
  const json& pool = summary.at("by_scenario")[0];
  EXPECT_EQ(pool.at("runs").get<unsigned>(), kRuns);
  unsigned crashed = pool.at("runs_with_sigsegv_or_sigbus").get<unsigned>();
  unsigned abnormal = pool.at("runs_with_abnormal_exit").get<unsigned>();
  unsigned passed = pool.at("verdicts").value("pass", 0u);
  if (t.crashes) {
    EXPECT_GE(crashed, kRuns - 1) << pool.dump(1);
  } else {
    EXPECT_EQ(abnormal, 0u) << pool.dump(1);
    EXPECT_EQ(passed, kRuns) << pool.dump(1);
  }
  std::vector<double> durations;
  std::string accel;
  for (unsigned k = 1; k <= kRuns; ++k) {
    fs::path run = d.run / fmt::format("{}-{:02}", t.scenario, k);
    ASSERT_TRUE(fs::exists(run / "report.json")) << run;
    json r = read_report(run);
    expect_vm_report(r, run, cache);
    durations.push_back(r.at("run").at("duration_ms").get<double>() / 1000);
    accel = r.at("environment").at("accelerator").get<std::string>();
    // A scenario with a vm block says in its report that it was resized.
    if (slurp(scenario).find("\"vm\":") != std::string::npos) {
      EXPECT_EQ(r.at("environment").value("sizing", "").rfind("vm sizing: ", 0), 0u) << r.at("environment").dump();
    }
  }
  std::sort(durations.begin(), durations.end());
  const json& pooled = pool.at("pooled_under_fault");
  std::printf("[ figures  ] %s --backend vm (%s), %u runs, -j 2: SIGSEGV/SIGBUS in %u, any abnormal exit in %u, "
              "pass %u; pooled %s abnormal of %s execs under fault; run time median %.1f s (min %.1f, max %.1f); "
              "wall %.0f s\n",
              t.scenario, accel.c_str(), kRuns, crashed, abnormal, passed, pooled.at("abnormal").dump().c_str(),
              pooled.at("n").dump().c_str(), durations[kRuns / 2], durations.front(), durations.back(), wall);
  ::testing::Test::RecordProperty("runs_with_sigsegv_or_sigbus", static_cast<int>(crashed));
  ::testing::Test::RecordProperty("runs_with_abnormal_exit", static_cast<int>(abnormal));
  for (unsigned k = 1; k <= kRuns; ++k) expect_vm_gone(d.run / fmt::format("{}-{:02}", t.scenario, k));
}

INSTANTIATE_TEST_SUITE_P(Scenarios, VmStatistics,
                         ::testing::Values(VmTrial{"heroku-2017-truncation", true},
                                           VmTrial{"control-overwrite-identical", false},
                                           VmTrial{"control-atomic-replace", false},
                                           VmTrial{"control-drop-caches", false},
                                           VmTrial{"incident-replay", true},
                                           VmTrial{"incident-replay-hardened", false}),
                         [](const ::testing::TestParamInfo<VmTrial>& p) {
                           std::string n = p.param.scenario;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// A vmlinux in the cache that qemu refuses (here: an ELF header and
// nothing else) must not cost the run: it boots the bzImage, says why, and
// remembers, so later runs do not try the vmlinux again.
TEST(VmBackend, AVmlinuxQemuRefusesFallsBackToTheBzImageAndIsRemembered) {
  HARNESS_REQUIRE_VM();
  GuestKernel k = find_guest_kernel(std::nullopt);
  VmRunDirs d("refused-vmlinux");
  fs::path cache = d.logs / "cache";
  fs::create_directories(cache);
  fs::permissions(cache, fs::perms::owner_all, fs::perm_options::replace);
  std::string key = file_digest_hex(DigestAlgo::sha256, k.image).substr(0, 24);
  {
    std::ofstream bad(cache / ("vmlinux-" + key), std::ios::binary);
    bad << "\x7f" "ELF" << std::string(2000, '\0');
  }
  auto res = run_harness({"run", "--backend", "vm", source_path("scenarios/control-drop-caches.json"), "--out",
                          d.run.string(), "--vm-cache", cache.string()},
                         d.logs, seconds(600));
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  json r = read_report(d.run);
  const json& env = r.at("environment");
  EXPECT_EQ(env.at("guest_kernel_form"), "bzImage") << env.dump();
  std::string why = env.at("guest_kernel_form_reason").get<std::string>();
  EXPECT_NE(why.find("the PVH vmlinux did not boot"), std::string::npos) << why;
  EXPECT_NE(why.find("qemu exit 1"), std::string::npos) << why;
  EXPECT_EQ(r.at("verdict"), "pass");
  EXPECT_TRUE(fs::exists(cache / ("vmlinux-" + key + ".refused")));
  EXPECT_NE(slurp(cache / ("vmlinux-" + key + ".refused")).find("qemu"), std::string::npos);
  expect_vm_gone(d.run);
}

// The user's gate in VMs (examples/gate; gate_itest.cc runs it on the
// host): in every run the in-place installer fails on the write to the
// mounted image and the rename installer passes.
TEST(VmGate, InPlaceFailsAndRenamePassesInEveryRun) {
  HARNESS_REQUIRE_VM();
  constexpr unsigned kRuns = 2;
  fs::path cache = VmItestDir::path_ / ".cache";
  for (const char* scenario : {"gate-in-place", "gate-rename"}) {
    bool in_place = std::string(scenario) == "gate-in-place";
    VmRunDirs d(scenario);
    auto res = run_harness({"run", "--backend", "vm", "--repeat", std::to_string(kRuns), "-j", "2",
                            source_path(fmt::format("examples/gate/{}.json", scenario)), "--out", d.run.string(),
                            "--vm-cache", cache.string()},
                           d.logs, seconds(600));
    EXPECT_EQ(res.exit_code, in_place ? 1 : 0) << res.out << res.err;
    for (unsigned k = 1; k <= kRuns; ++k) {
      fs::path run = d.run / fmt::format("{}-{:02}", scenario, k);
      json r = read_report(run);
      expect_vm_report(r, run, cache);
      EXPECT_EQ(r.at("verdict"), in_place ? "fail" : "pass") << r.at("verdict_reasons").dump();
      bool invariant_failed = false;
      for (const auto& e : r.at("expectations"))
        if (e.at("text").get<std::string>().rfind("no write to", 0) == 0) invariant_failed = e.at("state") == "failed";
      EXPECT_EQ(invariant_failed, in_place) << r.at("expectations").dump();
      if (in_place) {
        // Named in the guest, with the action that started it.
        EXPECT_NE(r.at("writer_summary").get<std::string>().find("fault \"redeploy\""), std::string::npos)
            << r.at("writer_summary");
      }
    }
    expect_vm_gone(d.run);
  }
}

// A scenario whose one exec never ends (the exec limit is 10 minutes):
// the run lasts until its timeout or a signal.
fs::path hanging_scenario(const std::string& name, unsigned timeout_s) {
  return write_vm_scenario(VmItestDir::path_, name, fmt::format(R"({{
      "name": "{}", "description": "a workload that hangs",
      "timeout_s": {},
      "workload": {{"argv": ["{}/hang"], "iterations": 1, "exec_timeout_ms": 600000}},
      "faults": [{{"name": "idle", "schedule": {{"kind": "while_workload"}},
                   "actions": [{{"action": "sleep", "ms": 100}}]}}],
      "expect": [{{"classes": ["abnormal"], "at_most": 0}}]
    }})", name, timeout_s, TESTPROGS_DIR));
}

// The qemu processes among them (the harness names the run directory too).
bool qemu_running_for(const fs::path& run) {
  for (const auto& p : processes_naming(run))
    if (p.find("qemu-system") != std::string::npos) return true;
  return false;
}

// `harness run --backend vm` on a hanging scenario, in the background.
struct BackgroundVmRun {
  BackgroundVmRun(const VmRunDirs& d, const fs::path& scenario) : run(d.run) {
    o.stdout_file = d.logs / "stdout.txt";
    o.stderr_file = d.logs / "stderr.txt";
    o.timeout = seconds(300);
    child.emplace(std::vector<std::string>{HARNESS_BIN, "run", "--backend", "vm", scenario.string(), "--out",
                                           run.string()},
                  o);
  }
  // Until qemu runs (its console log exists and a process names the run).
  bool wait_for_qemu() {
    for (int i = 0; i < 600; ++i) {
      if (qemu_running_for(run)) return true;
      usleep(100 * 1000);
    }
    return false;
  }
  std::string output() const { return slurp(o.stdout_file) + slurp(o.stderr_file); }
  fs::path run;
  ChildOptions o;
  std::optional<Child> child;
};

TEST(VmBackend, HangingWorkloadIsStoppedAtTheTimeout) {
  HARNESS_REQUIRE_VM();
  VmRunDirs d("hang");
  // One exec that never ends and may take 10 minutes; the scenario allows 4 s.
  fs::path scenario = hanging_scenario("vm-hang", 4);
  // The test waits at most 5 minutes, less than the 10-minute exec limit:
  // only the scenario's timeout can end the run in time (a deadline, not
  // a measurement of speed).
  auto res = run_harness({"run", "--backend", "vm", scenario.string(), "--out", d.run.string()}, d.logs, seconds(300));
  EXPECT_EQ(res.exit_code, 1) << res.out << res.err;  // timeout counts as a failed expectation
  auto r = read_report(d.run);
  EXPECT_EQ(r.at("verdict"), "timeout") << r.dump(1).substr(0, 3000);
  EXPECT_TRUE(r.at("run").at("timed_out").get<bool>());
  expect_vm_gone(d.run);
}

// The VM cache decides what runs in the guest (the initramfs): it is made
// private even when it existed open to others, and another user's is
// refused.
// A user's scenario written for the host, without a "vm" block: 100 execs
// of 200 ms each need 20 s, its timeout allows 16. The warm-up's pace says
// so, the workload gets half the time left, and the verdict says the bound
// was not reached (inconclusive) instead of blaming a timeout (fail).
TEST(VmBackend, AScenarioWithoutAVmBlockIsCalibratedToItsTimeout) {
  HARNESS_REQUIRE_VM();
  VmRunDirs d("calibrated");
  fs::path scenario = write_vm_scenario(VmItestDir::path_, "vm-calibrated", R"({
      "name": "vm-calibrated", "description": "slow execs, no vm block",
      "timeout_s": 16,
      "workload": {"argv": ["/bin/sleep", "0.2"], "iterations": 100},
      "faults": [{"name": "idle", "schedule": {"kind": "while_workload"},
                  "actions": [{"action": "sleep", "ms": 100}]}],
      "expect": [{"classes": ["abnormal"], "at_most": 0}, {"min_execs_under_fault": 100}]
    })");
  auto res = run_harness({"run", "--backend", "vm", scenario.string(), "--out", d.run.string()}, d.logs, seconds(300));
  EXPECT_EQ(res.exit_code, 5) << res.out << res.err;
  auto r = read_report(d.run);
  EXPECT_EQ(r.at("verdict"), "inconclusive") << r.dump(1).substr(0, 3000);
  EXPECT_FALSE(r.at("run").at("timed_out").get<bool>());
  std::string sizing = r.at("environment").value("sizing", "");
  EXPECT_EQ(sizing.rfind("calibrated: the workload runs at most ", 0), 0u) << sizing;
  EXPECT_NE(res.out.find("sizing    calibrated:"), std::string::npos) << res.out;
  // How to get a decided verdict, on the terminal and in report.md's summary.
  const std::string hint = "for a decided verdict, give the scenario a \"vm\" block sized for a VM (about ";
  EXPECT_NE(res.out.find(hint), std::string::npos) << res.out;
  EXPECT_NE(slurp(d.run / "report.md").find("or raise timeout_s by at least "), std::string::npos)
      << slurp(d.run / "report.md").substr(0, 3000);
  unsigned long n = r.at("statistics").at("n").get<unsigned long>();
  EXPECT_GT(n, 0u);
  EXPECT_LT(n, 100u);
  expect_vm_gone(d.run);
}

// Background work of a `run` action in the guest (background_itest.cc runs
// the same on the host): a detached child (setsid) that rewrites the
// mounted image 300 ms after its action returned fails the gate, named as
// the action's; a `sleep` still running when the faults end is killed,
// comes back in the record, and makes the run inconclusive.
TEST(VmBackground, ADetachedChildRewritingTheMountedImageFailsAndALeftoverSleepIsInconclusive) {
  HARNESS_REQUIRE_VM();
  fs::path cache = VmItestDir::path_ / ".cache";
  {
    VmRunDirs d("detached");
    fs::path sc = write_vm_scenario(VmItestDir::path_, "vm-detached-writer",
                                 background_scenario("vm-detached-writer",
                                                     "setsid sh -c 'sleep 0.3; cat images/new.img > images/app.img' "
                                                     "detached-writer &",
                                                     4000)
                                     .dump(2));
    auto res = run_harness({"run", "--backend", "vm", sc.string(), "--out", d.run.string(), "--vm-cache", cache.string()},
                           d.logs, seconds(300));
    EXPECT_EQ(res.exit_code, 1) << res.out << res.err;
    json r = read_report(d.run);
    expect_vm_report(r, d.run, cache);
    EXPECT_EQ(r.at("verdict"), "fail") << r.at("verdict_reasons").dump(1);
    double returned = -1;
    std::string cgroup;
    for (const auto& e : r.at("events"))
      if (e.at("type") == "fault" && e.value("fault", "") == "redeploy") {
        EXPECT_EQ(e.value("outcome", ""), "ok") << e.dump();
        returned = e.value("t_end_ms", -1.0);
        cgroup = e.value("cgroup", "");
      }
    EXPECT_FALSE(cgroup.empty()) << "the guest kept the action in a cgroup of its own";
    ASSERT_FALSE(r.at("writers").empty()) << r.at("expectations").dump(1);
    const json& w = r.at("writers")[0];
    EXPECT_EQ(w.value("origin_fault", ""), "redeploy") << w.dump(1);
    EXPECT_EQ(w.value("cgroup", ""), cgroup) << w.dump(1);
    double wrote = w.value("t_open_ms", -1.0) >= 0 ? w.value("t_open_ms", -1.0) : w.value("t_ms", -1.0);
    EXPECT_GT(wrote, returned + 200) << "it wrote after its action had returned";
    // Under TCG its copy may still be running when the faults end: killed
    // then and listed as the action's; the write already failed the gate.
    for (const auto& s : r.at("survivors")) EXPECT_EQ(s.value("cgroup", ""), cgroup) << s.dump(1);
    expect_vm_gone(d.run);
  }
  {
    VmRunDirs d("leftover");
    fs::path sc = write_vm_scenario(VmItestDir::path_, "vm-left-running",
                                 background_scenario("vm-left-running", "sleep 317 & echo started", 4000).dump(2));
    auto res = run_harness({"run", "--backend", "vm", sc.string(), "--out", d.run.string(), "--vm-cache", cache.string()},
                           d.logs, seconds(300));
    EXPECT_EQ(res.exit_code, 5) << res.out << res.err;
    json r = read_report(d.run);
    EXPECT_EQ(r.at("verdict"), "inconclusive") << r.at("verdict_reasons").dump(1);
    ASSERT_EQ(r.at("survivors").size(), 1u) << r.at("survivors").dump(1);
    EXPECT_EQ(r.at("survivors")[0].at("argv"), json({"sleep", "317"}));
    EXPECT_EQ(r.at("survivors")[0].value("fault", ""), "redeploy");
    ASSERT_EQ(r.at("inconclusive_reasons").size(), 1u);
    EXPECT_NE(r.at("inconclusive_reasons")[0].get<std::string>().find("left `sleep 317`"), std::string::npos)
        << r.at("inconclusive_reasons").dump();
    expect_vm_gone(d.run);
  }
}

TEST(VmBackend, TheCacheFolderIsPrivate) {
  HARNESS_REQUIRE_VM();
  VmRunDirs d("cache");
  fs::path cache = VmItestDir::path_ / "private-cache";
  fs::create_directories(cache);
  chmod(cache.c_str(), 0755);
  fs::path scenario = write_vm_scenario(VmItestDir::path_, "vm-cache", R"({"name": "vm-cache", "timeout_s": 120,
    "workload": {"argv": ["/bin/true"], "iterations": 3},
    "faults": [{"name": "idle", "schedule": {"kind": "once"}, "actions": [{"action": "sleep", "ms": 1}]}],
    "expect": [{"classes": ["ok"], "at_least": 1}]})");
  auto res = run_harness({"run", "--backend", "vm", scenario.string(), "--out", d.run.string(), "--vm-cache",
                          cache.string()},
                         d.logs, seconds(300));
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  struct stat st {};
  ASSERT_EQ(stat(cache.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  expect_vm_gone(d.run);

  ASSERT_EQ(chown(cache.c_str(), 65534, 65534), 0);
  VmRunDirs other("cache-of-another-user");
  res = run_harness({"run", "--backend", "vm", scenario.string(), "--out", other.run.string(), "--vm-cache",
                     cache.string()},
                    other.logs, seconds(300));
  EXPECT_EQ(res.exit_code, 3) << res.out << res.err;
  EXPECT_NE((res.out + res.err).find("owned by uid 65534"), std::string::npos) << res.out << res.err;
  expect_vm_gone(other.run);
}

// Ctrl-C (SIGINT to the harness) stops the run at once: the VM is killed,
// not asked, and the report says interrupted.
TEST(VmBackend, CtrlCKillsTheVmAndRecordsAnInterruptedRun) {
  HARNESS_REQUIRE_VM();
  VmRunDirs d("sigint");
  // The scenario would run for an hour; BackgroundVmRun waits at most 5
  // minutes, so an exit at all shows that the signal ended the run.
  BackgroundVmRun bg(d, hanging_scenario("vm-long", 3600));
  ASSERT_TRUE(bg.wait_for_qemu()) << bg.output();
  usleep(1500 * 1000);
  ASSERT_EQ(kill(bg.child->pid(), SIGINT), 0);
  auto r = bg.child->wait();
  ASSERT_TRUE(WIFEXITED(r.wait_status)) << r.describe();
  EXPECT_EQ(WEXITSTATUS(r.wait_status), 130) << bg.output();
  auto rep = read_report(d.run);
  EXPECT_TRUE(rep.at("run").at("interrupted").get<bool>());
  expect_vm_gone(d.run);
}

// SIGKILL gives the harness no chance to clean up; PR_SET_PDEATHSIG must
// take qemu down with it.
TEST(VmBackend, QemuDiesWithAKilledHarness) {
  HARNESS_REQUIRE_VM();
  VmRunDirs d("sigkill");
  BackgroundVmRun bg(d, hanging_scenario("vm-long", 300));
  ASSERT_TRUE(bg.wait_for_qemu()) << bg.output();
  usleep(500 * 1000);
  ASSERT_EQ(kill(bg.child->pid(), SIGKILL), 0);
  bg.child->wait();
  expect_vm_gone(d.run);
}

// SIGINT, SIGTERM and SIGKILL at random moments of a vm run (preparing the
// initramfs, booting, running): never a qemu left behind, and for the
// catchable signals exit 130 with a report that says interrupted.
// HARNESS_VM_KILL_SEED=N replays a sequence.
TEST(VmBackend, SignalsAtRandomMomentsLeaveNoQemu) {
  HARNESS_REQUIRE_VM();
  const char* env_seed = std::getenv("HARNESS_VM_KILL_SEED");
  unsigned seed = env_seed ? static_cast<unsigned>(std::stoul(env_seed)) : std::random_device{}();
  std::mt19937 rng(seed);
  fs::path scenario = hanging_scenario("vm-killed", 300);
  std::map<std::string, int> counts;
  for (int sig : {SIGINT, SIGTERM, SIGKILL})
    for (int trial = 0; trial < 4; ++trial) {
      // One in four early (before or as qemu starts), the rest over boot
      // and the first seconds of the run.
      int delay_ms = std::uniform_int_distribution<int>(0, 3)(rng) == 0
                         ? std::uniform_int_distribution<int>(0, 150)(rng)
                         : std::uniform_int_distribution<int>(0, 4000)(rng);
      VmRunDirs d(fmt::format("{}-{}", sigabbrev_np(sig), trial));
      SCOPED_TRACE(fmt::format("SIG{} after {} ms (HARNESS_VM_KILL_SEED={})", sigabbrev_np(sig), delay_ms, seed));
      BackgroundVmRun bg(d, scenario);
      usleep(static_cast<useconds_t>(delay_ms) * 1000);
      bool qemu_was_running = qemu_running_for(d.run);
      ASSERT_EQ(kill(bg.child->pid(), sig), 0);
      auto r = bg.child->wait();
      if (sig == SIGKILL) {
        EXPECT_TRUE(WIFSIGNALED(r.wait_status) && WTERMSIG(r.wait_status) == SIGKILL) << r.describe();
        // What is left (work/, the scratch disk) is gc's; qemu must be gone.
        expect_vm_gone(d.run);
        auto gc = run_harness({"gc", d.run.parent_path().string()}, d.logs, seconds(60));
        EXPECT_EQ(gc.exit_code, 0) << gc.err;
        EXPECT_FALSE(fs::exists(d.run / "work")) << gc.out;
      } else if (WIFEXITED(r.wait_status)) {
        EXPECT_EQ(WEXITSTATUS(r.wait_status), 130) << bg.output();
        if (fs::exists(d.run / "report.json")) {
          EXPECT_TRUE(read_report(d.run).at("run").at("interrupted").get<bool>());
        }
        EXPECT_FALSE(fs::exists(d.run / "work")) << "work/ left by an interrupted run";
        expect_vm_gone(d.run);
      } else {
        // Killed by the signal itself: it came before the handler was in
        // place, so nothing may exist yet.
        EXPECT_TRUE(WIFSIGNALED(r.wait_status) && WTERMSIG(r.wait_status) == sig) << r.describe();
        EXPECT_FALSE(fs::exists(d.run)) << bg.output();
      }
      ++counts[fmt::format("SIG{} {}", sigabbrev_np(sig), qemu_was_running ? "with qemu running" : "before qemu")];
    }
  std::string figures;
  for (const auto& [k, n] : counts) figures += fmt::format(" {}={}", k, n);
  std::printf("[ figures  ] vm kills (seed %u):%s\n", seed, figures.c_str());
}

// Refusals: before anything runs, the exit code says why, the message says
// what to do, and the run directory is never created.
struct Refusal {
  const char* name;
  std::vector<std::string> argv_before;  // e.g. env PATH=... (empty: none)
  std::vector<std::string> options;      // after "run"
  int exit_code;
  std::vector<std::string> says;
};

std::ostream& operator<<(std::ostream& o, const Refusal& r) { return o << r.name; }

class VmRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(VmRefusal, NothingIsCreated) {
  const Refusal& r = GetParam();
  VmRunDirs d(r.name);
  std::vector<std::string> argv = r.argv_before;
  argv.push_back(HARNESS_BIN);
  argv.push_back("run");
  argv.insert(argv.end(), r.options.begin(), r.options.end());
  argv.insert(argv.end(), {source_path("scenarios/heroku-2017-truncation.json"), "--out", d.run.string()});
  auto res = run_argv(argv, d.logs, seconds(60));
  EXPECT_EQ(res.exit_code, r.exit_code) << res.out << res.err;
  for (const auto& s : r.says) EXPECT_NE(res.err.find(s), std::string::npos) << s << " not in: " << res.err;
  EXPECT_FALSE(fs::exists(d.run));
}

INSTANTIATE_TEST_SUITE_P(
    VmBackend, VmRefusal,
    ::testing::Values(
        Refusal{"unknown_accelerator", {}, {"--backend", "vm", "--accel", "hvf"}, 2, {"hvf"}},
        // A PATH with the sbin tools (mkfs.ext4) but not /usr/bin, where qemu is.
        Refusal{"no_qemu",
                {"/usr/bin/env", "PATH=/usr/sbin:/sbin"},
                {"--backend", "vm"},
                3,
                {"apt-get install -y qemu-system-x86", "--backend host"}},
        Refusal{"unreadable_kernel", {}, {"--backend", "vm", "--kernel", "/nonexistent/vmlinuz"}, 3,
                {"/nonexistent/vmlinuz"}},
        // -j is for VMs; concurrent host runs would share one page cache.
        Refusal{"parallel_host_runs", {}, {"--backend", "host", "-j", "2"}, 2, {"page cache"}}),
    [](const ::testing::TestParamInfo<Refusal>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace harness::itest
