#include "base/interrupt.h"

#include <gtest/gtest.h>

#include <thread>

namespace harness {
namespace {

TEST(Interrupt, TheRunsStopFlagCutsASleepShort) {
  std::atomic<bool> stop{true};
  EXPECT_FALSE(interruptible_sleep(std::chrono::hours(1), &stop));
  stop = false;
  EXPECT_TRUE(interruptible_sleep(std::chrono::milliseconds(1), &stop));
}

TEST(Interrupt, ASignalIsTheOnlyThingThatSetsTheFlag) {
  EXPECT_EQ(interrupted(), 0);
  request_interrupt(SIGINT);
  EXPECT_EQ(interrupted(), SIGINT);
  EXPECT_FALSE(interruptible_sleep(std::chrono::hours(1)));
  EXPECT_EQ(interrupted_message(SIGINT), "interrupted by signal SIGINT");
  clear_interrupt();
  EXPECT_EQ(interrupted(), 0);
}

}  // namespace
}  // namespace harness
