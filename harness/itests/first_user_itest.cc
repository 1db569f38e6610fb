// What a first-time user meets (issue 17): every mistake a newcomer makes
// with a scenario or the command line gets its documented exit code and a
// message naming the scenario field it came from -- a missing program
// before anything is created, a program missing inside an image before any
// fault runs -- and a run that could not start prints no expectation
// result. Through the real CLI, as root, as CI runs it.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "itests/itest_support.h"
#include "testing/test_support.h"

namespace harness::itest {
namespace {

using testing::has;

using nlohmann::json;


// A gate-like scenario in `dir`: an image with sleep, installed by
// `installer` (setup and fault), mounted, and `workload` run from it.
fs::path write_gate(const fs::path& dir, const std::string& installer, const std::string& workload,
                    const std::string& mounted = "data/app.img") {
  fs::path f = dir / "gate.json";
  std::ofstream(f) << R"({
  "name": "gate",
  "timeout_s": 60,
  "images": [{"name": "app", "path": "store/app.img", "size_mib": 4,
              "files": [{"from": "/bin/sleep", "to": "sleep", "mode": "0755"}]}],
  "setup": [{"action": "run", "argv": [")" << installer << R"(", "{work}/store", "{work}/data", "app"]}],
  "mounts": [{"image": ")" << mounted << R"(", "mountpoint": "mnt/app"}],
  "workload": {"argv": [")" << workload << R"(", "0.001"], "iterations": 50, "warmup": 2},
  "faults": [{"name": "redeploy", "schedule": {"kind": "every", "interval_ms": 50},
              "actions": [{"action": "run", "argv": [")" << installer << R"(", "{work}/store", "{work}/data", "app"]}]}],
  "expect": [{"no_write_while_mounted": ")" << mounted << R"("}, {"classes": ["abnormal"], "at_most": 0}]
})";
  return f;
}

fs::path installer_beside(const fs::path& dir) {
  fs::copy_file(source_path("examples/gate/install-rename.sh"), dir / "install.sh");
  return dir / "install.sh";
}

TEST(FirstUser, AMissingWorkloadProgramIsExit2AtValidationAndCreatesNothing) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  installer_beside(tmp.path());
  fs::path sc = write_gate(tmp.path(), "{scenario_dir}/install.sh", "/opt/nonexistent/sleep");
  auto run = tmp.path() / "run";
  for (auto args : {std::vector<std::string>{"validate", sc.string()},
                    std::vector<std::string>{"run", "--backend", "host", sc.string(), "--out", run.string()}}) {
    auto res = run_harness(args, tmp.path());
    EXPECT_EQ(res.exit_code, 2) << args[0] << "\n" << res.out << res.err;
    EXPECT_TRUE(has(res.err, sc.string() + ":8:") && has(res.err, "$.workload.argv[0]")) << res.err;
    EXPECT_TRUE(has(res.err, "/opt/nonexistent/sleep does not exist (ENOENT)")) << res.err;
  }
  EXPECT_FALSE(fs::exists(run));
}

TEST(FirstUser, AMissingRunScriptIsExit2AtValidationAndNeverBlamesPath) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  installer_beside(tmp.path());
  fs::path sc = write_gate(tmp.path(), "{scenario_dir}/instal.sh", "{work}/mnt/app/sleep");
  auto run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 2) << res.out << res.err;
  EXPECT_TRUE(has(res.err, sc.string() + ":6:") && has(res.err, "$.setup[0].argv[0]")) << res.err;
  EXPECT_TRUE(has(res.err, (tmp.path() / "instal.sh").string() + " does not exist (ENOENT)")) << res.err;
  EXPECT_TRUE(has(res.err, "did you mean")) << res.err;
  EXPECT_FALSE(has(res.err, "PATH")) << res.err;
  EXPECT_FALSE(has(res.out, "held")) << res.out;
  EXPECT_FALSE(fs::exists(run));
  auto v = run_harness({"validate", sc.string()}, tmp.path());
  EXPECT_EQ(v.exit_code, 2) << v.err;
}

// A program inside the image exists only once it is mounted: the warm-up
// finds it missing, the run stops before any fault, exit 2 names the
// field and the errno, and no expectation is reported as held.
TEST(FirstUser, AProgramMissingInsideTheImageStopsAfterTheWarmUpWithExit2) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  installer_beside(tmp.path());
  fs::path sc = write_gate(tmp.path(), "{scenario_dir}/install.sh", "{work}/mnt/app/slep");
  auto run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 2) << res.out << res.err;
  EXPECT_TRUE(has(res.out, sc.string() + ":8:") && has(res.out, "$.workload.argv[0]")) << res.out;
  EXPECT_TRUE(has(res.out, "/mnt/app/slep does not exist (ENOENT)")) << res.out;
  EXPECT_TRUE(has(res.out, "did you mean")) << res.out;
  EXPECT_TRUE(has(res.out, "no fault was run")) << res.out;
  EXPECT_FALSE(has(res.out, "held:")) << res.out;
  json r = read_report(run);
  EXPECT_EQ(r.at("verdict"), "error");
  for (const auto& e : r.at("events")) {
    if (e.at("type") != "fault") continue;
    EXPECT_EQ(e.at("fault"), "setup") << "a fault ran: " << e.dump();
  }
  EXPECT_EQ(r.at("execs").at("under_fault"), 0u);
  EXPECT_TRUE(r.at("inconclusive_reasons").empty()) << r.at("inconclusive_reasons").dump();
  for (const auto& e : r.at("expectations")) EXPECT_EQ(e.at("state"), "undecided") << e.dump();
  for (const auto& reason : r.at("verdict_reasons"))
    EXPECT_EQ(reason.get<std::string>().rfind("error: ", 0), 0u) << r.at("verdict_reasons").dump();
  expect_nothing_left(tmp.path());
}

TEST(FirstUser, AMountedImageNothingMakesIsExit2NamingItsMount) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  installer_beside(tmp.path());
  // Made by a setup `run` action: known only when the run gets there.
  fs::path sc = write_gate(tmp.path(), "{scenario_dir}/install.sh", "{work}/mnt/app/sleep", "data/apps.img");
  auto run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 2) << res.out << res.err;
  EXPECT_TRUE(has(res.out, sc.string() + ":7:") && has(res.out, "$.mounts[0].image")) << res.out;
  EXPECT_TRUE(has(res.out, "data/apps.img does not exist after setup")) << res.out;
  EXPECT_TRUE(has(res.out, "did you mean \"data/app.img\"?")) << res.out;
  EXPECT_FALSE(has(res.out, "held:")) << res.out;
  expect_nothing_left(tmp.path());
  // Without a setup `run` action, validation itself sees that nothing makes it.
  fs::path direct = tmp.path() / "direct.json";
  std::ofstream(direct) << R"({"name": "direct", "timeout_s": 30,
    "images": [{"name": "demo", "size_mib": 4}],
    "mounts": [{"image": "images/dmeo.img", "mountpoint": "mnt/demo"}],
    "workload": {"argv": ["/bin/true"], "iterations": 5},
    "expect": [{"classes": ["abnormal"], "at_most": 0}]})";
  auto v = run_harness({"validate", direct.string()}, tmp.path());
  EXPECT_EQ(v.exit_code, 2) << v.err;
  EXPECT_TRUE(has(v.err, direct.string() + ":3:") && has(v.err, "$.mounts[0].image")) << v.err;
  EXPECT_TRUE(has(v.err, "did you mean \"images/demo.img\"?")) << v.err;
}

// Usage mistakes are exit 2: re-running into an --out that holds a run,
// `harness list` where there is no scenarios/ folder or of a folder that
// does not exist. A runs folder lists its runs.
TEST(FirstUser, UsageMistakesAreExit2AndAListOfRunsListsThem) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  auto run = tmp.path() / "runs" / "heroku";
  // The subject is the CLI, not the control's claim (scenarios_itest runs
  // that in full): 200 execs under fault, not 1000, so that the run has
  // its 60 s many times over beside a VM lane on a busy 2-core machine.
  fs::path control = shortened("control-drop-caches", tmp.path(), 200, /*early_stop=*/true);
  auto first = run_harness({"run", "--backend", "host", control.string(), "--out", run.string()}, tmp.path());
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  // The first line says where it ran, and why.
  EXPECT_EQ(first.out.rfind("backend   host (--backend host)\n", 0), 0u) << first.out;
  std::string before = slurp(run / "report.json");
  auto again = run_harness({"run", "--backend", "host", control.string(), "--out", run.string()}, tmp.path());
  EXPECT_EQ(again.exit_code, 2) << again.out << again.err;
  EXPECT_TRUE(has(again.err, "already holds a run")) << again.err;
  EXPECT_EQ(slurp(run / "report.json"), before);

  auto list = run_harness({"list"}, tmp.path());  // no scenarios/ here
  EXPECT_EQ(list.exit_code, 2) << list.out << list.err;
  EXPECT_TRUE(has(list.err, "harness list DIR")) << list.err;
  auto missing = run_harness({"list", (tmp.path() / "nope").string()}, tmp.path());
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_TRUE(has(missing.err, "does not exist")) << missing.err;

  auto runs = run_harness({"list", (tmp.path() / "runs").string()}, tmp.path());
  EXPECT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_TRUE(has(runs.out, "pass") && has(runs.out, "control-drop-caches") && has(runs.out, run.string()))
      << runs.out;
  auto runs_json = run_harness({"list", (tmp.path() / "runs").string(), "--json"}, tmp.path());
  json j = json::parse(runs_json.out);
  ASSERT_EQ(j.size(), 1u) << runs_json.out;
  EXPECT_EQ(j[0].at("verdict"), "pass");

  // doctor reads the VM cache where runs in this folder keep it.
  auto doctor = run_harness({"doctor", "--runs", (tmp.path() / "runs").string()}, tmp.path());
  EXPECT_TRUE(has(doctor.out, (tmp.path() / "runs" / ".cache" / "accelerator.json").string())) << doctor.out;
}

}  // namespace
}  // namespace harness::itest
