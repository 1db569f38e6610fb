#include "core/statistics.h"

#include <cmath>

namespace harness {

// Continued fraction for I_x(a,b), modified Lentz's method.
static double beta_cf(double a, double b, double x) {
  constexpr int kMaxIter = 10000;
  constexpr double kEps = 1e-15, kTiny = 1e-300;
  double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= kMaxIter; ++m) {
    int m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < kEps) break;
  }
  return h;
}

double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  double lbt = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) +
               b * std::log1p(-x);
  double bt = std::exp(lbt);
  if (x < (a + 1) / (a + b + 2)) return bt * beta_cf(a, b, x) / a;
  return 1 - bt * beta_cf(b, a, 1 - x) / b;
}

// The q-quantile of Beta(a, b), by bisection (monotone, robust).
static double beta_quantile(double q, double a, double b) {
  double lo = 0, hi = 1;
  for (int i = 0; i < 200; ++i) {
    double mid = (lo + hi) / 2;
    if (incomplete_beta(a, b, mid) < q)
      lo = mid;
    else
      hi = mid;
  }
  return (lo + hi) / 2;
}

BinomialInterval clopper_pearson(unsigned long k, unsigned long n, double confidence) {
  BinomialInterval r;
  if (n == 0) return r;
  double alpha = 1 - confidence;
  double kk = static_cast<double>(k), nn = static_cast<double>(n);
  r.low = k == 0 ? 0.0 : beta_quantile(alpha / 2, kk, nn - kk + 1);
  r.high = k == n ? 1.0 : beta_quantile(1 - alpha / 2, kk + 1, nn - kk);
  return r;
}

double clopper_pearson_upper(unsigned long k, unsigned long n, double confidence) {
  if (n == 0) return 1;
  if (k >= n) return 1;
  double kk = static_cast<double>(k), nn = static_cast<double>(n);
  return beta_quantile(confidence, kk + 1, nn - kk);
}

}  // namespace harness
