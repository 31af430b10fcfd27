#include "engine/core/data_type.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace berth::engine {
namespace {

TEST(Float16Test, RoundTripsRepresentableValues) {
  for (float v : {0.0f, -0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f}) {
    EXPECT_EQ(static_cast<float>(Float16(v)), v) << v;
  }
}

TEST(Float16Test, RoundsToNearestEvenAndSaturatesToInfinity) {
  EXPECT_EQ(Float16(1.0f + 1.0f / 2048).bits, Float16(1.0f).bits);  // tie -> even
  EXPECT_EQ(static_cast<float>(Float16(1.0f + 3.0f / 2048)), 1.0f + 2.0f / 1024);
  EXPECT_TRUE(std::isinf(static_cast<float>(Float16(1e6f))));
  EXPECT_TRUE(std::isnan(static_cast<float>(Float16(std::nanf("")))));
}

TEST(BFloat16Test, KeepsUpperBitsWithRounding) {
  EXPECT_EQ(static_cast<float>(BFloat16(1.0f)), 1.0f);
  EXPECT_EQ(static_cast<float>(BFloat16(3.140625f)), 3.140625f);
  EXPECT_TRUE(std::isnan(static_cast<float>(BFloat16(std::nanf("")))));
}

TEST(DataTypeTest, SizesAndNames) {
  EXPECT_EQ(DataTypeSize(DataType::kInt64), 8u);
  EXPECT_EQ(DataTypeSize(DataType::kBool), 1u);
  EXPECT_EQ(DataTypeName(DataType::kFloat16), "float16");
  EXPECT_TRUE(IsKnownDataType(16));
  EXPECT_FALSE(IsKnownDataType(14));
  EXPECT_FALSE(IsKnownDataType(17));
}

}  // namespace
}  // namespace berth::engine
