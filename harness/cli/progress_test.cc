#include "cli/progress.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(Progress, EtaByIterationsAtTheRateSoFar) {
  // 1000 execs in all, 100 done in 10 s: 900 more at 10 per second.
  EXPECT_EQ(eta_text(1000UL, std::nullopt, 10.0, 100), "ETA 90s");
  // Done (or past the count: warm-up execs are counted too): nothing left.
  EXPECT_EQ(eta_text(1000UL, std::nullopt, 10.0, 1000), "ETA 0s");
  EXPECT_EQ(eta_text(1000UL, std::nullopt, 10.0, 1200), "ETA 0s");
}

TEST(Progress, NoRateYetNoEta) {
  EXPECT_EQ(eta_text(1000UL, std::nullopt, 0.1, 5), "ETA ?") << "the first 0.2 s tell no rate";
  EXPECT_EQ(eta_text(1000UL, std::nullopt, 5.0, 0), "ETA ?") << "no exec yet";
  EXPECT_EQ(eta_text(std::nullopt, std::nullopt, 5.0, 50), "ETA ?") << "neither a count nor a duration";
}

TEST(Progress, EtaByDurationAndWhicheverEndsFirst) {
  EXPECT_EQ(eta_text(std::nullopt, 30.0, 10.0, 100), "ETA 20s");
  EXPECT_EQ(eta_text(std::nullopt, 30.0, 0.0, 0), "ETA 30s") << "a duration needs no rate";
  EXPECT_EQ(eta_text(std::nullopt, 30.0, 31.0, 100), "ETA ?") << "past its duration the workload is ending";
  // Iterations say 90 s, the duration 20 s: the duration ends it.
  EXPECT_EQ(eta_text(1000UL, 30.0, 10.0, 100), "ETA 20s");
  // Iterations say 5 s, the duration 20 s.
  EXPECT_EQ(eta_text(150UL, 30.0, 10.0, 100), "ETA 5s");
}

TEST(Progress, OffATerminalEachPhaseIsOneLabelledLine) {
  Scenario s;
  s.workload.iterations = 100;
  ::testing::internal::CaptureStderr();  // stderr is a file: no live line, even when asked
  {
    Progress p(s, "heroku #3", /*live=*/true);
    ASSERT_TRUE(p.observer().on_phase);
    ASSERT_NE(p.observer().progress, nullptr);
    p.observer().on_phase("setup");
    p.observer().on_phase("faults");
  }
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "[heroku #3] setup\n[heroku #3] faults\n");
}

}  // namespace
}  // namespace harness
