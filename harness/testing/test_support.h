// Helpers any test may use (unit tests of every layer and the integration
// tests): a temp directory, reading a file, running a program with its
// output in files. Header-only so no library carries test code.
#pragma once

#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/child.h"

namespace harness::testing {

namespace fs = std::filesystem;

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

}  // namespace harness::testing
