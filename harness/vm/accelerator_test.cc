#include "vm/accelerator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "base/error.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

TEST(Accelerator, ExplicitRequestsWin) {
  AccelFacts f;
  f.requested = "tcg";
  f.kvm_usable = true;
  auto d = choose_accelerator(f);
  EXPECT_EQ(d.accel, Accel::tcg);
  EXPECT_FALSE(d.probe);
  EXPECT_EQ(d.decided_by, AccelDecidedBy::requested);
  f.requested = "kvm";
  d = choose_accelerator(f);
  EXPECT_EQ(d.accel, Accel::kvm);
  EXPECT_FALSE(d.probe);  // asked for: no silent fallback
  f.kvm_usable = false;
  f.kvm_unusable_why = "/dev/kvm cannot be opened: No such file or directory (ENOENT)";
  EXPECT_THROW(choose_accelerator(f), EnvironmentError);
  f.requested = "hvf";
  EXPECT_THROW(choose_accelerator(f), RuntimeError);
}

TEST(Accelerator, AutoProbesKvmOnlyWhenUnknown) {
  AccelFacts f;
  f.kvm_usable = false;
  f.kvm_unusable_why = "/dev/kvm cannot be opened";
  auto d = choose_accelerator(f);
  EXPECT_EQ(d.accel, Accel::tcg);
  EXPECT_NE(d.reason.find("/dev/kvm"), std::string::npos);
  EXPECT_EQ(d.decided_by, AccelDecidedBy::kvm_unusable);
  EXPECT_FALSE(d.probe);

  f.kvm_usable = true;
  d = choose_accelerator(f);
  EXPECT_EQ(d.accel, Accel::kvm);
  EXPECT_TRUE(d.probe);

  f.cached = AccelDecision{Accel::tcg, "KVM probe failed: qemu reported a KVM internal error", false};
  d = choose_accelerator(f);
  EXPECT_EQ(d.accel, Accel::tcg);
  EXPECT_FALSE(d.probe);
  EXPECT_NE(d.reason.find("remembered"), std::string::npos);
  EXPECT_NE(d.reason.find("internal error"), std::string::npos);
  EXPECT_EQ(d.decided_by, AccelDecidedBy::remembered);
  EXPECT_EQ(to_string(d.decided_by), "remembered");
}

TEST(Accelerator, ProbeFailureReasons) {
  ProbeObservation o;
  o.deadline = milliseconds(5000);
  o.ready = true;
  EXPECT_FALSE(probe_failure(o));
  // The error seen on a kvm_pvm host: even a ready guest is not trusted.
  o.qemu_stderr = "KVM internal error. Suberror: 1\nemulation failure\n";
  ASSERT_TRUE(probe_failure(o));
  EXPECT_NE(probe_failure(o)->find("Suberror: 1"), std::string::npos);
  o = {};
  o.exited = true;
  o.exit_detail = "signal SIGABRT";
  o.qemu_stderr = "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\n";
  ASSERT_TRUE(probe_failure(o));
  EXPECT_NE(probe_failure(o)->find("MSR"), std::string::npos);
  EXPECT_NE(probe_failure(o)->find("SIGABRT"), std::string::npos);
  o = {};
  o.deadline = milliseconds(4000);
  EXPECT_NE(probe_failure(o)->find("4000 ms"), std::string::npos);  // the silent hang
}

TEST(Accelerator, TcgGetsMultiThreadingTwoCpusAndRdrand) {
  auto a = accel_qemu_args(Accel::tcg, 1);
  EXPECT_NE(std::find(a.begin(), a.end(), "tcg,thread=multi"), a.end());
  EXPECT_NE(std::find(a.begin(), a.end(), "qemu64,+rdrand"), a.end());
  EXPECT_NE(std::find(a.begin(), a.end(), "2"), a.end());
  auto k = accel_qemu_args(Accel::kvm, 4);
  EXPECT_NE(std::find(k.begin(), k.end(), "host"), k.end());
  EXPECT_NE(std::find(k.begin(), k.end(), "4"), k.end());
}

TEST(Accelerator, TcgTimingWords) {
  EXPECT_EQ(tcg_timing_cmdline(0, 250), "");
  EXPECT_EQ(tcg_timing_cmdline(2596130, 250), "tsc_early_khz=2596130 tsc=reliable lpj=10384520");
  EXPECT_EQ(tcg_timing_cmdline(2000000, 0), "tsc_early_khz=2000000 tsc=reliable");
}

TEST(Accelerator, HostTscRateIsPlausible) {
  unsigned long khz = measure_host_tsc_khz();
  if (khz == 0) GTEST_SKIP() << "the TSC rate cannot be measured on this machine";
  EXPECT_GT(khz, 100000u);     // > 100 MHz
  EXPECT_LT(khz, 10000000u);   // < 10 GHz
}

TEST(Accelerator, ConfigHzOfTheInstalledKernel) {
  bool any = false;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/boot", ec))
    if (e.path().filename().string().rfind("config-", 0) == 0) {
      any = true;
      unsigned hz = kernel_config_hz(e.path());
      EXPECT_TRUE(hz == 100 || hz == 250 || hz == 300 || hz == 1000) << e.path() << " " << hz;
    }
  if (!any) GTEST_SKIP() << "no /boot/config-* here";
  EXPECT_EQ(kernel_config_hz("/etc/hostname"), 0u);
}

TEST(Accelerator, CacheRoundTripsAndSurvivesGarbage) {
  char tmpl[] = "/tmp/accel_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  fs::path file = fs::path(tmpl) / "sub" / "accelerator.json";
  AccelCache c(file);
  std::string key = accel_cache_key("6.1.0-test", "7.2.22");
  EXPECT_FALSE(c.lookup(key));
  c.store(key, AccelDecision{Accel::tcg, "KVM probe failed: x", false});
  c.store(accel_cache_key("other", "1"), AccelDecision{Accel::kvm, "KVM guest ready in 300 ms", false});
  auto got = c.lookup(key);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->accel, Accel::tcg);
  EXPECT_EQ(got->reason, "KVM probe failed: x");
  EXPECT_EQ(c.lookup(accel_cache_key("other", "1"))->accel, Accel::kvm);
  { std::ofstream(file) << "{ not json"; }
  EXPECT_FALSE(c.lookup(key));
  c.store(key, AccelDecision{Accel::kvm, "ok", false});  // rewrites a corrupt file
  EXPECT_EQ(c.lookup(key)->accel, Accel::kvm);
  fs::remove_all(tmpl);
}

}  // namespace
}  // namespace harness
