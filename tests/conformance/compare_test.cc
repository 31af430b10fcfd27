#include "compare.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace berth::conformance {
namespace {

using engine::DataType;
using engine::Shape;
using engine::Tensor;

template <typename T>
Tensor Make(Shape shape, const std::vector<T>& values) {
  Tensor t(engine::DataTypeOf<T>::value, shape);
  for (size_t i = 0; i < values.size(); ++i) t.data<T>()[i] = values[i];
  return t;
}

Tensor Strings(Shape shape, const std::vector<std::string>& values) {
  Tensor t(DataType::kString, shape);
  t.strings() = values;
  return t;
}

TEST(FloatsCloseTest, OnnxTolerance) {
  Tolerance tol;
  EXPECT_TRUE(FloatsClose(1.0, 1.0, tol));
  EXPECT_TRUE(FloatsClose(1000.0, 1000.9, tol));  // 0.9 <= 1e-7 + 1e-3 * 1000
  EXPECT_FALSE(FloatsClose(1000.0, 1001.1, tol));
  EXPECT_TRUE(FloatsClose(0.0, 1e-7, tol));
  EXPECT_FALSE(FloatsClose(0.0, 1e-6, tol));
  // The tolerance is relative to the expected value, not the actual one.
  EXPECT_FALSE(FloatsClose(1.0, 1.0011, tol));
}

TEST(FloatsCloseTest, NanAndInfinity) {
  Tolerance tol;
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(FloatsClose(nan, nan, tol));
  EXPECT_FALSE(FloatsClose(nan, 0.0, tol));
  EXPECT_FALSE(FloatsClose(0.0, nan, tol));
  EXPECT_TRUE(FloatsClose(inf, inf, tol));
  EXPECT_TRUE(FloatsClose(-inf, -inf, tol));
  EXPECT_FALSE(FloatsClose(inf, -inf, tol));
  EXPECT_FALSE(FloatsClose(inf, 1e308, tol));
  EXPECT_FALSE(FloatsClose(1.0, inf, tol));
}

TEST(CompareTensorsTest, EqualFloatsPass) {
  Tensor a = Make<float>({2, 2}, {1, 2, 3, 4});
  Tensor b = Make<float>({2, 2}, {1, 2, 3.0001f, 4});
  EXPECT_TRUE(CompareTensors(a, b).ok());
}

TEST(CompareTensorsTest, ReportsFirstMismatchAndCount) {
  Tensor expected = Make<float>({2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor actual = Make<float>({2, 3}, {0, 1, 2, 3, 9, 7});
  absl::Status st = CompareTensors(expected, actual);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("2 of 6 values differ"), std::string::npos) << st;
  EXPECT_NE(st.message().find("[1,1]"), std::string::npos) << st;
  EXPECT_NE(st.message().find("got 9"), std::string::npos) << st;
  EXPECT_NE(st.message().find("expected 4"), std::string::npos) << st;
  EXPECT_NE(st.message().find("max |diff| 5"), std::string::npos) << st;
}

TEST(CompareTensorsTest, TypeAndShapeMustMatch) {
  absl::Status type = CompareTensors(Make<float>({2}, {1, 2}), Make<double>({2}, {1, 2}));
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.message().find("type double, expected float"), std::string::npos) << type;
  absl::Status shape = CompareTensors(Make<float>({2, 1}, {1, 2}), Make<float>({1, 2}, {1, 2}));
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.message().find("shape [1,2], expected [2,1]"), std::string::npos) << shape;
  // A scalar is not a one-element vector.
  EXPECT_FALSE(CompareTensors(Make<float>({}, {1}), Make<float>({1}, {1})).ok());
}

TEST(CompareTensorsTest, IntegersAndBoolsAreExact) {
  EXPECT_TRUE(CompareTensors(Make<int64_t>({3}, {1, 2, 3}), Make<int64_t>({3}, {1, 2, 3})).ok());
  EXPECT_FALSE(
      CompareTensors(Make<int64_t>({1}, {1000000}), Make<int64_t>({1}, {1000001})).ok());
  EXPECT_FALSE(CompareTensors(Make<uint8_t>({1}, {0}), Make<uint8_t>({1}, {1})).ok());
  EXPECT_TRUE(CompareTensors(Make<bool>({2}, {true, false}), Make<bool>({2}, {true, false})).ok());
  absl::Status st = CompareTensors(Make<bool>({2}, {true, false}), Make<bool>({2}, {true, true}));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("got true, expected false"), std::string::npos) << st;
}

TEST(CompareTensorsTest, NanMatchesNanInTensors) {
  const float nan = std::nanf("");
  EXPECT_TRUE(CompareTensors(Make<float>({2}, {nan, 1}), Make<float>({2}, {nan, 1})).ok());
  EXPECT_FALSE(CompareTensors(Make<float>({2}, {nan, 1}), Make<float>({2}, {0, 1})).ok());
  EXPECT_FALSE(CompareTensors(Make<float>({2}, {0, 1}), Make<float>({2}, {nan, 1})).ok());
}

TEST(CompareTensorsTest, HalfPrecisionTypes) {
  Tensor a = Make<engine::Float16>({2}, {engine::Float16(1.0f), engine::Float16(2.0f)});
  Tensor b = Make<engine::Float16>({2}, {engine::Float16(1.0f), engine::Float16(2.0f)});
  EXPECT_TRUE(CompareTensors(a, b).ok());
  Tensor c = Make<engine::Float16>({2}, {engine::Float16(1.0f), engine::Float16(2.5f)});
  EXPECT_FALSE(CompareTensors(a, c).ok());
  Tensor d = Make<engine::BFloat16>({1}, {engine::BFloat16(3.0f)});
  Tensor e = Make<engine::BFloat16>({1}, {engine::BFloat16(3.0f)});
  EXPECT_TRUE(CompareTensors(d, e).ok());
}

TEST(CompareTensorsTest, StringsAreExact) {
  EXPECT_TRUE(CompareTensors(Strings({2}, {"a", "b"}), Strings({2}, {"a", "b"})).ok());
  absl::Status st = CompareTensors(Strings({2}, {"a", "b"}), Strings({2}, {"a", "B"}));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("got \"B\", expected \"b\""), std::string::npos) << st;
}

TEST(CompareTensorsTest, EmptyTensorsMatch) {
  Tensor a(DataType::kFloat, {0, 3});
  Tensor b(DataType::kFloat, {0, 3});
  Tensor c(DataType::kFloat, {3, 0});
  EXPECT_TRUE(CompareTensors(a, b).ok());
  EXPECT_FALSE(CompareTensors(a, c).ok());
}

TEST(CompareTensorsTest, CustomTolerance) {
  Tolerance loose{0.1, 0.0};
  EXPECT_TRUE(CompareTensors(Make<float>({1}, {1.0f}), Make<float>({1}, {1.05f}), loose).ok());
  EXPECT_FALSE(CompareTensors(Make<float>({1}, {1.0f}), Make<float>({1}, {1.05f})).ok());
}

}  // namespace
}  // namespace berth::conformance
