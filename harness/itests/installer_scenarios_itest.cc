// The installer under test (fixtures/stack-install), driven only through
// the shipped scenarios: the regressed v2 reproduces the incident, the
// hardened one prevents it with a stated bound, and the immutable flag —
// not chmod — is what stops root.
#include <gtest/gtest.h>

#include "itests/itest_support.h"

namespace harness::itest {
namespace {

nlohmann::json run_scenario(const std::string& name, const TempDir& tmp) {
  auto run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", source_path("scenarios/" + name + ".json"), "--out", run.string()},
                         tmp.path());
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  expect_nothing_left(tmp.path());
  return read_report(run);
}

unsigned long crashes(const nlohmann::json& r) { return count_of(r, "sigsegv") + count_of(r, "sigbus"); }

std::vector<nlohmann::json> run_results(const nlohmann::json& r, const std::string& fault) {
  std::vector<nlohmann::json> out;
  for (const auto& e : r.at("events"))
    if (e.at("type") == "fault" && e.at("fault") == fault && e.at("action") == "run" && e.contains("result"))
      out.push_back(e.at("result"));
  return out;
}

TEST(InstallerScenarios, RegressedRedeployCrashesTheMountedImage) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  auto r = run_scenario("incident-replay", tmp);
  EXPECT_EQ(r.at("verdict"), "pass");
  EXPECT_GT(crashes(r), 0u) << r.at("counts").dump();
  auto results = run_results(r, "redeploy");
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].at("decision"), "installed");
  EXPECT_TRUE(results[0].at("wrote_in_place").get<bool>());
  // The report names the writer of the mounted image.
  ASSERT_TRUE(r.contains("writer_summary"));
  std::string w = r.at("writer_summary").get<std::string>();
  EXPECT_NE(w.find("stack-install (pid "), std::string::npos) << w;
  EXPECT_NE(w.find("the fault \"redeploy\" (stack-install (regressed))"), std::string::npos) << w;
  EXPECT_NE(w.find("truncated and rewrote data/cedar-14.img"), std::string::npos) << w;
  EXPECT_NE(w.find("mounted read-only on /dev/loop"), std::string::npos) << w;
}

TEST(InstallerScenarios, HardenedRedeployPreventsItWithABound) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  auto r = run_scenario("incident-replay-hardened", tmp);
  EXPECT_EQ(r.at("verdict"), "pass");
  const auto& st = r.at("statistics");
  EXPECT_EQ(st.at("abnormal").get<unsigned long>(), 0u) << r.at("counts").dump();
  EXPECT_GE(st.at("n").get<unsigned long>(), 2000u);
  EXPECT_LT(st.at("upper95_one_sided").get<double>(), 3.0 / 2000 + 1e-6);
  auto results = run_results(r, "redeploy");
  ASSERT_FALSE(results.empty());
  for (const auto& res : results) {
    std::string reason = res.at("decision").get<std::string>() + ": " + res.at("reason").get<std::string>();
    EXPECT_TRUE(reason == "skipped: present, v1 checksum verified" || reason.rfind("refused: attached to /dev/loop", 0) == 0)
        << reason;
  }
  EXPECT_TRUE(r.at("writers").empty()) << r.at("writers").dump();
  bool unchanged_held = false;
  for (const auto& e : r.at("expectations"))
    if (e.at("text").get<std::string>().find("unchanged") != std::string::npos) unchanged_held = e.at("held").get<bool>();
  EXPECT_TRUE(unchanged_held);
}

TEST(InstallerScenarios, ImmutableImageRefusesRootWithEperm) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  auto r = run_scenario("root-overwrite-immutable", tmp);
  EXPECT_EQ(r.at("verdict"), "pass");
  unsigned long eperm = 0, ok = 0;
  for (const auto& e : r.at("events"))
    if (e.at("type") == "fault" && e.at("action") == "overwrite_truncate") {
      eperm += e.at("outcome") == "EPERM";
      ok += e.at("outcome") == "ok";
    }
  EXPECT_GT(eperm, 0u);
  EXPECT_EQ(ok, 0u);
  EXPECT_EQ(r.at("statistics").at("abnormal").get<unsigned long>(), 0u);
}

TEST(InstallerScenarios, ChmodOnlyDoesNotStopRoot) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  auto r = run_scenario("root-overwrite-chmod-only", tmp);
  EXPECT_EQ(r.at("verdict"), "pass");
  EXPECT_GT(crashes(r), 0u) << r.at("counts").dump();
}

}  // namespace
}  // namespace harness::itest
