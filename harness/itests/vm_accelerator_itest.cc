// The three accelerator situations a machine of this project's kind can
// be in, each tested on every machine (ci/kvm-mode.sh makes the ones this
// machine does not have): no /dev/kvm (TCG, no probe), a /dev/kvm that
// opens but cannot boot a guest (a probe boot fails, TCG, remembered), and
// a working one (probed once, then remembered; skipped, on the allowlist,
// where this machine has none). Each through the real CLI and a real VM,
// with a VM cache of its own so that what one mode remembers is not
// another's.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "itests/vm_itest_support.h"
#include "testing/test_support.h"

namespace harness::itest {
namespace {

using std::chrono::seconds;
using testing::has;

fs::path accel_scenario() {
  return write_vm_scenario(VmItestDir::path_, "vm-accel", R"({
    "name": "vm-accel", "description": "a short run whose only subject is the accelerator",
    "timeout_s": 120,
    "images": [{"name": "demo", "size_mib": 4, "files": [{"from": "/bin/true", "to": "true", "mode": "0755"}]}],
    "mounts": [{"image": "images/demo.img", "mountpoint": "mnt/demo"}],
    "workload": {"argv": ["{work}/mnt/demo/true"], "iterations": 5},
    "faults": [{"name": "caches", "schedule": {"kind": "once"}, "actions": [{"action": "drop_caches", "level": 3}]}],
    "expect": [{"classes": ["abnormal"], "at_most": 0}, {"no_write_while_mounted": "images/demo.img"}]
  })");
}

struct AccelRun {
  CliResult res;
  json report;
  std::string decided_by, accel, reason;
};

// `harness run --backend vm` with /dev/kvm as `mode` makes it, into a
// fresh run folder `name` and the given cache.
AccelRun run_in_mode(const std::string& mode, const std::string& name, const fs::path& cache) {
  VmRunDirs d(name);
  AccelRun a;
  a.res = run_argv({source_path("ci/kvm-mode.sh"), mode, HARNESS_BIN, "run", "--backend", "vm",
                    accel_scenario().string(), "--out", d.run.string(), "--vm-cache", cache.string()},
                   d.logs, seconds(600));
  EXPECT_EQ(a.res.exit_code, 0) << a.res.out << a.res.err;
  if (!fs::exists(d.run / "report.json")) {
    ADD_FAILURE() << "no report: " << a.res.out << a.res.err;
    return a;
  }
  a.report = read_report(d.run);
  EXPECT_EQ(a.report.at("verdict"), "pass") << a.report.at("verdict_reasons").dump();
  expect_vm_report(a.report, d.run, cache);
  const json& env = a.report.at("environment");
  a.decided_by = env.at("accelerator_decided_by").get<std::string>();
  a.accel = env.at("accelerator").get<std::string>();
  a.reason = env.at("accelerator_reason").get<std::string>();
  std::printf("[ accel    ] /dev/kvm %s: %s, decided by %s (%s)\n", mode.c_str(), a.accel.c_str(),
              a.decided_by.c_str(), a.reason.c_str());
  expect_vm_gone(d.run);
  return a;
}

fs::path fresh_cache(const std::string& name) {
  fs::path c = VmItestDir::path_ / ("cache-" + name);
  fs::remove_all(c);
  return c;
}

TEST(VmAccelerator, WithoutDevKvmEveryRunUsesTcgWithoutAProbe) {
  HARNESS_REQUIRE_VM();
  fs::path cache = fresh_cache("none");
  for (int k = 1; k <= 2; ++k) {
    SCOPED_TRACE(k);
    AccelRun a = run_in_mode("none", fmt::format("none-{}", k), cache);
    EXPECT_EQ(a.accel, "tcg");
    EXPECT_EQ(a.decided_by, "kvm-unusable");
    EXPECT_TRUE(has(a.reason, "/dev/kvm")) << a.reason;
    EXPECT_FALSE(has(a.res.out + a.res.err, "kvm probe")) << a.res.err;
  }
  // Nothing was probed, so nothing is remembered: a /dev/kvm that appears
  // later is probed then.
  EXPECT_FALSE(fs::exists(cache / "accelerator.json"));
}

TEST(VmAccelerator, AKvmThatCannotBootIsProbedOnceThenTcgIsRemembered) {
  HARNESS_REQUIRE_VM();
  fs::path cache = fresh_cache("broken");
  AccelRun first = run_in_mode("broken", "broken-1", cache);
  EXPECT_EQ(first.accel, "tcg");
  EXPECT_EQ(first.decided_by, "probe-failed");
  EXPECT_TRUE(has(first.reason, "KVM probe failed")) << first.reason;
  EXPECT_TRUE(has(first.res.out + first.res.err, "boot (kvm probe)")) << first.res.err;
  EXPECT_TRUE(has(slurp(cache / "accelerator.json"), "\"tcg\"")) << slurp(cache / "accelerator.json");
  AccelRun second = run_in_mode("broken", "broken-2", cache);
  EXPECT_EQ(second.accel, "tcg");
  EXPECT_EQ(second.decided_by, "remembered");
  EXPECT_FALSE(has(second.res.out + second.res.err, "kvm probe")) << second.res.err;
}

// On the allowlist (ci/allowed-skips): a machine without a working KVM
// skips this, after trying.
TEST(VmAccelerator, AWorkingKvmIsProbedOnceThenRemembered) {
  HARNESS_REQUIRE_VM();
  fs::path cache = fresh_cache("native");
  AccelRun first = run_in_mode("native", "native-1", cache);
  if (first.decided_by == "kvm-unusable" || first.decided_by == "probe-failed")
    GTEST_SKIP() << "needs a working KVM; this machine's: " << first.reason;
  EXPECT_EQ(first.accel, "kvm");
  EXPECT_EQ(first.decided_by, "probe-ok");
  AccelRun second = run_in_mode("native", "native-2", cache);
  EXPECT_EQ(second.accel, "kvm");
  EXPECT_EQ(second.decided_by, "remembered");
  EXPECT_FALSE(has(second.res.out + second.res.err, "kvm probe")) << second.res.err;
}

}  // namespace
}  // namespace harness::itest
