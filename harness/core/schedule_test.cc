#include "core/schedule.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

using std::chrono::milliseconds;
using ms = milliseconds;

TEST(Schedule, WhileWorkloadFiresBackToBackWithItsPause) {
  Schedule s = schedule_while_workload(ms(7));
  EXPECT_TRUE(s.runs_until_workload_ends());
  EXPECT_EQ(s.next_start(0, ms(0), ms(0)), ms(0));
  EXPECT_EQ(s.next_start(1, ms(0), ms(30)), ms(37));
  EXPECT_EQ(s.next_start(1000, ms(0), ms(5000)), ms(5007));
}

TEST(Schedule, EveryIsStartToStartAndNeverBursts) {
  Schedule s = schedule_every(ms(100), ms(50), std::nullopt);
  EXPECT_EQ(s.next_start(0, ms(0), ms(0)), ms(50));
  EXPECT_EQ(s.next_start(1, ms(50), ms(60)), ms(150));
  // A firing that overran its period: the next starts when it ends.
  EXPECT_EQ(s.next_start(2, ms(150), ms(400)), ms(400));
}

TEST(Schedule, EveryWithTimesStops) {
  Schedule s = schedule_every(ms(10), ms(0), 2u);
  EXPECT_TRUE(s.next_start(1, ms(0), ms(1)));
  EXPECT_FALSE(s.next_start(2, ms(10), ms(11)));
  EXPECT_FALSE(s.runs_until_workload_ends());
}

TEST(Schedule, OnceAfter) {
  Schedule s = schedule_once(ms(500));
  EXPECT_EQ(s.next_start(0, ms(0), ms(0)), ms(500));
  EXPECT_FALSE(s.next_start(1, ms(500), ms(510)));
}

TEST(Schedule, TimesIsEndToStart) {
  Schedule s = schedule_times(3, ms(20), ms(5));
  EXPECT_EQ(s.next_start(0, ms(0), ms(0)), ms(5));
  EXPECT_EQ(s.next_start(1, ms(5), ms(15)), ms(35));
  EXPECT_EQ(s.next_start(2, ms(35), ms(40)), ms(60));
  EXPECT_FALSE(s.next_start(3, ms(60), ms(70)));
}

}  // namespace
}  // namespace harness
