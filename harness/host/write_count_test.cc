#include "host/write_count.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>

namespace harness {
namespace {

// A process tree whose counts the test sets between samples.
class FakeIo : public ProcessIo {
 public:
  std::map<pid_t, uint64_t> syscw;
  std::map<pid_t, std::vector<pid_t>> kids;
  std::optional<uint64_t> write_syscalls(pid_t pid) const override {
    auto it = syscw.find(pid);
    if (it == syscw.end()) return std::nullopt;
    return it->second;
  }
  std::vector<pid_t> children(pid_t pid) const override {
    auto it = kids.find(pid);
    return it == kids.end() ? std::vector<pid_t>{} : it->second;
  }
};

TEST(WriteCounter, CountsTheWholeTreeAndKeepsTheWritesOfExitedChildren) {
  FakeIo io;
  io.syscw = {{10, 2}, {11, 0}};
  io.kids = {{10, {11}}};
  WriteCounter c(io, 10);
  EXPECT_EQ(c.sample(), 2u);
  io.syscw[11] = 5;  // the script's `cat` writes
  EXPECT_EQ(c.sample(), 7u);
  io.syscw.erase(11);  // ... and exits
  io.kids.clear();
  io.syscw[10] = 3;
  EXPECT_EQ(c.sample(), 8u) << "an exited child's writes still count";
  io.syscw.clear();  // everyone gone
  EXPECT_EQ(c.sample(), 8u);
}

TEST(WriteCounter, ReadsThisProcessFromProc) {
  ProcProcessIo io;
  auto before = io.write_syscalls(getpid());
  ASSERT_TRUE(before.has_value()) << "/proc/self/io unreadable";
  ASSERT_EQ(::write(STDERR_FILENO, "", 0), 0);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(::write(STDERR_FILENO, ".", 1), 1);
  auto after = io.write_syscalls(getpid());
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(*after, *before + 3);
  EXPECT_FALSE(io.write_syscalls(0x3fffffff).has_value());
}

}  // namespace
}  // namespace harness
