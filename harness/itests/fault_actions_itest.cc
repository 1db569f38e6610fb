// The installer matrix's fault actions, each through the real CLI as root
// with the real installer (fixtures/stack-install): a kill at the Nth write
// and at a seeded random moment, a size-limited scratch data folder that
// fills up (ENOSPC) and is gone afterwards, racing instances, a corrupted
// sidecar, and the `installed` expectation that catches the torn image.
#include <gtest/gtest.h>

#include "itests/itest_support.h"

namespace harness::itest {
namespace {

using nlohmann::json;

// v1 installed by legacy into data/, then `faults` and `finally`.
json scenario(const std::string& name, const json& faults, const json& expect, unsigned v2_mib = 4,
              const json& extra = json::object()) {
  auto install = [](const char* mode, const char* source, bool slow) {
    json argv = {"{fixtures_bin}/stack-install", "--mode", mode, "--source", std::string("{work}/") + source,
                 "--dest", "{work}/data", "--name", "stack", "--json"};
    if (slow) for (const char* a : {"--rate", "4194304", "--chunk", "65536"}) argv.push_back(a);
    return json{{"action", "run"}, {"argv", argv}};
  };
  json s = {{"name", name},
            {"timeout_s", 60},
            {"images", {{{"name", "v1"}, {"path", "v1/stack.img"}, {"size_mib", v2_mib == 8 ? 2 : 4},
                         {"files", {{{"from", "/bin/sleep"}, {"to", "sleep"}, {"mode", "0755"}}}}},
                        {{"name", "v2"}, {"path", "v2/stack.img"}, {"size_mib", v2_mib},
                         {"files", {{{"from", "/bin/true"}, {"to", "sleep"}, {"mode", "0755"}}}}}}},
            {"setup", {install("legacy", "v1", false)}},
            {"mounts", {{{"image", "v1/stack.img"}, {"mountpoint", "mnt/stack"}}}},
            {"workload", {{"argv", {"{work}/mnt/stack/sleep", "0"}}, {"iterations", 1000000}, {"duration_ms", 2000}}},
            {"faults", faults},
            {"expect", expect},
            {"early_stop", false}};
  for (auto& f : s["faults"])
    for (auto& a : f["actions"])
      if (a.value("action", "") == "install-v2") a = install("legacy", "v2", true);
  for (auto& [k, v] : extra.items()) s[k] = v;
  return s;
}

const json kInstalled = {{"installed", "data/stack.img"},
                         {"versions", {"v1/stack.img", "v2/stack.img"}},
                         {"sidecars", {"data/stack.img.md5"}}};

json run_scenario_file(const TempDir& tmp, const json& s, int want_exit) {
  fs::path file = tmp.path() / (s["name"].get<std::string>() + ".json");
  std::ofstream(file) << s.dump(2);
  fs::path out = tmp.path() / ("run-" + s["name"].get<std::string>());
  auto res = run_harness({"run", "--backend", "host", file.string(), "--out", out.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, want_exit) << res.out << res.err;
  expect_nothing_left(out);
  return read_report(out);
}

std::vector<json> events_of(const json& report, const std::string& fault) {
  std::vector<json> out;
  for (const auto& e : report.at("events"))
    if (e.value("type", "") == "fault" && e.value("fault", "") == fault) out.push_back(e);
  return out;
}

const json& expectation(const json& report, const std::string& starts) {
  for (const auto& e : report.at("expectations"))
    if (e.value("text", "").rfind(starts, 0) == 0) return e;
  static const json none;
  ADD_FAILURE() << "no expectation " << starts << " in " << report.at("expectations").dump(1);
  return none;
}

TEST(FaultActions, AKillAtTheNthWriteLeavesALegacyInstallTornAndTheInvariantSaysSo) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  json faults = {{{"name", "install"}, {"schedule", {{"kind", "once"}, {"after_ms", 50}}},
                  {"actions", {{{"action", "install-v2"}}}}},
                 {{"name", "kill"}, {"schedule", {{"kind", "once"}, {"after_ms", 50}}},
                  {"actions", {{{"action", "kill"}, {"fault", "install"}, {"at_write", 8}}}}}};
  json r = run_scenario_file(tmp, scenario("kill-at-write", faults, json::array({kInstalled})), 1);
  auto kills = events_of(r, "kill");
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(kills[0].value("outcome", ""), "ok") << kills[0].dump();
  // Polled: it lands at the 8th write or a little after, long before the
  // end of a 64-write copy.
  unsigned writes = kills[0]["result"].value("writes", 0u);
  EXPECT_GE(writes, 8u) << kills[0].dump();
  EXPECT_LT(writes, 40u) << kills[0].dump();
  auto installs = events_of(r, "install");
  ASSERT_EQ(installs.size(), 1u);
  EXPECT_EQ(installs[0].value("outcome", ""), "signal SIGKILL");
  const json& inv = expectation(r, "data/stack.img holds");
  EXPECT_EQ(inv.value("state", ""), "failed");
  EXPECT_NE(inv.value("detail", "").find("is torn"), std::string::npos) << inv.dump();
}

TEST(FaultActions, ARandomKillReplaysItsSeedAndTheNextRunConverges) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  json faults = {{{"name", "install"}, {"schedule", {{"kind", "once"}, {"after_ms", 50}}},
                  {"actions", {{{"action", "install-v2"}}}}},
                 {{"name", "kill"}, {"schedule", {{"kind", "once"}, {"after_ms", 50}}},
                  {"actions", {{{"action", "kill"}, {"fault", "install"}, {"random_ms", {200, 600}}, {"seed", 42}}}}}};
  json end = kInstalled;
  end["at"] = "end";
  json extra = {{"finally", {{{"action", "run"},
                              {"argv", {"{fixtures_bin}/stack-install", "--mode", "legacy", "--source", "{work}/v2",
                                        "--dest", "{work}/data", "--name", "stack"}}}}}};
  json r = run_scenario_file(tmp, scenario("kill-random", faults, json::array({end}), 4, extra), 0);
  auto kills = events_of(r, "kill");
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(kills[0]["result"].value("seed", 0u), 42u);
  long offset = kills[0]["result"].value("offset_ms", -1L);
  EXPECT_GE(offset, 200) << kills[0].dump();
  EXPECT_LT(offset, 900) << kills[0].dump();
  // The next run, with nothing mounted, installed v2 whole.
  EXPECT_EQ(expectation(r, "data/stack.img holds").value("state", ""), "held") << r.at("expectations").dump(1);
  ASSERT_EQ(events_of(r, "finally").size(), 1u);
  EXPECT_EQ(events_of(r, "finally")[0].value("outcome", ""), "ok");
}

TEST(FaultActions, AScratchDataFolderFillsUpMidCopyAndIsGoneAfterwards) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  json faults = {{{"name", "install"}, {"schedule", {{"kind", "once"}, {"after_ms", 50}}},
                  {"actions", {{{"action", "install-v2"}}}}}};
  json extra = {{"scratch", {{{"path", "data"}, {"size_mib", 8}}}}};
  json r = run_scenario_file(tmp, scenario("enospc", faults, json::array({kInstalled}), 8, extra), 1);
  auto installs = events_of(r, "install");
  ASSERT_EQ(installs.size(), 1u);
  EXPECT_EQ(installs[0].value("outcome", ""), "exit 1") << installs[0].dump();
  EXPECT_NE(installs[0].dump().find("ENOSPC"), std::string::npos) << installs[0].dump();
  // legacy truncated first: what is left is neither version.
  EXPECT_NE(expectation(r, "data/stack.img holds").value("detail", "").find("is torn"), std::string::npos);
  // The scratch filesystem was a loop device of the run's own, now gone
  // (expect_nothing_left above), and its image is listed with the images.
  bool listed = false;
  for (const auto& i : r.at("images")) listed = listed || i.value("path", "") == "scratch-images/1.img";
  EXPECT_TRUE(listed) << r.at("images").dump();
}

TEST(FaultActions, RacingInstancesStartTogetherAndACorruptSidecarIsWrittenInPlace) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  json race = {{"action", "install-v2"}};
  json faults = {{{"name", "corrupt"}, {"schedule", {{"kind", "once"}}},
                  {"actions", {{{"action", "corrupt"}, {"path", "data/stack.img.md5"}, {"offset", 0}, {"text", "0000"}}}}},
                 {{"name", "install"}, {"schedule", {{"kind", "once"}, {"after_ms", 300}}}, {"actions", {race}}}};
  json s = scenario("race", faults, {{{"fault_outcome", "ok"}, {"fault", "corrupt"}, {"at_least", 1}}});
  s["faults"][1]["actions"][0]["instances"] = 2;
  json r = run_scenario_file(tmp, s, 0);
  auto installs = events_of(r, "install");
  ASSERT_EQ(installs.size(), 2u);
  EXPECT_NE(installs[0].value("pid", 0), installs[1].value("pid", 0));
  // Both were running at once.
  double start0 = installs[0].value("t_start_ms", 0.0), start1 = installs[1].value("t_start_ms", 0.0);
  double end0 = installs[0].value("t_end_ms", 0.0);
  EXPECT_LT(std::abs(start0 - start1), 50.0);
  EXPECT_GT(end0 - start0, 500.0) << "a 4 MiB copy at 4 MiB/s overlaps the other";
  auto corrupt = events_of(r, "corrupt");
  ASSERT_EQ(corrupt.size(), 1u);
  EXPECT_NE(corrupt[0].value("detail", "").find("wrote 4 bytes"), std::string::npos) << corrupt[0].dump();
}

}  // namespace
}  // namespace harness::itest
