// The gate a user puts in their installer's CI (examples/gate): an
// installer that rewrites the mounted image in place must FAIL on the
// write itself (no_write_while_mounted), with or without a crash, in every
// run; the same installer renaming a new image over the old must PASS in
// every run. Host backend here; vm_backend_itest.cc runs the same gates
// in VMs.
#include <gtest/gtest.h>

#include <fmt/format.h>

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

}  // namespace
}  // namespace harness::itest
