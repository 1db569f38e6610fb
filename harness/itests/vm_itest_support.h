// Helpers of the vm backend's integration tests (vm_*_itest.cc): one
// parent folder for every VM run of the test binary (so they share its
// VM cache, as runs in reports/runs/ do), a run folder per test, and the
// check that no qemu and nothing else of a run is left.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fstream>
#include <string>
#include <vector>

#include "itests/itest_support.h"
#include "vm/vm_backend.h"

namespace harness::itest {

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
  static inline fs::path path_;
};
inline auto* const kVmItestDir = ::testing::AddGlobalTestEnvironment(new VmItestDir);

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

// Processes whose command line mentions `dir`: qemu names the scratch disk
// and console log inside the run directory, so this finds exactly the VMs
// of that run and nothing anyone else started.
inline std::vector<std::string> processes_naming(const fs::path& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmd = slurp(e.path() / "cmdline");
    for (char& c : cmd)
      if (c == '\0') c = ' ';
    if (cmd.find(dir.string()) != std::string::npos && std::to_string(getpid()) != pid)
      found.push_back(pid + ": " + cmd.substr(0, 200));
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

inline fs::path write_scenario_file(const fs::path& dir, const std::string& name, const std::string& text) {
  fs::path p = dir / (name + ".json");
  std::ofstream(p) << text;
  return p;
}

}  // namespace harness::itest
