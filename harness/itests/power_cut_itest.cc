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
  // The power-cut disk is listed with its real size, and the page shows
  // the crash points.
  bool listed = false;
  for (const auto& i : r.at("images"))
    if (i.at("name") == "scratch-1") {
      listed = true;
      EXPECT_EQ(i.at("size_bytes").get<unsigned long long>(), 16ull << 20) << i.dump();
    }
  EXPECT_TRUE(listed) << r.at("images").dump(1);
  std::string md = slurp(out / run_dir / "report.md");
  EXPECT_NE(md.find("## Power-cut crash points"), std::string::npos) << md;
  EXPECT_NE(md.find("| 16.0 MiB |"), std::string::npos) << md;
  expect_nothing_left(out);
}

// An installer whose first install fails: the run stops on an error
// before any fault, so the cell is an error (exit 4), with the error as
// its reason and no crash point; the log is not judged.
TEST(PowerCut, ARunWhoseSetupFailedIsAnErrorWithoutCrashPoints) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  if (!VmBackend::available()) GTEST_SKIP() << "the vm backend cannot run here: " << VmBackend::unavailable_reason();
  TempDir tmp;
  fs::path out = tmp.path() / "m";
  auto res = run_harness({"matrix", "--backend", "vm", "--installers", "broken", "--faults", "power-cut", "--installer",
                          "broken=/bin/false {source} {dest} {name}", "--out", out.string(), "--vm-cache",
                          (tmp.path() / ".cache").string()},
                         tmp.path(), std::chrono::seconds(600));
  EXPECT_EQ(res.exit_code, 4) << res.out << res.err;
  json m = json::parse(slurp(out / "matrix.json"));
  const json* c = matrix_cell(m, "broken", "power-cut");
  ASSERT_NE(c, nullptr) << m.dump(1);
  EXPECT_EQ(c->at("state"), "error") << c->dump(1);
  EXPECT_TRUE(c->at("crash_points").empty()) << c->dump(1);
  std::string why = c->at("evidence")[0].at("failed")[0].get<std::string>();
  EXPECT_EQ(why.rfind("error: setup action run ended", 0), 0u) << why;
  std::string md = slurp(out / "matrix.md");
  EXPECT_NE(md.find("| broken | **error** (0/1 passed) |"), std::string::npos) << md;
  EXPECT_NE(res.out.find("gate: exit 4"), std::string::npos) << res.out;
  json r = read_report(out / c->at("evidence")[0].at("run_dir").get<std::string>());
  ASSERT_EQ(r.at("power_cut").size(), 1u) << r.dump(1).substr(0, 2000);
  EXPECT_FALSE(r.at("power_cut")[0].contains("crash_points")) << r.at("power_cut").dump(1);
  EXPECT_NE(r.at("power_cut")[0].value("error", "").find("stopped on an error"), std::string::npos);
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
