#include "engine/core/tensor.h"

#include <limits>

#include "gtest/gtest.h"

namespace berth::engine {
namespace {

TEST(TensorTest, AllocatesZeroedAndAligned) {
  Tensor t(DataType::kFloat, {2, 3});
  EXPECT_EQ(t.num_elements(), 6);
  EXPECT_EQ(t.byte_size(), 24u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
  for (float v : t.span<float>()) EXPECT_EQ(v, 0.0f);
}

TEST(TensorTest, ReshapeReusesStorageWhenLargeEnough) {
  Tensor t(DataType::kFloat, {4, 4});
  void* before = t.raw_data();
  ASSERT_TRUE(t.Reshape(DataType::kInt32, {2, 2}).ok());
  EXPECT_EQ(t.raw_data(), before);
  ASSERT_TRUE(t.Reshape(DataType::kDouble, {100}).ok());
  EXPECT_EQ(t.num_elements(), 100);
}

TEST(TensorTest, RefusesNegativeAndOverflowingShapes) {
  Tensor t;
  EXPECT_FALSE(t.Reshape(DataType::kFloat, {2, -1}).ok());
  int64_t big = std::numeric_limits<int64_t>::max() / 2;
  EXPECT_FALSE(t.Reshape(DataType::kFloat, {big, 4}).ok());
  EXPECT_FALSE(CheckedNumElements({big, big}).ok());
  EXPECT_EQ(*CheckedNumElements({}), 1);
  EXPECT_EQ(*CheckedNumElements({3, 0, big}), 0);
}

TEST(TensorTest, CloneIsDeepAndMoveEmptiesSource) {
  Tensor t(DataType::kInt64, {3});
  t.data<int64_t>()[1] = 7;
  Tensor c = t.Clone();
  t.data<int64_t>()[1] = 8;
  EXPECT_EQ(c.data<int64_t>()[1], 7);
  Tensor m = std::move(t);
  EXPECT_EQ(m.data<int64_t>()[1], 8);
  EXPECT_EQ(t.num_elements(), 0);
}

TEST(TensorTest, StringTensorsHoldStrings) {
  Tensor t(DataType::kString, {2});
  t.strings()[0] = "a";
  Tensor c = t.Clone();
  EXPECT_EQ(c.strings()[0], "a");
  EXPECT_EQ(c.strings().size(), 2u);
}

}  // namespace
}  // namespace berth::engine
