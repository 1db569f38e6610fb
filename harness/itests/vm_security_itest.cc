// Issue 26, items 3, 8 and 9, through the real CLI as root: the guest is
// not trusted. A stand-in qemu (first on PATH) plays a guest that floods
// the host; a real VM shows qemu confined and the run unchanged. Suites
// start with "Vm" so that they run in the VM lane.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "itests/security_support.h"
#include "vm/qemu_vm.h"
#include "vm/scratch_disk.h"
#include "vm/vm_backend.h"
#include "vm/vm_cache.h"

namespace harness::itest {
namespace {

using nlohmann::json;

#define HARNESS_REQUIRE_VM_PARTS()                                                                \
  do {                                                                                            \
    if (!::harness::VmBackend::available())                                                       \
      GTEST_SKIP() << "the vm backend cannot run here: needs qemu-system-x86_64, a readable "     \
                      "/boot/vmlinuz-* with /lib/modules, and busybox-static";                    \
  } while (0)

// A stand-in for qemu-system-x86_64 in a folder of its own (0755: it runs
// as nobody), whose "guest" says ready, runs `flood` (bash, with $marker,
// `fdset N $args` for the descriptor of fd set N) and ends.
fs::path stand_in_qemu(const fs::path& dir, const std::string& flood) {
  fs::path bin = dir / "bin";
  fs::create_directories(bin);
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  fs::path q = bin / "qemu-system-x86_64";
  // bash: it writes to a descriptor past 9 (`>&$fd`); reopening
  // /proc/self/fd/N as nobody would be refused for root's files.
  std::ofstream(q) << "#!/bin/bash\n"
                      "case \"$1\" in --version) echo 'QEMU emulator version 7.2.0'; exit 0;; esac\n"
                      "marker=$(printf '%s\\n' \"$@\" | grep -o 'harness\\.marker=[^ ]*' | head -n1 | cut -d= -f2)\n"
                      // the first descriptor of fd set N (-add-fd fd=F,set=N): a disk's read-write one
                      "fdset() { printf '%s\\n' \"$@\" | sed -n \"s/^fd=\\([0-9]*\\),set=$1\\$/\\1/p\" | head -n1; }\n"
                      "args=\"$*\"\n"
                      "say() { printf '%s %s\\n' \"$marker\" \"$1\"; }\n"
                      "say '{\"msg\":\"ready\",\"guest_kernel\":\"stand-in\"}'\n"
                   << flood
                   << "say '{\"msg\":\"end\"}'\nread ack\nexit 0\n";
  fs::permissions(q, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                         fs::perms::others_exec);
  return bin;
}

// `harness run --backend vm` with the stand-in first on PATH.
CliResult run_with_stand_in(const fs::path& bin, const fs::path& sc, const fs::path& out, const fs::path& logs) {
  return run_argv({"env", "PATH=" + bin.string() + ":/usr/sbin:/usr/bin:/sbin:/bin", HARNESS_BIN, "run", "--backend",
                   "vm", "--accel", "tcg", "--keep-work", sc.string(), "--out", out.string(), "--vm-cache",
                   (logs / "cache").string()},
                  logs, std::chrono::seconds(300));
}

// The flood of issue 26: 60 kernel lines of 8 MiB made report.json and
// report.html 503 MB each. Here 20 such lines, ten records and 100 MB on
// the serial console: the report stays small, the console log at its cap,
// and both say what was cut.
TEST(VmSecurity, AGuestThatFloodsTheHostFillsNoDisk) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  HARNESS_REQUIRE_VM_PARTS();
  TempDir tmp;
  fs::path bin = stand_in_qemu(tmp.path(),
                               "i=0; while [ $i -lt 20 ]; do i=$((i+1))\n"
                               "  { printf '%s {\"msg\":\"kmsg\",\"t_ms\":%d,\"line\":\"' \"$marker\" $i;"
                               "    head -c 8388608 /dev/zero | tr '\\0' k; printf '\"}\\n'; }\n"
                               "done\n"
                               "i=0; while [ $i -lt 10 ]; do i=$((i+1))\n"
                               "  { printf '%s {\"msg\":\"record\",\"execs\":0,\"images\":[{\"name\":\"i\",\"path\":\"p\","
                               "\"size_bytes\":1,\"fs\":\"ext4\"}],\"error\":\"' \"$marker\";"
                               "    head -c 4194304 /dev/zero | tr '\\0' e; printf '\"}\\n'; }\n"
                               "done\n"
                               "head -c 100000000 /dev/zero | tr '\\0' c >&\"$(fdset 1 $args)\"\n");
  fs::path sc = write_scenario_file(tmp.path(), quick_scenario("flood"));
  fs::path out = tmp.path() / "run";
  auto res = run_with_stand_in(bin, sc, out, tmp.path());
  ASSERT_TRUE(fs::exists(out / "report.json")) << res.out << res.err;
  // The code before: 160 MB of kernel lines in report.json, and again in report.html.
  EXPECT_LT(fs::file_size(out / "report.json"), 16u << 20);
  EXPECT_LT(fs::file_size(out / "report.html"), 32u << 20);
  EXPECT_LT(fs::file_size(out / "vm-console.log"), kMaxConsoleLogBytes + 4096);
  json r = read_report(out);
  EXPECT_EQ(r.at("environment").value("vm_console_log_dropped_bytes", 0ull), 100000000ull - kMaxConsoleLogBytes);
  std::string report = slurp(out / "report.json");
  EXPECT_NE(report.find("more bytes cut by the host"), std::string::npos);
  EXPECT_EQ(r.at("images").size(), 1u) << "each record added its images again";
}

// A guest that writes its power-cut disk for ever: the write log stops at
// its cap (qemu may grow no file further) and the VM is stopped there.
TEST(VmSecurity, AGuestThatWritesItsPowerCutDiskForEverIsStopped) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  HARNESS_REQUIRE_VM_PARTS();
  TempDir tmp;
  // fd sets: 1 the console, 2 the scratch disk, 3 the power-cut image, 4 its log.
  fs::path bin = stand_in_qemu(tmp.path(), "head -c 600000000 /dev/zero >&\"$(fdset 4 $args)\"\nsleep 5\n");
  json s = quick_scenario("endless-writes");
  s["scratch"] = json::array({{{"path", "data"}, {"size_mib", 16}, {"power_cut", true}}});
  fs::path sc = write_scenario_file(tmp.path(), s);
  fs::path out = tmp.path() / "run";
  auto res = run_with_stand_in(bin, sc, out, tmp.path());
  ASSERT_TRUE(fs::exists(out / "report.json")) << res.out << res.err;
  json r = read_report(out);
  const unsigned long long cap = power_cut_log_cap(power_cut_disk_bytes(16));
  const std::string error = r.at("run").value("error", "");
  EXPECT_NE(error.find(fmt::format("reached {} bytes", cap)), std::string::npos) << error;
  // The code before let it grow to all 600 MB.
  EXPECT_LE(fs::file_size(out / "work" / "power-cut-1.log"), cap);
}

// A real VM: qemu runs as nobody under its seccomp filter, the run's
// verdict is what it was, and -- with --out in a shared folder where
// another user made .cache first -- the cache is not theirs.
TEST(VmSecurity, QemuRunsConfinedAndTheRunStillPasses) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  HARNESS_REQUIRE_VM_PARTS();
  TempDir tmp;
  fs::path shared = shared_folder(tmp);
  fs::create_directories(shared / ".cache");
  chown_tree(shared / ".cache", kNobody);
  fs::path sc = write_scenario_file(tmp.path(), quick_scenario("confined"));
  auto res = run_harness({"run", "--backend", "vm", "--accel", "tcg", sc.string(), "--out", (shared / "x").string()},
                         tmp.path(), std::chrono::seconds(600));
  // The code before: exit 3, "the VM cache is owned by uid 65534".
  ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
  json r = read_report(shared / "x");
  EXPECT_EQ(r.at("verdict"), "pass");
  const json& env = r.at("environment");
  EXPECT_EQ(env.value("qemu_user", "").rfind("transient (uid ", 0), 0u) << env.dump();
  EXPECT_EQ(env.value("qemu_seccomp", ""), "filter");
  EXPECT_EQ(env.value("initramfs", "").rfind(kSharedVmCacheDir, 0), 0u) << env.dump();
  EXPECT_TRUE(fs::is_empty(shared / ".cache")) << "the planted cache was used";
}

}  // namespace
}  // namespace harness::itest
