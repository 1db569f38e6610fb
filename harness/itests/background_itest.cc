// Background work of a `run` action is part of the installer, through the
// real CLI as root on the host: a detached child (setsid, out of the
// action's group and session) that rewrites the mounted image after its
// action returned fails the gate and is named as the action's; one still
// running when the faults end is killed, listed, and makes the run
// inconclusive; nothing of either outlives the run.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <random>

#include "base/cgroup.h"
#include "itests/itest_support.h"

namespace harness::itest {
namespace {

using nlohmann::json;

json run_file(const TempDir& tmp, const json& s, int want_exit) {
  fs::path file = tmp.path() / (s.at("name").get<std::string>() + ".json");
  std::ofstream(file) << s.dump(2);
  fs::path out = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", file.string(), "--out", out.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, want_exit) << res.out << res.err;
  expect_nothing_left(out);
  return read_report(out);
}

// The run's cgroup (the parent of its actions' cgroups) is gone.
void expect_cgroups_gone(const json& report) {
  std::string why;
  auto ours = own_cgroup2(why);
  ASSERT_TRUE(ours) << why;
  bool any = false;
  for (const auto& e : report.at("events")) {
    std::string cg = e.value("cgroup", "");
    if (cg.empty()) continue;
    any = true;
    fs::path rel = fs::path(cg).lexically_relative(ours->proc_path);
    fs::path run_cgroup = ours->dir / *rel.begin();
    EXPECT_FALSE(fs::exists(run_cgroup)) << run_cgroup << " outlived the run";
  }
  EXPECT_TRUE(any) << "no run action recorded its cgroup";
}

TEST(Background, ADetachedChildRewritingTheMountedImageAfterItsActionReturnedFailsTheGate) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  const std::string token = unique_token("detached");
  // The deploy script hands the copy to a detached child and returns at
  // once; the child rewrites the mounted image 300 ms later.
  json r = run_file(tmp,
                    background_scenario("detached-writer", "setsid sh -c 'sleep 0.3; cat images/new.img > images/app.img' " +
                                                               token + " &", 2000),
                    1);
  EXPECT_EQ(r.at("verdict"), "fail") << r.at("verdict_reasons").dump(1);
  auto deploys = fault_events(r, "redeploy");
  ASSERT_EQ(deploys.size(), 1u);
  EXPECT_EQ(deploys[0].value("outcome", ""), "ok") << deploys[0].dump();
  double returned = deploys[0].value("t_end_ms", 0.0);
  // The writer: the detached shell (its own session), after its action
  // had returned, named as that action's.
  ASSERT_FALSE(r.at("writers").empty()) << r.at("expectations").dump(1);
  const json& w = r.at("writers")[0];
  EXPECT_EQ(w.value("origin", ""), "run_action") << w.dump(1);
  EXPECT_EQ(w.value("origin_fault", ""), "redeploy") << w.dump(1);
  EXPECT_EQ(w.value("cgroup", ""), deploys[0].value("cgroup", "?")) << w.dump(1);
  double wrote = w.value("t_open_ms", -1.0) >= 0 ? w.value("t_open_ms", -1.0) : w.value("t_ms", -1.0);
  EXPECT_GT(wrote, returned + 200) << "it wrote after its action had returned";
  const json* inv = nullptr;
  for (const auto& e : r.at("expectations"))
    if (e.value("text", "").rfind("no write to", 0) == 0) inv = &e;
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->value("state", ""), "failed") << inv->dump();
  EXPECT_NE(inv->value("detail", "").find("fault \"redeploy\""), std::string::npos) << inv->dump();
  // It wrote and ended by itself: nothing was left to kill.
  EXPECT_TRUE(r.at("survivors").empty()) << r.at("survivors").dump(1);
  EXPECT_TRUE(survivors(token).empty());
  expect_cgroups_gone(r);
}

TEST(Background, ASleepStillRunningWhenTheFaultsEndIsKilledListedAndMakesTheRunInconclusive) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  // `sleep 317.NNNNNN`: a command line no other process has.
  const std::string seconds = fmt::format("317.{:06}", std::random_device{}() % 1000000);
  json s = background_scenario("left-running", "sleep " + seconds + " & echo started", 2000);
  json r = run_file(tmp, s, 5);
  EXPECT_EQ(r.at("verdict"), "inconclusive") << r.at("verdict_reasons").dump(1);
  auto deploys = fault_events(r, "redeploy");
  ASSERT_EQ(deploys.size(), 1u);
  EXPECT_EQ(deploys[0].value("outcome", ""), "ok") << "the action itself returned at once";
  ASSERT_EQ(r.at("survivors").size(), 1u) << r.at("survivors").dump(1);
  const json& left = r.at("survivors")[0];
  EXPECT_EQ(left.at("argv"), json({"sleep", seconds})) << left.dump(1);
  EXPECT_EQ(left.value("fault", ""), "redeploy");
  EXPECT_EQ(left.value("action_pid", 0), deploys[0].value("pid", -1));
  EXPECT_EQ(left.value("cgroup", ""), deploys[0].value("cgroup", "?"));
  EXPECT_EQ(left.value("action", ""), "fault \"redeploy\" (deploy.sh)");
  // Killed once the faults had ended: after the workload's 2 s.
  EXPECT_GT(left.value("t_killed_ms", 0.0), deploys[0].value("t_end_ms", 0.0) + 1500) << left.dump(1);
  const auto& reasons = r.at("inconclusive_reasons");
  ASSERT_EQ(reasons.size(), 1u) << reasons.dump(1);
  std::string why = reasons[0].get<std::string>();
  EXPECT_NE(why.find("fault \"redeploy\" (deploy.sh) left `sleep " + seconds + "`"), std::string::npos) << why;
  EXPECT_NE(why.find("`wait`"), std::string::npos) << why;
  // The expectation itself held: the verdict is inconclusive, never pass.
  EXPECT_EQ(r.at("expectations")[0].value("state", ""), "held");
  std::string md = slurp(tmp.path() / "run" / "report.md");
  EXPECT_NE(md.find("## Killed at teardown"), std::string::npos);
  EXPECT_NE(md.find("sleep " + seconds), std::string::npos);
  EXPECT_TRUE(processes_with(seconds).empty()) << "killed at teardown";
  EXPECT_TRUE(survivors(seconds).empty());
  expect_cgroups_gone(r);
}

TEST(Background, ASetupActionIsDoneOnlyWhenItsBackgroundWorkIs) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  // setup's background copy finishes before the image is mounted: the
  // mount sees the complete file, and nothing of setup runs into the faults.
  json s = background_scenario("setup-waits", "cmp images/new.img images/app.img", 2000);
  s["setup"] = {{{"action", "run"},
                 {"argv", {"/bin/sh", "-c", "(sleep 0.3; cp images/new.img images/app.img) & echo started"}}}};
  s["expect"] = {{{"image_unchanged", "images/app.img"}}};
  json r = run_file(tmp, s, 0);
  EXPECT_EQ(r.at("verdict"), "pass") << r.at("verdict_reasons").dump(1);
  auto setup = fault_events(r, "setup");
  ASSERT_EQ(setup.size(), 1u);
  EXPECT_EQ(setup[0].value("outcome", ""), "ok");
  EXPECT_GE(setup[0].value("t_end_ms", 0.0) - setup[0].value("t_start_ms", 0.0), 280.0)
      << "setup returned before its background copy ended: " << setup[0].dump(1);
  // The mounted image is the copy setup's background job made.
  ASSERT_EQ(fault_events(r, "redeploy").size(), 1u);
  EXPECT_EQ(fault_events(r, "redeploy")[0].value("outcome", ""), "ok") << fault_events(r, "redeploy")[0].dump(1);
  EXPECT_TRUE(r.at("survivors").empty());
  // With a timeout shorter than its background work, setup fails, and says
  // what it left.
  TempDir tmp2;
  s["name"] = "setup-times-out";
  const std::string seconds = fmt::format("30.{:06}", std::random_device{}() % 1000000);
  s["setup"][0]["argv"] = {"/bin/sh", "-c", "sleep " + seconds + " & echo started"};
  s["setup"][0]["timeout_ms"] = 500;
  json r2 = run_file(tmp2, s, 4);
  auto setup2 = fault_events(r2, "setup");
  ASSERT_EQ(setup2.size(), 1u);
  EXPECT_EQ(setup2[0].value("outcome", ""), "timeout") << setup2[0].dump(1);
  EXPECT_NE(setup2[0].value("detail", "").find("left sleep (pid"), std::string::npos) << setup2[0].dump(1);
  EXPECT_TRUE(processes_with(seconds).empty());
}

}  // namespace
}  // namespace harness::itest
