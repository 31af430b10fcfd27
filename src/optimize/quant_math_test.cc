#include "optimize/quant_math.h"

#include <cmath>

#include "gtest/gtest.h"

namespace berth::optimize {
namespace {

using engine::DataType;
using engine::Tensor;

TEST(ActivationParamsTest, CoversTheRangeAndZero) {
  absl::StatusOr<ActivationParams> p = ComputeActivationParams({-1.0f, 3.0f});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FLOAT_EQ(p->scale, 4.0f / 255.0f);
  EXPECT_EQ(p->zero_point, 64);  // round(1 / (4/255)) = round(63.75)
  // A range above zero still includes zero: zero point 0.
  p = ComputeActivationParams({2.0f, 5.0f});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->zero_point, 0);
  EXPECT_FLOAT_EQ(p->scale, 5.0f / 255.0f);
  // All zeros: scale 1.
  p = ComputeActivationParams({0.0f, 0.0f});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->scale, 1.0f);
}

TEST(ActivationParamsTest, RefusesNonFiniteRanges) {
  EXPECT_FALSE(ComputeActivationParams({0.0f, INFINITY}).ok());
  EXPECT_FALSE(ComputeActivationParams({NAN, 1.0f}).ok());
  EXPECT_FALSE(ComputeActivationParams({2.0f, 1.0f}).ok());
}

TEST(QuantizeWeightTest, PerChannelSymmetric) {
  Tensor w(DataType::kFloat, {2, 3});
  const float values[] = {0.6f, -1.0f, 0.25f, 0.0f, 0.0f, 0.0f};
  std::copy(values, values + 6, w.data<float>());
  absl::StatusOr<QuantizedWeight> q = QuantizeWeightSymmetric(w, 0);
  ASSERT_TRUE(q.ok()) << q.status();
  ASSERT_EQ(q->scales.num_elements(), 2);
  EXPECT_FLOAT_EQ(q->scales.data<float>()[0], 1.0f / 127.0f);
  EXPECT_EQ(q->scales.data<float>()[1], 1.0f);  // a channel of zeros
  EXPECT_EQ(q->values.data<int8_t>()[1], -127);
  EXPECT_EQ(q->values.data<int8_t>()[0], 76);  // round(0.6 * 127)
  EXPECT_EQ(q->values.data<int8_t>()[2], 32);
  EXPECT_EQ(q->zero_points.data<int8_t>()[0], 0);
}

TEST(QuantizeWeightTest, AlongAxisOneAndPerTensor) {
  Tensor w(DataType::kFloat, {2, 2});
  const float values[] = {1.0f, 0.1f, -2.0f, 0.2f};
  std::copy(values, values + 4, w.data<float>());
  absl::StatusOr<QuantizedWeight> q = QuantizeWeightSymmetric(w, 1);
  ASSERT_TRUE(q.ok());
  EXPECT_FLOAT_EQ(q->scales.data<float>()[0], 2.0f / 127.0f);
  EXPECT_FLOAT_EQ(q->scales.data<float>()[1], 0.2f / 127.0f);
  EXPECT_EQ(q->values.data<int8_t>()[3], 127);
  q = QuantizeWeightSymmetric(w, -1);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->scales.rank(), 0);
  EXPECT_FLOAT_EQ(q->scales.data<float>()[0], 2.0f / 127.0f);
}

TEST(QuantizeWeightTest, RefusesBadInput) {
  Tensor w(DataType::kFloat, {2});
  w.data<float>()[0] = 1;
  w.data<float>()[1] = NAN;
  EXPECT_FALSE(QuantizeWeightSymmetric(w, 0).ok());
  w.data<float>()[1] = 1;
  EXPECT_FALSE(QuantizeWeightSymmetric(w, 1).ok());
  Tensor i(DataType::kInt32, {2});
  EXPECT_FALSE(QuantizeWeightSymmetric(i, 0).ok());
}

TEST(QuantizeBiasTest, ScaleIsInputTimesWeightScale) {
  Tensor b(DataType::kFloat, {2});
  b.data<float>()[0] = 1.0f;
  b.data<float>()[1] = -0.5f;
  Tensor scales(DataType::kFloat, {2});
  scales.data<float>()[0] = 0.01f;
  scales.data<float>()[1] = 0.02f;
  absl::StatusOr<QuantizedBias> q = QuantizeBias(b, 0.5f, scales);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->values.data<int32_t>()[0], 200);
  EXPECT_EQ(q->values.data<int32_t>()[1], -50);
  EXPECT_FLOAT_EQ(q->scales.data<float>()[1], 0.01f);
  EXPECT_EQ(q->clamped, 0);
  b.data<float>()[0] = 1e30f;
  b.data<float>()[1] = 0.0f;
  q = QuantizeBias(b, 1e-10f, scales);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->clamped, 1);
  Tensor three(DataType::kFloat, {3});
  EXPECT_FALSE(QuantizeBias(b, 1.0f, three).ok());
}

}  // namespace
}  // namespace berth::optimize
