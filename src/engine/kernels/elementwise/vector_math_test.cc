#include "engine/kernels/elementwise/vector_math.h"

#include <cmath>
#include <functional>
#include <limits>

#include "gtest/gtest.h"

namespace berth::engine {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Checks fn against a double-precision reference on a dense grid of [lo, hi]: relative error
// at most rel, or absolute error at most abs_floor (for results near zero).
void ExpectClose(const char* name, float (*fn)(float), const std::function<double(double)>& ref,
                 float lo, float hi, double rel, double abs_floor = 1e-37) {
  constexpr int kSteps = 200000;
  double worst = 0;
  float worst_x = 0;
  for (int i = 0; i <= kSteps; ++i) {
    float x = lo + (hi - lo) * static_cast<float>(i) / kSteps;
    double expected = ref(static_cast<double>(x));
    double got = fn(x);
    double err = std::fabs(got - expected);
    if (err <= abs_floor) continue;
    double r = err / std::fabs(expected);
    if (r > worst) {
      worst = r;
      worst_x = x;
    }
  }
  EXPECT_LE(worst, rel) << name << " worst relative error at x=" << worst_x;
}

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double Softplus(double x) { return std::log1p(std::exp(-std::fabs(x))) + std::max(x, 0.0); }

TEST(VectorMathTest, AccurateOverRange) {
  ExpectClose("Exp", vecmath::Exp, [](double x) { return std::exp(x); }, -87, 88.7f, 3e-7);
  ExpectClose("Expm1", vecmath::Expm1, [](double x) { return std::expm1(x); }, -20, 20, 3e-7);
  ExpectClose("Log", vecmath::Log, [](double x) { return std::log(x); }, 1e-30f, 10, 3e-7,
              1e-7);
  ExpectClose("Log big", vecmath::Log, [](double x) { return std::log(x); }, 1, 3e38f, 3e-7);
  ExpectClose("Sigmoid", vecmath::Sigmoid, Sigmoid, -80, 30, 5e-7);
  ExpectClose("Tanh", vecmath::Tanh, [](double x) { return std::tanh(x); }, -12, 12, 5e-7);
  ExpectClose("Tanh small", vecmath::Tanh, [](double x) { return std::tanh(x); }, -1e-3f, 1e-3f,
              3e-7);
  ExpectClose("Erf", vecmath::Erf, [](double x) { return std::erf(x); }, -6, 6, 5e-7);
  // In the tails the rounding of a large exponent argument (z^2 ~ 70) bounds the accuracy.
  auto erfc = [](double x) { return std::erfc(x); };
  ExpectClose("Erfc", vecmath::ErfcNonNegative, erfc, 0, 4, 2e-6);
  ExpectClose("Erfc tail", vecmath::ErfcNonNegative, erfc, 4, 9, 5e-6);
  auto gelu = [](double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); };
  ExpectClose("GeluErf", vecmath::GeluErf, gelu, -6, 12, 5e-6);
  ExpectClose("GeluErf tail", vecmath::GeluErf, gelu, -12, -6, 3e-5);
  ExpectClose("GeluTanh", vecmath::GeluTanh,
              [](double x) {
                double u = std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x);
                return x * Sigmoid(2 * u);  // = 0.5 x (1 + tanh u), without cancellation
              },
              -8, 8, 1e-5);
  ExpectClose("Softplus", vecmath::Softplus, Softplus, -80, 80, 5e-7);
  ExpectClose("Mish", vecmath::Mish,
              [](double x) { return x * std::tanh(std::log1p(std::exp(x))); }, -30, 30, 1e-6);
}

TEST(VectorMathTest, SpecialValues) {
  EXPECT_EQ(vecmath::Exp(kInf), kInf);
  EXPECT_EQ(vecmath::Exp(-kInf), 0.0f);
  EXPECT_EQ(vecmath::Exp(100.0f), kInf);
  EXPECT_EQ(vecmath::Exp(-200.0f), 0.0f);
  EXPECT_TRUE(std::isnan(vecmath::Exp(kNaN)));
  EXPECT_EQ(vecmath::Log(0.0f), -kInf);
  EXPECT_EQ(vecmath::Log(kInf), kInf);
  EXPECT_TRUE(std::isnan(vecmath::Log(-1.0f)));
  EXPECT_TRUE(std::isnan(vecmath::Log(kNaN)));
  EXPECT_NEAR(vecmath::Log(1e-40f), std::log(1e-40), 1e-5);  // subnormal input
  EXPECT_EQ(vecmath::Tanh(kInf), 1.0f);
  EXPECT_EQ(vecmath::Tanh(-kInf), -1.0f);
  EXPECT_TRUE(std::isnan(vecmath::Tanh(kNaN)));
  EXPECT_EQ(vecmath::Sigmoid(-kInf), 0.0f);
  EXPECT_EQ(vecmath::Sigmoid(kInf), 1.0f);
  EXPECT_EQ(vecmath::Erf(kInf), 1.0f);
  EXPECT_EQ(vecmath::Erf(-kInf), -1.0f);
  EXPECT_TRUE(std::isnan(vecmath::Erf(kNaN)));
  EXPECT_TRUE(std::isnan(vecmath::GeluErf(kNaN)));
  EXPECT_EQ(vecmath::Softplus(kInf), kInf);
  EXPECT_EQ(vecmath::Softplus(-kInf), 0.0f);
  EXPECT_EQ(vecmath::Mish(kInf), kInf);
  EXPECT_TRUE(std::isnan(vecmath::Mish(kNaN)));
}

}  // namespace
}  // namespace berth::engine
