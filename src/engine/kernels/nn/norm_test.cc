// InstanceNormalization, GroupNormalization, LayerNormalization, MeanVarianceNormalization, LRN.
#include <cmath>

#include "engine/kernels/nn/nn_test_reference.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

// Normalizes x viewed as (rows, cols) row by row; affine index = col % affine_period or
// (row-derived) via affine_of(row, col).
template <typename AffineFn>
Tensor RefRowNorm(const Tensor& x, int64_t cols, float eps, AffineFn affine) {
  Tensor y(DataType::kFloat, x.shape());
  const int64_t rows = x.num_elements() / cols;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x.data<float>() + r * cols;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < cols; ++i) mean += xr[i] / double(cols);
    for (int64_t i = 0; i < cols; ++i) var += (xr[i] - mean) * (xr[i] - mean) / double(cols);
    for (int64_t i = 0; i < cols; ++i) {
      auto [s, b] = affine(r, i);
      y.data<float>()[r * cols + i] = float((xr[i] - mean) / std::sqrt(var + eps) * s + b);
    }
  }
  return y;
}

TEST(InstanceNormTest, NormalizesEachChannel) {
  Tensor x = RandomTensor({2, 3, 4, 5}, 1);
  Tensor s = RandomTensor({3}, 2);
  Tensor b = RandomTensor({3}, 3);
  Tensor expected = RefRowNorm(x, 20, 1e-2f, [&](int64_t r, int64_t) {
    return std::pair<float, float>{s.data<float>()[r % 3], b.data<float>()[r % 3]};
  });
  for (int opset : {1, 6}) {
    auto out = RunNode(MakeNode("InstanceNormalization", 3, 1, {{"epsilon", FloatAttr(1e-2f)}}),
                       opset, {&x, &s, &b});
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear((*out)[0], expected, 1e-5, 1e-4);
  }
  Tensor bad = RandomTensor({2}, 4);
  EXPECT_FALSE(RunNode(MakeNode("InstanceNormalization", 3), 6, {&x, &bad, &b}).ok());
}

TEST(GroupNormTest, PerGroupAffineInOpset18AndPerChannelIn21) {
  Tensor x = RandomTensor({2, 4, 3, 3}, 5);
  Node node = MakeNode("GroupNormalization", 3, 1, {{"num_groups", IntAttr(2)}});
  Tensor gs = RandomTensor({2}, 6), gb = RandomTensor({2}, 7);
  auto out = RunNode(node, 18, {&x, &gs, &gb});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], RefRowNorm(x, 18, 1e-5f, [&](int64_t r, int64_t) {
                     const int64_t g = r % 2;
                     return std::pair<float, float>{gs.data<float>()[g], gb.data<float>()[g]};
                   }),
                   1e-5, 1e-4);
  Tensor cs = RandomTensor({4}, 8), cb = RandomTensor({4}, 9);
  out = RunNode(node, 21, {&x, &cs, &cb});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], RefRowNorm(x, 18, 1e-5f, [&](int64_t r, int64_t i) {
                     int64_t c = (r % 2) * 2 + i / 9;
                     return std::pair<float, float>{cs.data<float>()[c], cb.data<float>()[c]};
                   }),
                   1e-5, 1e-4);
  EXPECT_FALSE(RunNode(node, 21, {&x, &gs, &gb}).ok());  // opset 21 wants C values
  Node three = MakeNode("GroupNormalization", 3, 1, {{"num_groups", IntAttr(3)}});
  EXPECT_EQ(RunNode(three, 18, {&x, &gs, &gb}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LayerNormTest, AxesStatisticsAndBroadcastScale) {
  Tensor x = RandomTensor({2, 3, 4}, 10);
  for (int64_t axis : {-1, 1, 0, -2}) {
    const int64_t a = axis < 0 ? axis + 3 : axis;
    Shape norm_shape(x.shape().begin() + a, x.shape().end());
    Tensor s = RandomTensor(norm_shape, 11), b = RandomTensor(norm_shape, 12);
    const int64_t cols = NumElementsOf(norm_shape);
    Node node = MakeNode("LayerNormalization", 3, 3, {{"axis", IntAttr(axis)}});
    auto out = RunNode(node, 17, {&x, &s, &b});
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear((*out)[0], RefRowNorm(x, cols, 1e-5f, [&](int64_t, int64_t i) {
                       return std::pair<float, float>{s.data<float>()[i], b.data<float>()[i]};
                     }),
                     1e-5, 1e-4);
    Shape stat_shape(x.shape().begin(), x.shape().begin() + a);
    stat_shape.resize(3, 1);
    ASSERT_EQ((*out)[1].shape(), stat_shape);
    ASSERT_EQ((*out)[2].dtype(), DataType::kFloat);
    const float* row0 = x.data<float>();
    double mean = 0, var = 0;
    for (int64_t i = 0; i < cols; ++i) mean += row0[i] / double(cols);
    for (int64_t i = 0; i < cols; ++i) var += (row0[i] - mean) * (row0[i] - mean) / double(cols);
    EXPECT_NEAR((*out)[1].data<float>()[0], mean, 1e-5);
    EXPECT_NEAR((*out)[2].data<float>()[0], 1 / std::sqrt(var + 1e-5), 1e-3);
  }
  // Scale (1, 4) broadcast over (3, 4), no bias.
  Tensor s = RandomTensor({1, 4}, 13);
  Node node = MakeNode("LayerNormalization", 2, 1, {{"axis", IntAttr(1)}});
  auto out = RunNode(node, 17, {&x, &s});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], RefRowNorm(x, 12, 1e-5f, [&](int64_t, int64_t i) {
                     return std::pair<float, float>{s.data<float>()[i % 4], 0.f};
                   }),
                   1e-5, 1e-4);
  Tensor bad = RandomTensor({5}, 14);
  EXPECT_FALSE(RunNode(node, 17, {&x, &bad}).ok());
  EXPECT_FALSE(RunNode(MakeNode("LayerNormalization", 2, 1, {{"axis", IntAttr(3)}}), 17, {&x, &s})
                   .ok());
}

TEST(MeanVarianceNormTest, DefaultAndCustomAxes) {
  Tensor x = RandomTensor({2, 3, 2, 2}, 20);
  auto out = RunNode(MakeNode("MeanVarianceNormalization", 1), 13, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  // Default axes (0, 2, 3): statistics per channel over batch and space.
  for (int c = 0; c < 3; ++c) {
    double mean = 0, var = 0;
    for (int n = 0; n < 2; ++n)
      for (int i = 0; i < 4; ++i) mean += x.data<float>()[(n * 3 + c) * 4 + i] / 8.0;
    for (int n = 0; n < 2; ++n)
      for (int i = 0; i < 4; ++i) {
        double d = x.data<float>()[(n * 3 + c) * 4 + i] - mean;
        var += d * d / 8.0;
      }
    for (int n = 0; n < 2; ++n)
      for (int i = 0; i < 4; ++i) {
        int64_t k = (n * 3 + c) * 4 + i;
        EXPECT_NEAR((*out)[0].data<float>()[k],
                    (x.data<float>()[k] - mean) / (std::sqrt(var) + 1e-9), 1e-4);
      }
  }
  auto last = RunNode(MakeNode("MeanVarianceNormalization", 1, 1, {{"axes", IntsAttr({-1})}}), 9,
                      {&x});
  ASSERT_TRUE(last.ok()) << last.status();
  ExpectTensorNear((*last)[0], RefRowNorm(x, 2, 0.f, [](int64_t, int64_t) {
                     return std::pair<float, float>{1.f, 0.f};
                   }),
                   1e-4, 1e-4);
  EXPECT_FALSE(
      RunNode(MakeNode("MeanVarianceNormalization", 1, 1, {{"axes", IntsAttr({4})}}), 13, {&x})
          .ok());
}

TEST(LrnTest, MatchesFormulaForOddAndEvenSizes) {
  Tensor x = RandomTensor({2, 5, 3, 2}, 30);
  for (int64_t size : {3, 4}) {
    Node node = MakeNode("LRN", 1, 1,
                         {{"size", IntAttr(size)}, {"alpha", FloatAttr(0.01f)},
                          {"beta", FloatAttr(0.6f)}, {"bias", FloatAttr(2.f)}});
    auto out = RunNode(node, 13, {&x});
    ASSERT_TRUE(out.ok()) << out.status();
    const int64_t before = (size - 1) / 2, after = size / 2;
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t c = 0; c < 5; ++c)
        for (int64_t s = 0; s < 6; ++s) {
          double sq = 0;
          for (int64_t k = std::max<int64_t>(0, c - before); k <= std::min<int64_t>(4, c + after);
               ++k) {
            double v = x.data<float>()[(n * 5 + k) * 6 + s];
            sq += v * v;
          }
          int64_t i = (n * 5 + c) * 6 + s;
          EXPECT_NEAR((*out)[0].data<float>()[i],
                      x.data<float>()[i] / std::pow(2.0 + 0.01 / size * sq, 0.6), 1e-6);
        }
  }
  EXPECT_FALSE(RunNode(MakeNode("LRN", 1), 13, {&x}).ok());  // size is required
}

}  // namespace
}  // namespace berth::engine::testing
