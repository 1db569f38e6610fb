// Helpers any test may use (unit tests of every layer and the integration
// tests): a temp directory, reading a file, running a program with its
// output in files. Header-only so no library carries test code.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/child.h"

namespace harness::testing {

namespace fs = std::filesystem;

inline std::string source_path(const std::string& rel) {
  return std::string(HARNESS_SOURCE_DIR) + "/" + rel;
}

// How many times `needle` occurs in `s`, without overlaps.
inline size_t count_occurrences(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + needle.size())) ++n;
  return n;
}

// Whether `needle` occurs in `s`.
inline bool has(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

#ifdef TESTPROGS_DIR
// A program of harness/testprogs, built beside the tests.
inline std::string testprog(const std::string& name) { return std::string(TESTPROGS_DIR) + "/" + name; }
#endif

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
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

// Runs argv under `o` (which names the output files) and returns its exit
// code, 128+N for a signal, and its output.
inline CliResult run_with_output(const std::vector<std::string>& argv, const ChildOptions& o) {
  auto r = run_child(argv, o);
  CliResult c;
  c.exit_code = WIFEXITED(r.wait_status) ? WEXITSTATUS(r.wait_status) : 128 + WTERMSIG(r.wait_status);
  c.out = slurp(o.stdout_file);
  c.err = slurp(o.stderr_file);
  return c;
}

// Runs argv with stdout/stderr in `logs`.
inline CliResult run_argv(const std::vector<std::string>& argv, const fs::path& logs, std::chrono::seconds timeout) {
  ChildOptions o;
  o.stdout_file = logs / "stdout.txt";
  o.stderr_file = logs / "stderr.txt";
  o.timeout = timeout;
  // A CI that shards this test binary must not make the harness under test
  // shard its own scenario list.
  o.unset_env = {"GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS"};
  return run_with_output(argv, o);
}

// A word no other process on the machine has in its command line, so a
// test can find the processes it started (and only those) by passing it
// as an argument the program ignores.
inline std::string unique_token(const std::string& tag = "t") {
  std::random_device rd;
  return "harness-test-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(rd());
}

// Live processes whose command line contains `token` (a zombie's is empty).
inline std::vector<pid_t> processes_with(const std::string& token) {
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(token) != std::string::npos) found.push_back(std::stoi(name));
  }
  return found;
}

// Waits up to 3 s for every process carrying `token` to be gone (a killed
// orphan is reaped by whoever adopted it) and returns those still there,
// after killing them, so that a failing test leaves nothing running.
inline std::vector<pid_t> survivors(const std::string& token) {
  std::vector<pid_t> left;
  for (int i = 0; i < 60; ++i) {
    left = processes_with(token);
    if (left.empty()) return left;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (pid_t p : left) kill(p, SIGKILL);
  return left;
}

}  // namespace harness::testing
