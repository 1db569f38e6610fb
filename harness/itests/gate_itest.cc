// The gate a user puts in their installer's CI (examples/gate): an
// installer that rewrites the mounted image in place must FAIL on the
// write itself (no_write_while_mounted), with or without a crash, in every
// run; the same installer renaming a new image over the old must PASS in
// every run. Host backend here; vm_backend_itest.cc runs the same gates
// in VMs.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fstream>

#include "itests/itest_support.h"

namespace harness::itest {
namespace {

using nlohmann::json;

struct Gate {
  const char* scenario;
  bool writes_in_place;
};

std::ostream& operator<<(std::ostream& o, const Gate& g) { return o << g.scenario; }

// The no_write_while_mounted result of one report.
const json& invariant(const json& report) {
  for (const auto& e : report.at("expectations"))
    if (e.at("text").get<std::string>().rfind("no write to", 0) == 0) return e;
  throw std::runtime_error("no no_write_while_mounted expectation in " + report.at("scenario").get<std::string>());
}

class GateHost : public ::testing::TestWithParam<Gate> {};

TEST_P(GateHost, EveryRunJudgesTheWriteItself) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  constexpr unsigned kRuns = 3;
  const Gate& g = GetParam();
  TempDir tmp;
  auto out = tmp.path() / "runs";
  auto res = run_harness({"run", "--backend", "host", "--repeat", std::to_string(kRuns),
                          source_path(fmt::format("examples/gate/{}.json", g.scenario)), "--out", out.string()},
                         tmp.path());
  EXPECT_EQ(res.exit_code, g.writes_in_place ? 1 : 0) << res.out << res.err;
  for (unsigned k = 1; k <= kRuns; ++k) {
    auto run = out / fmt::format("{}-{:02}", g.scenario, k);
    json r = read_report(run);
    SCOPED_TRACE(run.string());
    const json& inv = invariant(r);
    EXPECT_EQ(inv.at("basis"), "invariant");
    if (g.writes_in_place) {
      EXPECT_EQ(r.at("verdict"), "fail");
      EXPECT_EQ(inv.at("state"), "failed") << inv.dump();
      // The writer is named with the action that started it, even the
      // short-lived `cat` under the installer's shell.
      std::string d = inv.at("detail").get<std::string>();
      EXPECT_NE(d.find("started by fault \"redeploy\""), std::string::npos) << d;
      EXPECT_NE(d.find("install-in-place.sh (pid "), std::string::npos) << d;
      bool cat_named = false;
      for (const auto& w : r.at("writers"))
        cat_named = cat_named || (w.at("exe").get<std::string>().find("cat") != std::string::npos &&
                                  w.at("origin") == "run_action");
      EXPECT_TRUE(cat_named) << r.at("writers").dump().substr(0, 3000);
      EXPECT_NE(r.at("verdict_rests_on").get<std::string>().find("deterministic"), std::string::npos);
    } else {
      EXPECT_EQ(r.at("verdict"), "pass") << r.at("verdict_reasons").dump();
      EXPECT_EQ(inv.at("state"), "held") << inv.dump();
      EXPECT_TRUE(r.at("writers").empty()) << r.at("writers").dump();
    }
    expect_nothing_left(run);
  }
}

INSTANTIATE_TEST_SUITE_P(Examples, GateHost,
                         ::testing::Values(Gate{"gate-in-place", true}, Gate{"gate-in-place-pressure", true},
                                           Gate{"gate-rename", false}, Gate{"gate-rename-pressure", false}),
                         [](const ::testing::TestParamInfo<Gate>& p) {
                           std::string n = p.param.scenario;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// The gate of docs/tutorial-gate.md given a team's real deploy script (examples/gate:
// rsync --checksum, then a sha256 sidecar) and a colleague's --inplace
// variant. Both skip the same-version redeploy (rightly); the new version
// is where they differ: --inplace rewrites the mounted image and fails,
// the default writes a temp file and renames it, and passes. Every report
// says what was offered; a gate that only ever offered the installed
// version says so in its summary instead of "can guard CI as it is".
json rsync_gate(const std::string& script, bool offer_new_version) {
  json s = load_jsonc(source_path("examples/gate/gate-rename.json"));
  const std::string deploy = source_path("examples/gate/" + script);
  s["name"] = script.substr(0, script.size() - 3);
  s["setup"][0]["argv"][0] = deploy;
  for (auto& f : s["faults"]) f["actions"][0]["argv"][0] = deploy;
  if (!offer_new_version) s["faults"].erase(1);
  // Sized for a test; the expectations are the gate's own.
  s["workload"]["iterations"] = 600;
  s["expect"][2]["min_execs_under_fault"] = 300;
  return s;
}

struct GateRun {
  CliResult res;
  json report;
  std::string md;
};

GateRun run_gate(const json& s, const fs::path& dir) {
  fs::path sc = dir / (s.at("name").get<std::string>() + ".json");
  std::ofstream(sc) << s.dump(2);
  fs::path run = dir / ("run-" + s.at("name").get<std::string>());
  GateRun g{run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()}, dir), {}, {}};
  g.report = read_report(run);
  g.md = slurp(run / "report.md");
  expect_nothing_left(run);
  return g;
}

const json* offer_of(const json& report, const std::string& fault) {
  for (const auto& o : report.at("offers"))
    if (o.value("fault", "") == fault) return &o;
  return nullptr;
}

TEST(GateRsync, TheInplaceVariantFailsOnTheNewVersionTheDefaultPasses) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  GateRun inplace = run_gate(rsync_gate("deploy-rsync-inplace.sh", true), tmp.path());
  EXPECT_EQ(inplace.res.exit_code, 1) << inplace.res.out << inplace.res.err;
  EXPECT_EQ(inplace.report.at("verdict"), "fail") << inplace.report.at("verdict_reasons").dump(1);
  bool new_version_wrote = false;
  for (const auto& w : inplace.report.at("writers")) new_version_wrote = new_version_wrote || w.value("origin_fault", "") == "redeploy-new";
  EXPECT_TRUE(new_version_wrote) << inplace.report.at("writers").dump(1).substr(0, 3000);

  GateRun plain = run_gate(rsync_gate("deploy-rsync.sh", true), tmp.path());
  EXPECT_EQ(plain.res.exit_code, 0) << plain.res.out << plain.res.err;
  EXPECT_EQ(plain.report.at("verdict"), "pass") << plain.report.at("verdict_reasons").dump(1);
  EXPECT_TRUE(plain.report.at("writers").empty()) << plain.report.at("writers").dump(1).substr(0, 3000);

  for (const GateRun* g : {&inplace, &plain}) {
    // What was offered: the same bytes by "redeploy", a new version by "redeploy-new".
    const json* same = offer_of(g->report, "redeploy");
    const json* fresh = offer_of(g->report, "redeploy-new");
    ASSERT_NE(same, nullptr) << g->report.at("offers").dump(1);
    ASSERT_NE(fresh, nullptr) << g->report.at("offers").dump(1);
    EXPECT_TRUE(same->at("same_as_installed").get<bool>());
    EXPECT_FALSE(fresh->at("same_as_installed").get<bool>());
    EXPECT_NE(g->md.find("## What was offered and exercised"), std::string::npos) << g->md.substr(0, 3000);
  }
  EXPECT_EQ(plain.res.out.find("offered only the version already installed"), std::string::npos) << plain.res.out;
}

TEST(GateRsync, AGateThatOnlyOfferedTheInstalledVersionSaysSo) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  // --inplace passes here: rsync --checksum skips an up-to-date file, so
  // the mounted image is never written -- and nothing tested writing one.
  GateRun g = run_gate(rsync_gate("deploy-rsync-inplace.sh", false), tmp.path());
  EXPECT_EQ(g.res.exit_code, 0) << g.res.out << g.res.err;
  EXPECT_EQ(g.report.at("verdict"), "pass");
  EXPECT_NE(g.res.out.find("same version only: every fault offered the bytes already installed"), std::string::npos)
      << g.res.out;
  EXPECT_EQ(g.res.out.find("can guard CI as it is"), std::string::npos) << g.res.out;
  EXPECT_NE(g.md.find("every fault offered only the version already installed"), std::string::npos) << g.md.substr(0, 4000);
  EXPECT_EQ(g.md.find("can guard CI as it is"), std::string::npos) << g.md.substr(0, 4000);
}

}  // namespace
}  // namespace harness::itest
