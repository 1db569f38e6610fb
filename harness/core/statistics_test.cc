#include "core/statistics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace harness {
namespace {

// Reference values from R: binom.test(k, n)$conf.int, and qbeta.
TEST(ClopperPearson, TwoSidedMatchesReference) {
  auto a = clopper_pearson(0, 10);
  EXPECT_DOUBLE_EQ(a.low, 0.0);
  EXPECT_NEAR(a.high, 0.3084971, 1e-6);
  auto b = clopper_pearson(5, 10);
  EXPECT_NEAR(b.low, 0.1870860, 1e-6);
  EXPECT_NEAR(b.high, 0.8129140, 1e-6);
  auto c = clopper_pearson(197, 200);
  EXPECT_NEAR(c.low, 0.9567, 1e-3);
  EXPECT_NEAR(c.high, 0.99690, 1e-4);
  auto d = clopper_pearson(10, 10);
  EXPECT_DOUBLE_EQ(d.high, 1.0);
}

TEST(ClopperPearson, OneSidedZeroIsTheRuleOfThree) {
  // Exact: 1 - 0.05^(1/n).
  for (unsigned long n : {100ul, 2000ul, 100000ul}) {
    double exact = 1 - std::pow(0.05, 1.0 / static_cast<double>(n));
    EXPECT_NEAR(clopper_pearson_upper(0, n), exact, 1e-9) << n;
    EXPECT_NEAR(clopper_pearson_upper(0, n) * static_cast<double>(n), 3.0, 0.06) << n;
  }
}

TEST(ClopperPearson, NoTrialsMeansNoInformation) {
  EXPECT_DOUBLE_EQ(clopper_pearson_upper(0, 0), 1.0);
  auto r = clopper_pearson(0, 0);
  EXPECT_DOUBLE_EQ(r.low, 0.0);
  EXPECT_DOUBLE_EQ(r.high, 1.0);
}

TEST(IncompleteBeta, KnownValues) {
  EXPECT_NEAR(incomplete_beta(1, 1, 0.3), 0.3, 1e-12);
  EXPECT_NEAR(incomplete_beta(2, 3, 0.4), 0.5248, 1e-10);
}

}  // namespace
}  // namespace harness
