#include "core/kill_timing.h"

#include <gtest/gtest.h>

#include <set>

namespace harness {
namespace {

using std::chrono::milliseconds;

Action random_kill(long lo, long hi) {
  Action a;
  a.kind = ActionKind::kill;
  a.random_window = std::pair{milliseconds(lo), milliseconds(hi)};
  return a;
}

TEST(KillTiming, ASeedReplaysTheSameOffsetInsideTheWindow) {
  Action a = random_kill(50, 2000);
  std::set<long> seen;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    auto d = kill_delay(a, seed);
    EXPECT_GE(d.count(), 50);
    EXPECT_LE(d.count(), 2000);
    EXPECT_EQ(d, kill_delay(a, seed)) << "seed " << seed;
    seen.insert(d.count());
  }
  // Spread over the window, not a constant.
  EXPECT_GT(seen.size(), 150u);
  EXPECT_LT(*seen.begin(), 300);
  EXPECT_GT(*seen.rbegin(), 1750);
}

TEST(KillTiming, AOneValueWindowAndAFixedOffset) {
  EXPECT_EQ(kill_delay(random_kill(7, 7), 12345), milliseconds(7));
  Action fixed;
  fixed.after = milliseconds(300);
  EXPECT_EQ(kill_delay(fixed, 99), milliseconds(300));
  Action at_write;
  at_write.at_write = 5;
  EXPECT_EQ(kill_delay(at_write, 99), milliseconds(0));
}

TEST(KillTiming, TheScenarioSeedWinsOverAFreshOne) {
  Action a = random_kill(0, 10);
  EXPECT_EQ(kill_seed(a, 42), 42u);
  a.seed = 7;
  EXPECT_EQ(kill_seed(a, 42), 7u);
}

}  // namespace
}  // namespace harness
