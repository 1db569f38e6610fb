// Child runs one helper program (mkfs.ext4, an installer under test, a
// command a scenario names) through Boost.Process. It owns the process:
// the destructor kills and reaps a child that is still running. Output goes
// to files the caller names (inside the run directory), so a chatty helper
// can never block on a full pipe.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace harness {

struct ChildResult {
  int wait_status = 0;  // raw, decode with WIFEXITED/WTERMSIG
  pid_t pid = 0;
  bool timed_out = false;
  bool interrupted = false;
  bool stopped = false;  // killed because the run was stopped (opts.stop)
  std::chrono::milliseconds elapsed{0};

  bool succeeded() const;
  // "exit 0", "exit 3", "signal SIGSEGV", "timeout", "interrupted", "stopped".
  std::string describe() const;
};

struct ChildOptions {
  std::filesystem::path cwd;
  std::filesystem::path stdout_file;  // empty: /dev/null
  std::filesystem::path stderr_file;  // empty: /dev/null
  std::chrono::milliseconds timeout{60000};
  // Variables removed from the inherited environment (e.g. a CI's
  // GTEST_SHARD_INDEX, which would make a child harness shard its input).
  std::vector<std::string> unset_env;
  // When it becomes true the child is killed: the run it belongs to was
  // stopped (its verdict was decided, or it timed out).
  const std::atomic<bool>* stop = nullptr;
};

class Child {
 public:
  // Resolves argv[0] through PATH when it has no '/'. Throws
  // EnvironmentError when the program cannot be found.
  Child(const std::vector<std::string>& argv, const ChildOptions& opts);
  ~Child();
  Child(Child&&) noexcept;
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const;
  // Waits for exit, the timeout, or an interrupt (then kills with SIGKILL).
  ChildResult wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs to completion; convenience for helpers whose output is a file.
ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& opts);

// Where argv[0] would be found, or nullopt.
std::optional<std::filesystem::path> find_program(const std::string& name);

// Reads at most `cap` bytes of a file (for stdout/stderr excerpts).
std::string read_file_capped(const std::filesystem::path& p, size_t cap);

}  // namespace harness
