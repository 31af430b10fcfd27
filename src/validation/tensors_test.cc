#include "validation/tensors.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace berth::validation {
namespace {

using engine::DataType;
using engine::Tensor;

TEST(TensorsTest, IntegersAreClampedAndNanBecomesZero) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  absl::StatusOr<Tensor> t = FromDoubles(DataType::kInt8, {4}, {1e9, -1e9, nan, 3.7}, "x");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->data<int8_t>()[0], 127);
  EXPECT_EQ(t->data<int8_t>()[1], -128);
  EXPECT_EQ(t->data<int8_t>()[2], 0);
  EXPECT_EQ(t->data<int8_t>()[3], 3);
  t = FromDoubles(DataType::kInt64, {1}, {1e30}, "x");
  EXPECT_EQ(t->data<int64_t>()[0], std::numeric_limits<int64_t>::max());
}

TEST(TensorsTest, ConvertsBetweenNumericTypes) {
  absl::StatusOr<Tensor> f16 = FromDoubles(DataType::kFloat16, {2}, {0.5, -2}, "x");
  ASSERT_TRUE(f16.ok());
  absl::StatusOr<Tensor> f = ConvertTensor(std::move(*f16), DataType::kFloat, "x");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->data<float>()[0], 0.5f);
  EXPECT_EQ(f->data<float>()[1], -2.0f);
  absl::StatusOr<std::vector<double>> values = ToDoubles(*f, "x");
  EXPECT_EQ(*values, (std::vector<double>{0.5, -2}));
}

TEST(TensorsTest, RefusesStringsAndCountsThatDoNotFit) {
  Tensor s(DataType::kString, {1});
  EXPECT_NE(ToDoubles(s, "labels 'y'").status().message().find("labels 'y' is string"),
            std::string::npos);
  EXPECT_FALSE(FromDoubles(DataType::kFloat, {3}, {1, 2}, "x").ok());
  EXPECT_FALSE(FromDoubles(DataType::kString, {1}, {1}, "x").ok());
}

TEST(TensorsTest, RowsViewSharesTheStorage) {
  absl::StatusOr<Tensor> t = FromDoubles(DataType::kFloat, {3, 2}, {0, 1, 2, 3, 4, 5}, "x");
  ASSERT_TRUE(t.ok());
  Tensor rows = RowsView(*t, 1, 2);
  EXPECT_EQ(rows.shape(), (engine::Shape{2, 2}));
  EXPECT_EQ(rows.data<float>()[0], 2.0f);
  EXPECT_EQ(rows.data<float>(), t->data<float>() + 2);
}

}  // namespace
}  // namespace berth::validation
