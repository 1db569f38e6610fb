// A power cut under the vm backend, end to end and small (TCG is slow):
// `harness matrix --backend vm --faults power-cut` for the hardened and
// the regressed installer, one run each. The data folder is a VM disk
// whose writes qemu's blklogwrites logs on the host; after the run the
// log is replayed to every flush and to sampled points between, and the
// installed image is checked on each replayed copy. Hardened (temp +
// fsync + rename + fsync dir) must hold at every crash point; regressed
// copies in place, so some crash point must show a torn image. And the
// host backend must refuse a power cut with a clear error.
#include <gtest/gtest.h>

#include <fstream>

#include "itests/itest_support.h"
#include "vm/vm_backend.h"

namespace harness::itest {
namespace {

using nlohmann::json;

TEST(PowerCut, HardenedHoldsAtEveryCrashPointRegressedTears) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  if (!VmBackend::available()) GTEST_SKIP() << "the vm backend cannot run here: " << VmBackend::unavailable_reason();
  TempDir tmp;
  fs::path out = tmp.path() / "m";
  auto res = run_harness({"matrix", "--backend", "vm", "--installers", "hardened,regressed", "--faults", "power-cut",
                          "-j", "2", "--out", out.string(), "--vm-cache", (tmp.path() / ".cache").string()},
                         tmp.path(), std::chrono::seconds(900));
  ASSERT_TRUE(res.exit_code == 0 || res.exit_code == 1) << res.out << res.err;
  json m = json::parse(slurp(out / "matrix.json"));

  const json* hardened = matrix_cell(m, "hardened", "power-cut");
  ASSERT_NE(hardened, nullptr) << m.dump(1);
  EXPECT_EQ(hardened->at("state"), "safe") << hardened->dump(1);
  EXPECT_GE(hardened->at("crash_points").size(), 10u) << hardened->dump(1);
  unsigned flushes = 0;
  for (const auto& cp : hardened->at("crash_points")) {
    EXPECT_TRUE(cp.at("held").get<bool>()) << cp.dump();
    flushes += cp.at("why") == "flush";
  }
  EXPECT_GT(flushes, 0u) << "the guest's flushes reach the log";

  const json* regressed = matrix_cell(m, "regressed", "power-cut");
  ASSERT_NE(regressed, nullptr);
  EXPECT_GE(regressed->at("crash_points").size(), 10u) << regressed->dump(1);
  unsigned torn = 0;
  for (const auto& cp : regressed->at("crash_points")) torn += !cp.at("held").get<bool>();
  EXPECT_GT(torn, 0u) << "a copy in place is torn at some crash point: " << regressed->dump(1);
  EXPECT_EQ(regressed->at("state"), "unsafe") << regressed->dump(1);

  // The run's report keeps every crash point; nothing is left mounted or
  // attached, and the replayed copies are gone.
  std::string run_dir = hardened->at("evidence")[0].at("run_dir").get<std::string>();
  json r = read_report(out / run_dir);
  ASSERT_EQ(r.at("power_cut").size(), 1u) << r.dump(1).substr(0, 3000);
  EXPECT_EQ(r.at("power_cut")[0].at("crash_points").size(), hardened->at("crash_points").size());
  EXPECT_FALSE(fs::exists(out / run_dir / "work" / "power-cut-replay.img"));
  expect_nothing_left(out);
}

TEST(PowerCut, TheHostBackendRefusesIt) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path sc = tmp.path() / "cut.json";
  std::ofstream(sc) << R"({"name": "cut", "timeout_s": 30,
    "scratch": [{"path": "data", "size_mib": 8, "power_cut": true}],
    "workload": {"argv": ["/bin/true"], "iterations": 1},
    "expect": [{"min_execs_under_fault": 1}]})";
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", (tmp.path() / "run").string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 2) << res.out << res.err;
  EXPECT_NE((res.out + res.err).find("needs the vm backend"), std::string::npos) << res.out << res.err;
  EXPECT_FALSE(fs::exists(tmp.path() / "run")) << "refused before anything was made";
  auto m = run_harness({"matrix", "--backend", "host", "--faults", "power-cut", "--out", (tmp.path() / "m").string()},
                       tmp.path());
  EXPECT_EQ(m.exit_code, 2) << m.out << m.err;
  EXPECT_NE((m.out + m.err).find("needs --backend vm"), std::string::npos) << m.out << m.err;
}

}  // namespace
}  // namespace harness::itest
