// A power cut under the vm backend, end to end and small (TCG is slow).
// The data folder is a VM disk whose writes qemu's blklogwrites logs on
// the host. After the setup the guest makes the folder durable and marks
// the log; after the run the log is replayed to that durable point and to
// every flush and sampled point after it, and the installed image is
// classified on each replayed copy: the old (durable) version, a new one,
// nothing, or broken.
//   - `harness matrix --faults power-cut` for hardened and regressed: each
//     cell has crash states holding v1 and v2 (the redeploy's transition
//     was seen); hardened (temp + fsync + rename + fsync dir) holds at every
//     crash point; regressed copies in place and breaks at some;
//   - a setup that installed nothing in the folder: no crash state could
//     show v1 torn, so the run is inconclusive, never pass;
//   - the host backend refuses a power cut with a clear error.
// The VM tests are named Vm* so that they run in the VM lane.
#include <gtest/gtest.h>

#include <fstream>

#include "core/durable_mark.h"
#include "itests/itest_support.h"
#include "itests/vm_itest_support.h"
#include "vm/vm_backend.h"

namespace harness::itest {
namespace {

using nlohmann::json;
using std::chrono::seconds;


TEST(VmPowerCut, EachCellSeesV1AndV2HardenedHoldsRegressedTears) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  HARNESS_REQUIRE_VM();
  VmRunDirs d("matrix");
  auto res = run_harness({"matrix", "--backend", "vm", "--installers", "hardened,regressed", "--faults", "power-cut",
                          "-j", "2", "--out", d.run.string(), "--vm-cache", (VmItestDir::path_ / ".cache").string()},
                         d.logs, seconds(900));
  ASSERT_TRUE(res.exit_code == 0 || res.exit_code == 1) << res.out << res.err;
  json m = json::parse(slurp(d.run / "matrix.json"));

  for (const char* installer : {"hardened", "regressed"}) {
    SCOPED_TRACE(installer);
    const json* cell = matrix_cell(m, installer, "power-cut");
    ASSERT_NE(cell, nullptr) << m.dump(1);
    // The transition was exercised: a crash state held the version durable
    // since the setup, another the redeploy's.
    EXPECT_GT(holding(*cell, "old"), 0u) << cell->dump(1);
    EXPECT_GT(holding(*cell, "new"), 0u) << cell->dump(1);
    EXPECT_EQ(holding(*cell, "nothing"), 0u) << "v1 was durable: a state without it is broken, not empty";

    std::string run_dir = cell->at("evidence")[0].at("run_dir").get<std::string>();
    json r = read_report(d.run / run_dir);
    ASSERT_EQ(r.at("power_cut").size(), 1u) << r.dump(1).substr(0, 3000);
    const json& pc = r.at("power_cut")[0];
    ASSERT_FALSE(pc.contains("error")) << pc.dump(1);
    // The guest's mark was found after the setup's writes, and the state
    // there held v1: the first install, made durable.
    EXPECT_GT(pc.at("durable_entry").get<unsigned>(), 1u) << pc.dump(1).substr(0, 2000);
    EXPECT_EQ(pc.at("durable_state").at("holds"), "old") << pc.at("durable_state").dump(1);
    EXPECT_EQ(pc.at("durable_state").at("checks")[0].at("version"), "v1/stack.img");
    EXPECT_EQ(pc.at("crash_points").size(), cell->at("crash_points").size());
    unsigned flushes = 0;
    for (const auto& cp : pc.at("crash_points")) {
      EXPECT_GT(cp.at("entries").get<unsigned>(), pc.at("durable_entry").get<unsigned>()) << "none before durable";
      flushes += cp.at("why") == "flush";
    }
    EXPECT_GT(flushes, 0u) << "the guest's flushes reach the log";
    EXPECT_EQ(pc.at("points_holding").at("old").get<unsigned>(), holding(*cell, "old"));
    bool marked = false;
    for (const auto& ev : r.at("events"))
      marked = marked || (ev.value("fault", "") == "setup" && ev.value("action", "") == "durable" && ev.value("ok", false));
    EXPECT_TRUE(marked) << "the setup's durable step is an event";
    EXPECT_FALSE(fs::exists(d.run / run_dir / "work" / "power-cut-replay.img"));
    // The power-cut disk is listed with its real size (its 16 MiB
    // filesystem and the durable mark's reserve past it), and the page
    // shows the crash points.
    bool listed = false;
    for (const auto& i : r.at("images"))
      if (i.at("name") == "scratch-1") {
        listed = true;
        EXPECT_EQ(i.at("size_bytes").get<unsigned long long>(), (16ull << 20) + kDurableMarkReserve) << i.dump();
      }
    EXPECT_TRUE(listed) << r.at("images").dump(1);
    std::string md = slurp(d.run / run_dir / "report.md");
    EXPECT_NE(md.find("## Power-cut crash points"), std::string::npos) << md;
  }

  const json* hardened = matrix_cell(m, "hardened", "power-cut");
  EXPECT_EQ(hardened->at("state"), "safe") << hardened->dump(1);
  for (const auto& cp : hardened->at("crash_points")) EXPECT_TRUE(cp.at("held").get<bool>()) << cp.dump();
  const json* regressed = matrix_cell(m, "regressed", "power-cut");
  EXPECT_GT(holding(*regressed, "broken"), 0u) << "a copy in place breaks at some crash point: " << regressed->dump(1);
  EXPECT_EQ(regressed->at("state"), "unsafe") << regressed->dump(1);
  expect_vm_gone(d.run);
}

// The issue's vacuous pass: nothing was durable before the redeploy, so
// every crash state held "nothing installed yet" or the new version. Now
// that is said, and the run is inconclusive (exit 5).
TEST(VmPowerCut, ASetupThatInstalledNothingThereIsInconclusive) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  HARNESS_REQUIRE_VM();
  VmRunDirs d("empty-setup");
  const std::string install =
      R"(["{fixtures_bin}/stack-install", "--mode", "hardened", "--source", "{work}/v1", "--dest", "{work}/data", "--name", "stack"])";
  fs::path sc = write_vm_scenario(VmItestDir::path_, "cut-empty-setup", fmt::format(R"({{
      "name": "cut-empty-setup", "timeout_s": 120, "early_stop": false,
      "images": [{{"name": "v1", "path": "v1/stack.img", "size_mib": 4,
                   "files": [{{"from": "/bin/sleep", "to": "sleep", "mode": "0755"}}]}}],
      "scratch": [{{"path": "data", "size_mib": 16, "power_cut": true}}],
      "workload": {{"argv": ["/bin/true"], "iterations": 1000000, "duration_ms": 1500, "warmup": 2}},
      "faults": [{{"name": "install", "schedule": {{"kind": "once", "after_ms": 100}},
                   "actions": [{{"action": "run", "argv": {}, "timeout_ms": 60000}}]}}],
      "expect": [{{"installed": "data/stack.img", "versions": ["v1/stack.img"],
                   "sidecars": ["data/stack.img.md5", "data/stack.img.sha256"]}}]
    }})", install));
  auto res = run_harness({"run", "--backend", "vm", sc.string(), "--out", d.run.string(), "--vm-cache",
                          (VmItestDir::path_ / ".cache").string()},
                         d.logs, seconds(600));
  EXPECT_EQ(res.exit_code, 5) << res.out << res.err;
  json r = read_report(d.run);
  EXPECT_EQ(r.at("verdict"), "inconclusive") << r.at("verdict_reasons").dump();
  ASSERT_EQ(r.at("power_cut").size(), 1u);
  const json& pc = r.at("power_cut")[0];
  ASSERT_FALSE(pc.contains("error")) << pc.dump(1);
  EXPECT_EQ(pc.at("durable_state").at("holds"), "nothing") << pc.at("durable_state").dump(1);
  EXPECT_EQ(pc.at("points_holding").at("old"), 0);
  EXPECT_GT(pc.at("points_holding").at("nothing").get<unsigned>(), 0u) << pc.dump(1).substr(0, 3000);
  EXPECT_GT(pc.at("points_holding").at("new").get<unsigned>(), 0u) << "the install in the fault, v1, is new here";
  EXPECT_NE(r.at("inconclusive_reasons").dump().find("the setup installed nothing there"), std::string::npos)
      << r.at("inconclusive_reasons").dump();
  expect_vm_gone(d.run);
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
  EXPECT_EQ(why.rfind("error: setup action run (broken (installs v1)) ended exit 1", 0), 0u) << why;
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
