// Every shipped scenario, run for real through the CLI on this machine's
// loop devices; plus the CLI's contract for bad input, timeouts and
// interruption. These need root and /dev/loop-control, which CI has.
#include <gtest/gtest.h>

#include <thread>

#include "itests/itest_support.h"

namespace harness::itest {
namespace {

const char* kClasses[] = {"ok", "exit_nonzero", "sigsegv", "sigbus", "sigill",
                          "other_signal", "exec_failed", "hung"};

void expect_result_contract(const nlohmann::json& r) {
  ASSERT_TRUE(r.contains("scenario"));
  ASSERT_TRUE(r.contains("verdict"));
  ASSERT_TRUE(r.contains("events"));
  for (const char* c : kClasses) EXPECT_TRUE(r.at("counts").contains(c)) << c;
  unsigned long execs = 0, faults = 0;
  for (const auto& e : r.at("events")) {
    if (e.at("type") == "exec") ++execs;
    if (e.at("type") == "fault") ++faults;
  }
  unsigned long total = 0;
  for (const char* c : kClasses) total += count_of(r, c);
  EXPECT_EQ(execs, total);
  EXPECT_GT(faults, 0u);
}

TEST(ShippedScenarios, HerokuTruncationReproducesTheCrash) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  auto run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", source_path("scenarios/heroku-2017-truncation.json"), "--out", run.string()},
                         tmp.path());
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  auto r = read_report(run);
  expect_result_contract(r);
  EXPECT_EQ(r.at("verdict"), "pass");
  EXPECT_GT(count_of(r, "sigsegv") + count_of(r, "sigbus"), 0u) << r.at("counts").dump();
  EXPECT_NE(res.out.find("verdict   pass"), std::string::npos) << res.out;
  ASSERT_EQ(r.at("mounts").size(), 1u);
  EXPECT_EQ(r.at("mounts")[0].at("loop_device").get<std::string>().rfind("/dev/loop", 0), 0u);
  EXPECT_TRUE(r.at("mounts")[0].at("autoclear").get<bool>());
  expect_nothing_left(tmp.path());
}

class ControlScenario : public ::testing::TestWithParam<const char*> {};

TEST_P(ControlScenario, HasNoAbnormalExit) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  auto run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", source_path(std::string("scenarios/") + GetParam() + ".json"),
                          "--out", run.string()},
                         tmp.path());
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  auto r = read_report(run);
  expect_result_contract(r);
  EXPECT_EQ(r.at("verdict"), "pass");
  unsigned long abnormal = 0;
  for (const char* c : kClasses)
    if (std::string(c) != "ok") abnormal += count_of(r, c);
  EXPECT_EQ(abnormal, 0u) << r.at("counts").dump();
  EXPECT_GE(r.at("statistics").at("n").get<unsigned long>(), 1000u);
  EXPECT_LT(r.at("statistics").at("upper95_one_sided").get<double>(), 0.0031);
  expect_nothing_left(tmp.path());
}

INSTANTIATE_TEST_SUITE_P(Controls, ControlScenario,
                         ::testing::Values("control-overwrite-identical", "control-atomic-replace",
                                           "control-drop-caches"));

TEST(Cli, InvalidScenarioExits2WithLocationAndCreatesNothing) {
  TempDir tmp;
  auto bad = tmp.path() / "bad.json";
  std::ofstream(bad) << "{\n  \"name\": \"bad\",\n  \"timeout_s\": 10,\n  \"workload\": {\"argv\": [\"/bin/true\"], \"iterations\": 1},\n"
                        "  \"faults\": [{\"name\": \"x\", \"schedule\": {\"kind\": \"once\"},\n"
                        "    \"actions\": [{\"action\": \"truncate\", \"to\": \"/etc/passwd\"}]}],\n"
                        "  \"expect\": [{\"classes\": [\"ok\"], \"at_least\": 1}]\n}\n";
  auto run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", bad.string(), "--out", run.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_NE(res.err.find(bad.string() + ":6:"), std::string::npos) << res.err;
  EXPECT_NE(res.err.find("$.faults[0].actions[0].to"), std::string::npos) << res.err;
  EXPECT_FALSE(fs::exists(run));
  expect_nothing_left(tmp.path());
}

TEST(Cli, MalformedJsonExits2) {
  TempDir tmp;
  auto bad = tmp.path() / "broken.json";
  std::ofstream(bad) << "{\n  \"name\": \"x\"\n  \"timeout_s\": 1\n}\n";
  auto res = run_harness({"validate", bad.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_NE(res.err.find(bad.string() + ":3:"), std::string::npos) << res.err;
}

TEST(Cli, ValidateAcceptsEveryShippedScenario) {
  TempDir tmp;
  std::vector<std::string> args{"validate"};
  for (const auto& e : fs::directory_iterator(source_path("scenarios")))
    if (e.path().extension() == ".json" && e.path().filename() != "schema.json") args.push_back(e.path().string());
  auto res = run_harness(args, tmp.path());
  EXPECT_EQ(res.exit_code, 0) << res.err;
}

TEST(Cli, UnusableRunDirectoryExits3) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  auto res = run_harness({"run", "--backend", "host", source_path("scenarios/control-drop-caches.json"), "--out",
                          "/proc/harness-cannot-write-here"},
                         tmp.path());
  EXPECT_EQ(res.exit_code, 3) << res.err;
  EXPECT_NE(res.err.find("--out"), std::string::npos) << res.err;
}

// A scenario whose workload hangs: killed at the per-exec timeout is `hung`;
// a run that outlives timeout_s is stopped with the verdict `timeout`.
TEST(Cli, ScenarioTimeoutIsItsOwnVerdict) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  auto sc = tmp.path() / "hang.json";
  std::ofstream(sc) << R"({"name": "hang", "timeout_s": 2,
    "workload": {"argv": [")" << TESTPROGS_DIR << R"(/hang"], "iterations": 5, "exec_timeout_ms": 600000},
    "expect": [{"classes": ["ok"], "at_least": 1}]})";
  auto run = tmp.path() / "run";
  // The exec may take 10 minutes and the test waits at most 2: only the
  // scenario's timeout can end the run in time (a deadline, not a speed).
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()}, tmp.path(),
                         std::chrono::seconds(120));
  EXPECT_EQ(res.exit_code, 1) << res.out << res.err;
  auto r = read_report(run);
  EXPECT_EQ(r.at("verdict"), "timeout");
  EXPECT_TRUE(r.at("run").at("timed_out").get<bool>());
}

// The workload hangs once a fault has made it (its warm-up must be clean):
// each exec killed at the per-exec timeout is `hung`.
TEST(Cli, HungExecIsClassified) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  auto sc = tmp.path() / "hung.json";
  std::ofstream(sc) << R"({"name": "hung", "timeout_s": 30,
    "workload": {"argv": ["/bin/sh", "-c", "[ -e {work}/hang-now ] && exec )" << TESTPROGS_DIR << R"(/hang; true"],
                 "iterations": 200, "exec_timeout_ms": 1500, "warmup": 2},
    "faults": [{"name": "make-it-hang", "schedule": {"kind": "once"},
                "actions": [{"action": "run", "argv": ["/bin/touch", "{work}/hang-now"]}]}],
    "expect": [{"classes": ["hung"], "at_least": 2}]})";
  auto run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  auto r = read_report(run);
  EXPECT_EQ(r.at("counts_warmup").at("ok"), 2u);
  EXPECT_GE(r.at("counts_under_fault").at("hung").get<unsigned long>(), 2u);
}

// A workload that fails by itself reproduces nothing: its verdict is
// inconclusive (exit 5), never pass, even though the "crash" it expects
// happens under fault too.
TEST(Cli, AWorkloadThatFailsWithoutAFaultIsInconclusive) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  auto sc = tmp.path() / "self-crash.json";
  std::ofstream(sc) << R"({"name": "self-crash", "timeout_s": 30,
    "workload": {"argv": [")" << TESTPROGS_DIR << R"(/segv"], "iterations": 5, "warmup": 2},
    "faults": [{"name": "nothing", "schedule": {"kind": "once"}, "actions": [{"action": "sleep", "ms": 1}]}],
    "expect": [{"classes": ["sigsegv"], "at_least": 1}]})";
  auto run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 5) << res.out << res.err;
  auto r = read_report(run);
  EXPECT_EQ(r.at("verdict"), "inconclusive");
  ASSERT_FALSE(r.at("inconclusive_reasons").empty());
  EXPECT_NE(r.at("inconclusive_reasons")[0].get<std::string>().find("the workload fails without any fault"),
            std::string::npos)
      << r.at("inconclusive_reasons").dump();
  EXPECT_NE(res.out.find("inconclusive"), std::string::npos) << res.out;
}

// A fault whose schedule starts after the workload ended never acts: the
// run cannot pass, and the reason names the fault.
TEST(Cli, AFaultThatNeverFiresIsInconclusive) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  auto sc = tmp.path() / "late.json";
  std::ofstream(sc) << R"({"name": "late", "timeout_s": 30,
    "workload": {"argv": ["/bin/true"], "duration_ms": 300, "warmup": 2},
    "faults": [{"name": "too-late", "schedule": {"kind": "once", "after_ms": 20000},
                "actions": [{"action": "sleep", "ms": 1}]}],
    "expect": [{"classes": ["abnormal"], "at_most": 0}]})";
  auto run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 5) << res.out << res.err;
  auto r = read_report(run);
  EXPECT_EQ(r.at("verdict"), "inconclusive");
  EXPECT_EQ(r.at("statistics").at("n"), 0u);
  ASSERT_EQ(r.at("inconclusive_reasons").size(), 1u);
  EXPECT_NE(r.at("inconclusive_reasons")[0].get<std::string>().find("\"too-late\" never fired"), std::string::npos)
      << r.at("inconclusive_reasons").dump();
}

// Ctrl-C (and SIGTERM) in the middle of the workload: the run stops, the
// report says so, and no loop device or mount of it remains.
class Interrupt : public ::testing::TestWithParam<int> {};

TEST_P(Interrupt, MidWorkloadLeavesNothingBehind) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  auto run = tmp.path() / "run";
  ChildOptions o;
  o.stdout_file = tmp.path() / "stdout.txt";
  o.stderr_file = tmp.path() / "stderr.txt";
  o.timeout = std::chrono::seconds(120);
  // --no-early-stop: the run must still be going when the signal comes.
  Child c({HARNESS_BIN, "run", "--backend", "host", "--no-early-stop",
           source_path("scenarios/heroku-2017-truncation.json"), "--out", run.string()},
          o);
  // Wait for the fault phase (the plain log line on a non-terminal), then
  // a little longer so execs and overwrites are in flight.
  bool in_faults = false;
  for (int i = 0; i < 600 && !in_faults; ++i) {
    in_faults = slurp(o.stderr_file).find("] faults") != std::string::npos;
    if (!in_faults) usleep(50 * 1000);
  }
  ASSERT_TRUE(in_faults) << slurp(o.stderr_file);
  // Controls: the leak checks below can see what a live run holds, its
  // mount included, though that lives in the harness's own namespace.
  EXPECT_FALSE(loop_devices_under(tmp.path()).empty()) << "the run should hold a loop device now";
  EXPECT_FALSE(mounts_under(tmp.path()).empty()) << "the run should hold a mount now";
  usleep(300 * 1000);
  ASSERT_EQ(kill(c.pid(), GetParam()), 0);
  auto r = c.wait();
  ASSERT_TRUE(WIFEXITED(r.wait_status)) << r.describe();
  EXPECT_EQ(WEXITSTATUS(r.wait_status), 130);
  auto report = read_report(run);
  EXPECT_TRUE(report.at("run").at("interrupted").get<bool>());
  EXPECT_EQ(report.at("verdict"), "error");
  EXPECT_FALSE(fs::exists(run / "work"));
  expect_nothing_left(tmp.path());
}

INSTANTIATE_TEST_SUITE_P(Signals, Interrupt, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& p) { return p.param == SIGINT ? "SIGINT" : "SIGTERM"; });

}  // namespace
}  // namespace harness::itest
