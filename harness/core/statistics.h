// Exact binomial confidence bounds (Clopper–Pearson), so that "zero
// crashes in N execs" becomes a stated bound on the crash probability.
#pragma once

namespace harness {

// Regularised incomplete beta function I_x(a, b).
double incomplete_beta(double a, double b, double x);

struct BinomialInterval {
  double low = 0;
  double high = 1;
};

// Two-sided interval with coverage `confidence` (0.95) for k successes in n.
BinomialInterval clopper_pearson(unsigned long k, unsigned long n, double confidence = 0.95);
// One-sided upper bound: P(p <= bound) = confidence. For k = 0 this is
// 1 - (1-confidence)^(1/n), about 3/n at 95% (the "rule of three").
double clopper_pearson_upper(unsigned long k, unsigned long n, double confidence = 0.95);

}  // namespace harness
