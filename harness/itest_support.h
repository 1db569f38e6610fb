// Shared helpers for the integration tests (*_itest.cc): run the real
// harness binary, read its report, and check that nothing of a run is left
// on the machine. Header-only so the library does not carry test code.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "child.h"

namespace harness::itest {

namespace fs = std::filesystem;

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

inline std::string source_path(const std::string& rel) {
  return std::string(HARNESS_SOURCE_DIR) + "/" + rel;
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh directory for one test; removed (never crossing mounts) at the end.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/harness-itest-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs argv with stdout/stderr in `logs`; the exit code is 128+N for a signal.
inline CliResult run_argv(const std::vector<std::string>& argv, const fs::path& logs, std::chrono::seconds timeout) {
  ChildOptions o;
  o.stdout_file = logs / "stdout.txt";
  o.stderr_file = logs / "stderr.txt";
  o.timeout = timeout;
  // A CI that shards this test binary must not make the harness under test
  // shard its own scenario list.
  o.unset_env = {"GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS"};
  auto r = run_child(argv, o);
  CliResult c;
  c.exit_code = WIFEXITED(r.wait_status) ? WEXITSTATUS(r.wait_status) : 128 + WTERMSIG(r.wait_status);
  c.out = slurp(o.stdout_file);
  c.err = slurp(o.stderr_file);
  return c;
}

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

}  // namespace harness::itest
