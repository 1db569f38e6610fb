// Shared helpers for the vm backend's integration tests (vm_*_itest.cc):
// one folder (and VM cache) for all runs of the test binary, a run folder
// per test, the checks every vm report must pass, and that no qemu of a
// run is left. Header-only, like itest_support.h.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fstream>
#include <string>
#include <vector>

#include "itests/itest_support.h"
#include "vm/vm_backend.h"

namespace harness::itest {

using nlohmann::json;

// All runs of this binary share one parent directory, so they share its
// .cache (initramfs, accelerator decision) as runs in reports/runs/ do.
class VmItestDir : public ::testing::Environment {
 public:
  void SetUp() override {
    char tmpl[] = "/tmp/harness-vm-itest-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  inline static fs::path path_;
};
[[maybe_unused]] inline auto* const kVmItestEnv = ::testing::AddGlobalTestEnvironment(new VmItestDir);

#define HARNESS_REQUIRE_VM()                                                                          \
  do {                                                                                                \
    if (!::harness::VmBackend::available())                                                           \
      GTEST_SKIP() << "the vm backend cannot run here: needs qemu-system-x86_64, a readable "         \
                      "/boot/vmlinuz-* with /lib/modules, and busybox-static";                        \
  } while (0)

// A run directory (not yet existing) and a log directory for one test.
struct VmRunDirs {
  explicit VmRunDirs(const std::string& name) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string base = fmt::format("{}-{}-{}", info->test_suite_name(), info->name(), name);
    run = VmItestDir::path_ / base;
    logs = VmItestDir::path_ / (base + ".logs");
    fs::create_directories(logs);
  }
  fs::path run, logs;
};

// Processes that hold a file beneath `dir` open, or whose command line
// names it: qemu holds the run's scratch disk and logs (as descriptors it
// inherits; its command line names no path of the run), so this finds
// exactly the VMs of that run and nothing anyone else started.
inline std::vector<std::string> processes_naming(const fs::path& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos || std::to_string(getpid()) == pid) continue;
    std::string cmd = slurp(e.path() / "cmdline");
    for (char& c : cmd)
      if (c == '\0') c = ' ';
    bool holds = cmd.find(dir.string()) != std::string::npos;
    std::error_code fd_ec;
    for (const auto& fd : fs::directory_iterator(e.path() / "fd", fd_ec))
      holds = holds || is_at_or_under(fs::read_symlink(fd.path(), fd_ec).string(), dir);
    if (holds) found.push_back(pid + ": " + cmd.substr(0, 200));
  }
  return found;
}

inline void expect_vm_gone(const fs::path& run) {
  // A SIGKILLed qemu is reaped by its parent or, via PDEATHSIG, dies with
  // it; allow the kernel a moment.
  for (int i = 0; i < 50 && !processes_naming(run).empty(); ++i) usleep(100 * 1000);
  auto procs = processes_naming(run);
  EXPECT_TRUE(procs.empty()) << "left running: " << ::testing::PrintToString(procs);
  expect_nothing_left(run);
}

inline fs::path write_vm_scenario(const fs::path& dir, const std::string& name, const std::string& text) {
  fs::path p = dir / (name + ".json");
  std::ofstream(p) << text;
  return p;
}

// What every report of a vm run must show, whatever the scenario.
inline void expect_vm_report(const json& r, const fs::path& run, const fs::path& cache) {
  SCOPED_TRACE(run.string());
  EXPECT_EQ(r.at("run").at("backend"), "vm");
  EXPECT_TRUE(r.at("run").at("error").is_null()) << r.at("run").dump();
  const auto& env = r.at("environment");
  EXPECT_EQ(env.at("backend"), "vm");
  EXPECT_TRUE(env.at("accelerator") == "kvm" || env.at("accelerator") == "tcg") << env.dump();
  EXPECT_FALSE(env.at("accelerator_reason").get<std::string>().empty());
  EXPECT_FALSE(env.at("qemu_version").get<std::string>().empty());
  EXPECT_FALSE(env.at("guest_kernel").get<std::string>().empty());
  EXPECT_GE(env.at("vm_cpus").get<unsigned>(), env.at("accelerator") == "tcg" ? 2u : 1u);
  // Which form of the kernel booted, and why; Debian's cloud kernel has an
  // lz4 payload, so it boots as the extracted PVH vmlinux.
  EXPECT_FALSE(env.at("guest_kernel_form_reason").get<std::string>().empty());
  if (env.at("guest_kernel_image").get<std::string>().find("cloud-amd64") != std::string::npos) {
    EXPECT_EQ(env.at("guest_kernel_form"), "pvh-vmlinux") << env.dump();
  }
  // Every counted exec is an event streamed from the guest, with its pid
  // there (none when the exec itself failed).
  unsigned long execs = 0, without_pid = 0;
  for (const auto& e : r.at("events"))
    if (e.at("type") == "exec") {
      ++execs;
      without_pid += e.at("pid").get<int>() <= 0 && e.at("class") != "exec_failed";
    }
  EXPECT_EQ(without_pid, 0u);
  EXPECT_EQ(execs, r.at("execs").at("total").get<unsigned long>());
  // The loop devices were the guest's: the report names them, the host has none.
  for (const auto& m : r.at("mounts")) EXPECT_EQ(m.at("loop_device").get<std::string>().rfind("/dev/loop", 0), 0u);
  // The guest kernel saw the crashes too, with its own timestamps.
  if (count_of(r, "sigsegv") > 0) {
    bool segfault_line = false;
    for (const auto& k : r.at("kernel_log"))
      segfault_line = segfault_line || k.at("line").get<std::string>().find("segfault") != std::string::npos;
    EXPECT_TRUE(segfault_line) << r.at("kernel_log").dump().substr(0, 2000);
  }
  // Only the documented files on the host: the run directory (its work/
  // with the scratch disk removed) and the cache.
  EXPECT_FALSE(fs::exists(run / "work" / "vm-scratch.img"));
  // How the accelerator was chosen is recorded whatever this machine's
  // /dev/kvm is (none, one that cannot boot, a working one): only a probe
  // boot writes the remembered choice, so only then must the file exist.
  std::string by = env.at("accelerator_decided_by").get<std::string>();
  EXPECT_TRUE(by == "requested" || by == "kvm-unusable" || by == "probe-ok" || by == "probe-failed" ||
              by == "remembered")
      << env.dump();
  if (by == "kvm-unusable" || by == "probe-failed") {
    EXPECT_EQ(env.at("accelerator"), "tcg") << env.dump();
  }
  if (by == "probe-ok") {
    EXPECT_EQ(env.at("accelerator"), "kvm") << env.dump();
  }
  if (by == "probe-ok" || by == "probe-failed") {
    EXPECT_TRUE(fs::exists(cache / "accelerator.json")) << env.dump();
  }
  struct stat st {};
  ASSERT_EQ(stat(cache.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u) << "the VM cache holds what the harness boots: private";
  EXPECT_EQ(r.at("environment").at("initramfs").get<std::string>().rfind(cache.string(), 0), 0u);
}

}  // namespace harness::itest
