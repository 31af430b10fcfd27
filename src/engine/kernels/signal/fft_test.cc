#include "engine/kernels/signal/fft.h"

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace berth::engine {
namespace {

std::vector<Complex> NaiveDft(const std::vector<Complex>& x, bool inverse) {
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<Complex> out(n);
  const double sign = inverse ? 1.0 : -1.0;
  for (int64_t k = 0; k < n; ++k) {
    Complex sum(0, 0);
    for (int64_t j = 0; j < n; ++j) {
      sum += x[j] * std::polar(1.0, sign * 2 * std::numbers::pi * ((j * k) % n) / n);
    }
    out[k] = sum;
  }
  return out;
}

TEST(FftPlanTest, MatchesNaiveDftForPowersOfTwoAndOtherLengths) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> dist(-1, 1);
  for (int64_t n : {1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 31, 64, 100, 128, 400}) {
    std::vector<Complex> x(n);
    for (Complex& v : x) v = Complex(dist(rng), dist(rng));
    FftPlan plan(n);
    std::vector<Complex> work(plan.work_size()), out(n);
    for (bool inverse : {false, true}) {
      plan.Transform(x.data(), out.data(), inverse, work.data());
      const std::vector<Complex> expected = NaiveDft(x, inverse);
      for (int64_t k = 0; k < n; ++k) {
        EXPECT_NEAR(out[k].real(), expected[k].real(), 1e-10 * n) << "n=" << n << " k=" << k;
        EXPECT_NEAR(out[k].imag(), expected[k].imag(), 1e-10 * n) << "n=" << n << " k=" << k;
      }
    }
  }
}

TEST(FftPlanTest, ForwardThenInverseRestoresTheSignal) {
  const int64_t n = 30;
  std::vector<Complex> x(n);
  for (int64_t i = 0; i < n; ++i) x[i] = Complex(std::sin(i * 0.3), std::cos(i * 0.7));
  FftPlan plan(n);
  std::vector<Complex> work(plan.work_size()), spectrum(n), back(n);
  plan.Transform(x.data(), spectrum.data(), false, work.data());
  plan.Transform(spectrum.data(), back.data(), true, work.data());
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_NEAR(back[i].real() / n, x[i].real(), 1e-12);
    EXPECT_NEAR(back[i].imag() / n, x[i].imag(), 1e-12);
  }
}

TEST(FftPlanCacheTest, ReturnsTheSamePlanForALength) {
  FftPlanCache cache;
  std::shared_ptr<const FftPlan> a = cache.Get(12);
  EXPECT_EQ(a, cache.Get(12));
  EXPECT_EQ(cache.Get(16)->size(), 16);
}

}  // namespace
}  // namespace berth::engine
