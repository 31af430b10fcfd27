// Softmax, LogSoftmax and Hardmax: both opset semantics, every axis, the oneDNN and loop paths.
#include <cmath>
#include <random>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectTensorNear;
using testing::IntAttr;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;

std::vector<float> Iota(int64_t n, float scale) {
  std::vector<float> v(n);
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-scale, scale);
  for (float& x : v) x = dist(rng);
  return v;
}

// Reference over `d` elements with stride `inner` starting at each (outer, inner) line.
Tensor Reference(const std::string& op, const Tensor& x, int64_t outer, int64_t d, int64_t inner) {
  Tensor y(DataType::kFloat, x.shape());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* in = x.data<float>() + o * d * inner + i;
      float* out = y.data<float>() + o * d * inner + i;
      double max = -INFINITY, sum = 0;
      int64_t arg = 0;
      for (int64_t j = 0; j < d; ++j) {
        if (in[j * inner] > max) {
          max = in[j * inner];
          arg = j;
        }
      }
      for (int64_t j = 0; j < d; ++j) sum += std::exp(in[j * inner] - max);
      for (int64_t j = 0; j < d; ++j) {
        const double v = in[j * inner];
        out[j * inner] = op == "Softmax"      ? std::exp(v - max) / sum
                         : op == "LogSoftmax" ? v - max - std::log(sum)
                                              : (j == arg ? 1.0 : 0.0);
      }
    }
  }
  return y;
}

struct SoftmaxCase {
  std::string op;
  int opset;
  int64_t axis;
};

class SoftmaxAxisTest : public ::testing::TestWithParam<SoftmaxCase> {};

TEST_P(SoftmaxAxisTest, MatchesReference) {
  const SoftmaxCase& c = GetParam();
  const Shape shape = {2, 3, 4, 5};
  Tensor x = MakeTensor<float>(shape, Iota(120, 5));
  const int axis = static_cast<int>(c.axis < 0 ? c.axis + 4 : c.axis);
  int64_t outer = 1, d = 1, inner = 1;
  for (int i = 0; i < 4; ++i) {
    if (i < axis) {
      outer *= shape[i];
    } else if (i == axis || c.opset < 13) {
      d *= shape[i];  // before 13 the whole tail is one row
    } else {
      inner *= shape[i];
    }
  }
  auto r = RunNode(MakeNode(c.op, 1, 1, {{"axis", IntAttr(c.axis)}}), c.opset, {&x});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], Reference(c.op, x, outer, d, inner), 1e-5, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Axes, SoftmaxAxisTest,
    ::testing::Values(SoftmaxCase{"Softmax", 13, -1}, SoftmaxCase{"Softmax", 13, 0},
                      SoftmaxCase{"Softmax", 13, 1}, SoftmaxCase{"Softmax", 13, 2},
                      SoftmaxCase{"Softmax", 11, 1}, SoftmaxCase{"Softmax", 1, 2},
                      SoftmaxCase{"Softmax", 11, -1}, SoftmaxCase{"LogSoftmax", 13, -1},
                      SoftmaxCase{"LogSoftmax", 13, 1}, SoftmaxCase{"LogSoftmax", 11, 1},
                      SoftmaxCase{"LogSoftmax", 1, 3}, SoftmaxCase{"Hardmax", 13, -1},
                      SoftmaxCase{"Hardmax", 13, 0}, SoftmaxCase{"Hardmax", 11, 1},
                      SoftmaxCase{"Hardmax", 1, 2}));

TEST(SoftmaxTest, DefaultAxisDependsOnOpset) {
  Tensor x = MakeTensor<float>({2, 2}, {0, 0, 0, std::log(3.0f)});
  // Opset 13 default axis -1; opset 11 default axis 1: the same for a 2-D input.
  for (int opset : {11, 13}) {
    auto r = RunNode(MakeNode("Softmax", 1), opset, {&x});
    ASSERT_TRUE(r.ok()) << r.status();
    ExpectTensorNear((*r)[0], MakeTensor<float>({2, 2}, {0.5f, 0.5f, 0.25f, 0.75f}));
  }
  // For 3-D input the defaults differ: opset 11 normalises over the flattened [3, 2] tail.
  Tensor y = MakeTensor<float>({1, 2, 2}, {0, 0, 0, 0});
  auto old = RunNode(MakeNode("Softmax", 1), 11, {&y});
  ASSERT_TRUE(old.ok());
  ExpectTensorNear((*old)[0], MakeTensor<float>({1, 2, 2}, {0.25f, 0.25f, 0.25f, 0.25f}));
  auto now = RunNode(MakeNode("Softmax", 1), 13, {&y});
  ASSERT_TRUE(now.ok());
  ExpectTensorNear((*now)[0], MakeTensor<float>({1, 2, 2}, {0.5f, 0.5f, 0.5f, 0.5f}));
}

TEST(SoftmaxTest, LargeValuesStayFinite) {
  Tensor x = MakeTensor<float>({1, 3}, {10000, 10001, 10002});
  auto r = RunNode(MakeNode("LogSoftmax", 1), 13, {&x});
  ASSERT_TRUE(r.ok());
  ExpectTensorNear((*r)[0], MakeTensor<float>({1, 3}, {-2.40760596f, -1.40760596f, -0.40760596f}));
}

TEST(SoftmaxTest, DoubleAndHalfTypes) {
  Tensor d = MakeTensor<double>({3}, {1, 2, 3});
  auto r = RunNode(MakeNode("Softmax", 1), 13, {&d});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<double>({3}, {0.09003057, 0.24472847, 0.66524096}), 1e-7);
  Tensor h = MakeTensor<Float16>({2}, {Float16(0.0f), Float16(0.0f)});
  auto rh = RunNode(MakeNode("Softmax", 1), 13, {&h});
  ASSERT_TRUE(rh.ok()) << rh.status();
  ExpectTensorNear((*rh)[0], MakeTensor<Float16>({2}, {Float16(0.5f), Float16(0.5f)}));
}

TEST(SoftmaxTest, HardmaxPicksFirstOfTies) {
  Tensor x = MakeTensor<float>({2, 3}, {1, 3, 3, 5, 5, 5});
  auto r = RunNode(MakeNode("Hardmax", 1), 13, {&x});
  ASSERT_TRUE(r.ok());
  ExpectTensorNear((*r)[0], MakeTensor<float>({2, 3}, {0, 1, 0, 1, 0, 0}));
}

TEST(SoftmaxTest, RejectsBadAxis) {
  Tensor x = MakeTensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  auto r = RunNode(MakeNode("Softmax", 1, 1, {{"axis", IntAttr(2)}}), 13, {&x});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(RunNode(MakeNode("LogSoftmax", 1, 1, {{"axis", IntAttr(-3)}}), 13, {&x}).ok());
  Tensor scalar = MakeTensor<float>({}, {1});
  EXPECT_FALSE(RunNode(MakeNode("Softmax", 1), 13, {&scalar}).ok());
}

TEST(SoftmaxTest, EmptyInput) {
  Tensor x(DataType::kFloat, {0, 4});
  auto r = RunNode(MakeNode("Softmax", 1), 13, {&x});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].num_elements(), 0);
}

}  // namespace
}  // namespace berth::engine
