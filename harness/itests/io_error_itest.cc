// A disk that fails mid-copy, end to end: `harness matrix --faults eio`
// under the vm backend (this host's kernel has no device-mapper; the
// guest loads dm-mod) for the legacy and the hardened installer, one run
// each. The data folder sits on a device-mapper device that the io_error
// action switches to the `error` target at the redeploy's 16th write;
// after the faults the disk is healed, e2fsck'd and mounted again, as a
// reboot would, and the installed image is judged there. Legacy copies in
// place, so its image is torn; hardened (temp + fsync + rename) fails the
// install and keeps the old version whole. And where the kernel lacks
// device-mapper, the host backend says what to do (exit 3) and makes
// nothing.
#include <gtest/gtest.h>

#include <fstream>

#include "host/device_mapper.h"
#include "itests/itest_support.h"
#include "vm/vm_backend.h"

namespace harness::itest {
namespace {

using nlohmann::json;

TEST(VmIoErrors, AnInPlaceCopyIsTornTheHardenedInstallKeepsTheOldVersion) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  ASSERT_TRUE(VmBackend::available()) << VmBackend::unavailable_reason();
  TempDir tmp;
  fs::path out = tmp.path() / "m";
  auto res = run_harness({"matrix", "--backend", "vm", "--installers", "legacy,hardened", "--faults", "eio", "--out",
                          out.string(), "--vm-cache", (tmp.path() / ".cache").string()},
                         tmp.path(), std::chrono::seconds(600));
  // The matrix ran: its unsafe cells are findings in the table, not errors.
  ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
  json m = json::parse(slurp(out / "matrix.json"));

  const json* hardened = matrix_cell(m, "hardened", "eio");
  ASSERT_NE(hardened, nullptr) << m.dump(1);
  EXPECT_EQ(hardened->at("state"), "safe") << hardened->dump(1);
  ASSERT_EQ(hardened->at("crash_points").size(), 1u) << hardened->dump(1);
  EXPECT_GE(hardened->at("crash_points")[0].value("writes", 0u), 16u) << "the disk failed mid-copy";

  const json* legacy = matrix_cell(m, "legacy", "eio");
  ASSERT_NE(legacy, nullptr);
  EXPECT_EQ(legacy->at("state"), "unsafe") << legacy->dump(1);
  EXPECT_NE(legacy->at("evidence").dump().find("is torn"), std::string::npos) << legacy->dump(1);

  // The hardened run's report: the disk failed while the install ran, the
  // install failed, the disk was recovered, and the old version is whole.
  json r = read_report(out / hardened->at("evidence")[0].at("run_dir").get<std::string>());
  bool struck = false, install_failed = false, recovered = false;
  for (const auto& ev : r.at("events")) {
    if (ev.value("type", "") != "fault") continue;
    if (ev.value("action", "") == "io_error") struck = ev.value("outcome", "") == "ok";
    if (ev.value("fault", "") == "install" && ev.value("action", "") == "run") install_failed = !ev.value("ok", true);
    if (ev.value("fault", "") == "recovery") {
      recovered = ev.value("ok", false);
      EXPECT_NE(ev.value("detail", "").find("e2fsck -fy"), std::string::npos) << ev.dump();
    }
  }
  EXPECT_TRUE(struck && install_failed && recovered) << r.at("events").dump(1).substr(0, 4000);
  expect_nothing_left(out);
}

TEST(IoErrors, TheHostBackendNeedsDeviceMapper) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path sc = tmp.path() / "eio.json";
  std::ofstream(sc) << R"({"name": "eio", "timeout_s": 30,
    "scratch": [{"path": "data", "size_mib": 8, "io_errors": true}],
    "workload": {"argv": ["/bin/true"], "iterations": 3},
    "faults": [{"name": "disk", "schedule": {"kind": "once"}, "actions": [{"action": "io_error", "scratch": "data"}]}],
    "expect": [{"fault_outcome": "ok", "fault": "disk", "at_least": 1}]})";
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", (tmp.path() / "run").string()}, tmp.path());
  if (auto why = device_mapper_missing()) {
    EXPECT_EQ(res.exit_code, 3) << res.out << res.err;
    EXPECT_NE((res.out + res.err).find("--backend vm"), std::string::npos) << res.out << res.err;
    EXPECT_FALSE(fs::exists(tmp.path() / "run")) << "refused before anything was made";
  } else {
    // A kernel with device-mapper: the disk fails on the host, and is
    // recovered.
    EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
    expect_nothing_left(tmp.path() / "run");
  }
}

}  // namespace
}  // namespace harness::itest
