#include "base/procfs.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace harness {
namespace {

TEST(Procfs, OurOwnProcess) {
  auto st = process_stat(getpid());
  ASSERT_TRUE(st);
  EXPECT_EQ(st->pid, getpid());
  EXPECT_EQ(st->ppid, getppid());
  EXPECT_EQ(st->pgid, getpgrp());
  EXPECT_GT(st->start_time, 0u);
  EXPECT_NE(process_exe(getpid()).find("base_tests"), std::string::npos);
  auto argv = process_argv(getpid());
  ASSERT_FALSE(argv.empty());
  EXPECT_NE(argv[0].find("base_tests"), std::string::npos);
}

TEST(Procfs, AProcessThatIsGone) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_FALSE(process_stat(child));
  EXPECT_EQ(process_exe(child), "");
  EXPECT_TRUE(process_argv(child).empty());
}

}  // namespace
}  // namespace harness
