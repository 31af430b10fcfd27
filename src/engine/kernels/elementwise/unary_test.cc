// Unary math, logic and activation kernels: values, types, old opsets, errors, and the
// vectorized float path against a double-precision reference on a large parallel tensor.
#include <omp.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectTensorNear;
using testing::FloatAttr;
using testing::IntAttr;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;
using testing::StringAttr;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

absl::StatusOr<Tensor> RunUnary(const std::string& op, int opset, const Tensor& x,
                                std::map<std::string, Attribute> attrs = {}) {
  absl::StatusOr<std::vector<Tensor>> out = RunNode(MakeNode(op, 1, 1, attrs), opset, {&x});
  if (!out.ok()) return out.status();
  return std::move((*out)[0]);
}

struct FloatCase {
  std::string op;
  int opset;
  std::map<std::string, Attribute> attrs;
  std::function<double(double)> ref;
};

double Sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
double Clamp01(double v) { return std::min(1.0, std::max(0.0, v)); }

std::vector<FloatCase> FloatCases() {
  const double sa = 1.67326319217681884765625;
  const double sg = 1.05070102214813232421875;
  return {
      {"Abs", 13, {}, [](double x) { return std::fabs(x); }},
      {"Neg", 13, {}, [](double x) { return -x; }},
      {"Reciprocal", 13, {}, [](double x) { return 1 / x; }},
      {"Floor", 13, {}, [](double x) { return std::floor(x); }},
      {"Ceil", 13, {}, [](double x) { return std::ceil(x); }},
      {"Round", 11, {}, [](double x) { return std::nearbyint(x); }},
      {"Sqrt", 13, {}, [](double x) { return std::sqrt(x); }},
      {"Exp", 13, {}, [](double x) { return std::exp(x); }},
      {"Log", 13, {}, [](double x) { return std::log(x); }},
      {"Sin", 7, {}, [](double x) { return std::sin(x); }},
      {"Cos", 7, {}, [](double x) { return std::cos(x); }},
      {"Tan", 7, {}, [](double x) { return std::tan(x); }},
      {"Asin", 7, {}, [](double x) { return std::asin(x); }},
      {"Acos", 7, {}, [](double x) { return std::acos(x); }},
      {"Atan", 7, {}, [](double x) { return std::atan(x); }},
      {"Sinh", 9, {}, [](double x) { return std::sinh(x); }},
      {"Cosh", 9, {}, [](double x) { return std::cosh(x); }},
      {"Asinh", 9, {}, [](double x) { return std::asinh(x); }},
      {"Acosh", 9, {}, [](double x) { return std::acosh(x); }},
      {"Atanh", 9, {}, [](double x) { return std::atanh(x); }},
      {"Erf", 13, {}, [](double x) { return std::erf(x); }},
      {"Sign", 13, {}, [](double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }},
      {"Relu", 14, {}, [](double x) { return std::max(x, 0.0); }},
      {"LeakyRelu", 16, {{"alpha", FloatAttr(0.1f)}},
       [](double x) { return x < 0 ? 0.1f * x : x; }},
      {"Elu", 6, {{"alpha", FloatAttr(2.0f)}},
       [](double x) { return x > 0 ? x : 2 * std::expm1(x); }},
      {"Selu", 6, {}, [=](double x) { return x > 0 ? sg * x : sg * sa * std::expm1(x); }},
      {"Celu", 12, {{"alpha", FloatAttr(1.5f)}},
       [](double x) { return std::max(0.0, x) + std::min(0.0, 1.5 * std::expm1(x / 1.5)); }},
      {"Sigmoid", 13, {}, Sigmoid},
      {"HardSigmoid", 6, {{"alpha", FloatAttr(0.3f)}, {"beta", FloatAttr(0.4f)}},
       [](double x) { return Clamp01(0.3f * x + 0.4f); }},
      {"HardSwish", 14, {}, [](double x) { return x * Clamp01(x / 6 + 0.5); }},
      {"Softplus", 1, {}, [](double x) { return std::log1p(std::exp(x)); }},
      {"Softsign", 1, {}, [](double x) { return x / (1 + std::fabs(x)); }},
      {"Tanh", 13, {}, [](double x) { return std::tanh(x); }},
      {"ThresholdedRelu", 10, {{"alpha", FloatAttr(0.5f)}},
       [](double x) { return x > 0.5 ? x : 0.0; }},
      {"Mish", 18, {}, [](double x) { return x * std::tanh(std::log1p(std::exp(x))); }},
      {"Gelu", 20, {}, [](double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }},
      {"Gelu", 20, {{"approximate", StringAttr("tanh")}},
       [](double x) {
         return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
       }},
      {"Shrink", 9, {{"bias", FloatAttr(0.5f)}, {"lambd", FloatAttr(1.0f)}},
       [](double x) { return x < -1 ? x + 0.5 : (x > 1 ? x - 0.5 : 0.0); }},
  };
}

// Inputs spread over each function's domain, avoiding the exact points where float rounding
// of the input flips a discontinuous result.
std::vector<float> Inputs(const std::string& op, int n, unsigned seed) {
  std::mt19937 rng(seed);
  float lo = -6;
  float hi = 6;
  if (op == "Log" || op == "Sqrt" || op == "Reciprocal") lo = 0.01f;
  if (op == "Asin" || op == "Acos" || op == "Atanh") {
    lo = -0.99f;
    hi = 0.99f;
  }
  if (op == "Acosh") {
    lo = 1.01f;
    hi = 20;
  }
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

void CheckFloatCase(const FloatCase& c, int n, unsigned seed) {
  std::vector<float> in = Inputs(c.op, n, seed);
  std::vector<float> expected;
  for (float x : in) expected.push_back(static_cast<float>(c.ref(x)));
  Tensor x = MakeTensor<float>({n}, in);
  absl::StatusOr<Tensor> y = RunUnary(c.op, c.opset, x, c.attrs);
  ASSERT_TRUE(y.ok()) << c.op << ": " << y.status();
  ExpectTensorNear(*y, MakeTensor<float>({n}, expected), 1e-6, 1e-5);
}

TEST(UnaryTest, FloatOpsMatchReference) {
  for (const FloatCase& c : FloatCases()) {
    SCOPED_TRACE(c.op);
    CheckFloatCase(c, 257, 1);
  }
}

// Large enough to split across threads and to run the vector loops' main bodies.
TEST(UnaryTest, LargeParallelTensorsMatchReference) {
  omp_set_num_threads(2);
  for (const FloatCase& c : FloatCases()) {
    SCOPED_TRACE(c.op);
    CheckFloatCase(c, 150001, 2);
  }
  omp_set_num_threads(1);
}

TEST(UnaryTest, FloatSpecialValues) {
  Tensor x = MakeTensor<float>({4}, {kNaN, kInf, -kInf, -0.0f});
  EXPECT_TRUE(std::isnan(RunUnary("Relu", 14, x)->data<float>()[0]));
  EXPECT_TRUE(std::isnan(RunUnary("Sigmoid", 13, x)->data<float>()[0]));
  EXPECT_EQ(RunUnary("Sigmoid", 13, x)->data<float>()[1], 1.0f);
  EXPECT_EQ(RunUnary("Exp", 13, x)->data<float>()[2], 0.0f);
  EXPECT_TRUE(std::isnan(RunUnary("Sign", 13, x)->data<float>()[0]));
  EXPECT_EQ(RunUnary("Tanh", 13, x)->data<float>()[2], -1.0f);
  ExpectTensorNear(*RunUnary("IsNaN", 13, x), MakeTensor<bool>({4}, {true, false, false, false}));
}

TEST(UnaryTest, RoundHalvesToEven) {
  Tensor x = MakeTensor<float>({6}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f});
  ExpectTensorNear(*RunUnary("Round", 11, x),
                   MakeTensor<float>({6}, {0.0f, 2.0f, 2.0f, -0.0f, -2.0f, 2.0f}));
}

TEST(UnaryTest, IntegerTypes) {
  Tensor i8 = MakeTensor<int8_t>({4}, {-128, -5, 0, 7});
  ExpectTensorNear(*RunUnary("Abs", 13, i8), MakeTensor<int8_t>({4}, {-128, 5, 0, 7}));
  ExpectTensorNear(*RunUnary("Neg", 13, i8), MakeTensor<int8_t>({4}, {-128, 5, 0, -7}));
  ExpectTensorNear(*RunUnary("Sign", 13, i8), MakeTensor<int8_t>({4}, {-1, -1, 0, 1}));
  ExpectTensorNear(*RunUnary("Relu", 14, i8), MakeTensor<int8_t>({4}, {0, 0, 0, 7}));
  Tensor u16 = MakeTensor<uint16_t>({3}, {0, 9, 65535});
  ExpectTensorNear(*RunUnary("Abs", 13, u16), u16);
  ExpectTensorNear(*RunUnary("Sign", 13, u16), MakeTensor<uint16_t>({3}, {0, 1, 1}));
  ExpectTensorNear(*RunUnary("BitwiseNot", 18, u16), MakeTensor<uint16_t>({3}, {65535, 65526, 0}));
  Tensor i32 = MakeTensor<int32_t>({4}, {-7, 0, 1, 6});
  ExpectTensorNear(*RunUnary("BitwiseNot", 18, i32), MakeTensor<int32_t>({4}, {6, -1, -2, -7}));
  // Erf-9 on integers: erf in double, truncated back (erf(1) = 0.84 -> 0, erf(6) -> 1).
  ExpectTensorNear(*RunUnary("Erf", 9, i32), MakeTensor<int32_t>({4}, {-1, 0, 0, 1}));
  Tensor i64 = MakeTensor<int64_t>({4}, {-3, -1, 1, 3});
  ExpectTensorNear(
      *RunUnary("Shrink", 9, i64, {{"bias", FloatAttr(1)}, {"lambd", FloatAttr(1.5f)}}),
      MakeTensor<int64_t>({4}, {-2, 0, 0, 2}));
  Tensor b = MakeTensor<bool>({2}, {true, false});
  ExpectTensorNear(*RunUnary("Not", 1, b), MakeTensor<bool>({2}, {false, true}));
}

TEST(UnaryTest, HalfAndDoubleTypes) {
  Tensor h = MakeTensor<Float16>({3}, {Float16(-1.0f), Float16(0.5f), Float16(2.0f)});
  ExpectTensorNear(*RunUnary("Relu", 13, h),
                   MakeTensor<Float16>({3}, {Float16(0.0f), Float16(0.5f), Float16(2.0f)}));
  ExpectTensorNear(*RunUnary("Sigmoid", 13, h),
                   MakeTensor<Float16>({3}, {Float16(0.26894142f), Float16(0.62245933f),
                                             Float16(0.88079708f)}),
                   1e-3, 1e-3);
  Tensor bf = MakeTensor<BFloat16>({2}, {BFloat16(-2.0f), BFloat16(4.0f)});
  ExpectTensorNear(*RunUnary("Sqrt", 13, MakeTensor<BFloat16>({1}, {BFloat16(4.0f)})),
                   MakeTensor<BFloat16>({1}, {BFloat16(2.0f)}));
  ExpectTensorNear(*RunUnary("Abs", 13, bf),
                   MakeTensor<BFloat16>({2}, {BFloat16(2.0f), BFloat16(4.0f)}));
  Tensor d = MakeTensor<double>({3}, {-1.0, 0.25, 3.0});
  ExpectTensorNear(*RunUnary("Tanh", 13, d),
                   MakeTensor<double>({3}, {std::tanh(-1.0), std::tanh(0.25), std::tanh(3.0)}),
                   1e-15, 1e-15);
  auto gelu = [](double v) { return 0.5 * v * std::erfc(-v / std::sqrt(2.0)); };
  ExpectTensorNear(*RunUnary("Gelu", 20, d),
                   MakeTensor<double>({3}, {gelu(-1.0), gelu(0.25), gelu(3.0)}), 1e-15, 1e-15);
  ExpectTensorNear(*RunUnary("IsNaN", 13, MakeTensor<Float16>({1}, {Float16(kNaN)})),
                   MakeTensor<bool>({1}, {true}));
}

TEST(UnaryTest, IsInfDirections) {
  Tensor x = MakeTensor<float>({4}, {kInf, -kInf, 1.0f, kNaN});
  ExpectTensorNear(*RunUnary("IsInf", 10, x), MakeTensor<bool>({4}, {true, true, false, false}));
  ExpectTensorNear(*RunUnary("IsInf", 10, x, {{"detect_negative", IntAttr(0)}}),
                   MakeTensor<bool>({4}, {true, false, false, false}));
  ExpectTensorNear(*RunUnary("IsInf", 20, x, {{"detect_positive", IntAttr(0)}}),
                   MakeTensor<bool>({4}, {false, true, false, false}));
}

TEST(UnaryTest, OldOpsetsAndDefaults) {
  Tensor x = MakeTensor<float>({3}, {-2.0f, 0.0f, 3.0f});
  // Opset 1 carried `consumed_inputs`, which inference ignores.
  std::map<std::string, Attribute> consumed = {{"consumed_inputs", testing::IntsAttr({0})}};
  ExpectTensorNear(*RunUnary("Relu", 1, x, consumed), MakeTensor<float>({3}, {0, 0, 3}));
  ExpectTensorNear(*RunUnary("LeakyRelu", 1, x, consumed),
                   MakeTensor<float>({3}, {-0.02f, 0, 3}));
  ExpectTensorNear(*RunUnary("HardSigmoid", 1, x), MakeTensor<float>({3}, {0.1f, 0.5f, 1.0f}));
  ExpectTensorNear(*RunUnary("ThresholdedRelu", 10, x), MakeTensor<float>({3}, {0, 0, 3}));
  ExpectTensorNear(*RunUnary("Shrink", 9, x), MakeTensor<float>({3}, {-2, 0, 3}));
}

TEST(UnaryTest, Errors) {
  Tensor x = MakeTensor<float>({2}, {1, 2});
  absl::StatusOr<Tensor> bad = RunUnary("Gelu", 20, x, {{"approximate", StringAttr("fast")}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("approximate"), std::string::npos);
  EXPECT_EQ(RunUnary("LeakyRelu", 16, x, {{"alpha", IntAttr(1)}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunUnary("IsInf", 10, x, {{"detect_negative", FloatAttr(1)}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Ops before the opset that introduced them, and unsupported types.
  EXPECT_EQ(RunUnary("Gelu", 19, x).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(RunUnary("Celu", 11, x).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(RunUnary("Sqrt", 13, MakeTensor<int32_t>({1}, {4})).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(RunUnary("Not", 1, x).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(RunUnary("Neg", 13, MakeTensor<uint8_t>({1}, {4})).status().code(),
            absl::StatusCode::kUnimplemented);
}

TEST(UnaryTest, EmptyAndScalarTensors) {
  Tensor empty(DataType::kFloat, {0, 3});
  absl::StatusOr<Tensor> y = RunUnary("Exp", 13, empty);
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->shape(), (Shape{0, 3}));
  Tensor scalar = MakeTensor<float>({}, {-4.0f});
  ExpectTensorNear(*RunUnary("Abs", 13, scalar), MakeTensor<float>({}, {4.0f}));
}

}  // namespace
}  // namespace berth::engine
