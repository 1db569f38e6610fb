// Shared helpers for the integration tests (*_itest.cc): run the real
// harness binary, read its report, and check that nothing of a run is left
// on the machine. Header-only so the library does not carry test code.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/digest.h"
#include "testing/test_support.h"

namespace harness::itest {

namespace fs = std::filesystem;
using namespace ::harness::testing;

inline bool have_root_and_loop(std::string* why) {
  if (geteuid() != 0) {
    *why = "needs root (loop devices, mounts, drop_caches)";
    return false;
  }
  if (access("/dev/loop-control", R_OK | W_OK) != 0) {
    *why = "/dev/loop-control is not usable on this machine";
    return false;
  }
  return true;
}

#define HARNESS_REQUIRE_ROOT_AND_LOOP()                                        \
  do {                                                                         \
    std::string why_;                                                          \
    if (!::harness::itest::have_root_and_loop(&why_)) GTEST_SKIP() << why_;   \
  } while (0)

inline CliResult run_harness(const std::vector<std::string>& args, const fs::path& logs,
                             std::chrono::seconds timeout = std::chrono::seconds(300)) {
  std::vector<std::string> argv{HARNESS_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_argv(argv, logs, timeout);
}

inline nlohmann::json read_report(const fs::path& run_dir) {
  return nlohmann::json::parse(slurp(run_dir / "report.json"));
}

// Loop devices whose backing file lies under `dir` (by path; the run dir
// names are unique, so this never matches anything we did not create).
inline std::vector<std::string> loop_devices_under(const fs::path& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/sys/block", ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("loop", 0) != 0) continue;
    std::ifstream in(e.path() / "loop" / "backing_file");
    std::string backing;
    if (in && std::getline(in, backing) && backing.find(dir.string()) != std::string::npos)
      found.push_back("/dev/" + name + " -> " + backing);
  }
  return found;
}

// Mounts under `dir` visible in this (the host's) mount namespace.
inline std::vector<std::string> mounts_under(const fs::path& dir) {
  std::vector<std::string> found;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);)
    if (line.find(dir.string()) != std::string::npos) found.push_back(line);
  return found;
}

inline void expect_nothing_left(const fs::path& dir) {
  // Autoclear frees a loop device asynchronously after the last unmount;
  // give the kernel a moment before calling it a leak.
  for (int i = 0; i < 50 && !loop_devices_under(dir).empty(); ++i) usleep(100 * 1000);
  auto loops = loop_devices_under(dir);
  EXPECT_TRUE(loops.empty()) << "leaked loop devices: " << ::testing::PrintToString(loops);
  auto mounts = mounts_under(dir);
  EXPECT_TRUE(mounts.empty()) << "leaked mounts: " << ::testing::PrintToString(mounts);
}

inline unsigned long count_of(const nlohmann::json& report, const std::string& cls) {
  return report.at("counts").at(cls).get<unsigned long>();
}

// What a file outside the run directory looks like; hostile scenarios
// must leave it exactly so.
struct FileState {
  std::string sha;
  off_t size = 0;
  timespec mtime{};
  bool operator==(const FileState& o) const {
    return sha == o.sha && size == o.size && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec;
  }
};

inline FileState state_of(const fs::path& p) {
  struct stat st {};
  lstat(p.c_str(), &st);
  return FileState{file_digest_hex(DigestAlgo::sha256, p), st.st_size, st.st_mtim};
}

// A file outside the run directory that hostile scenarios aim at (we
// create it; the real /etc/passwd is never put at risk).
struct Victim {
  fs::path path;
  FileState before;
  explicit Victim(const fs::path& p) : path(p) {
    std::ofstream(p) << "root:x:0:0:root:/root:/bin/bash\nthis file must never change\n";
    before = state_of(p);
  }
  void expect_untouched() const {
    ASSERT_TRUE(fs::exists(path)) << path << " was removed";
    FileState now = state_of(path);
    EXPECT_TRUE(now == before) << path << " changed: size " << before.size << " -> " << now.size;
  }
};

}  // namespace harness::itest
