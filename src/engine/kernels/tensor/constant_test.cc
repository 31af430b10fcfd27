#include <memory>
#include <string>
#include <vector>

#include "engine/kernels/tensor/tensor_test_helpers.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

Attribute TensorAttr(Tensor t) {
  Attribute a;
  a.type = Attribute::Type::kTensor;
  a.t = std::make_shared<Tensor>(std::move(t));
  return a;
}

absl::StatusOr<Tensor> RunConstant(int opset, std::map<std::string, Attribute> attrs) {
  return RunFirst(MakeNode("Constant", 0, 1, std::move(attrs)), opset, {});
}

TEST(ConstantTest, TensorValue) {
  Tensor value = MakeTensor<Float16>({2}, {Float16(0.5f), Float16(-1.0f)});
  absl::StatusOr<Tensor> out = RunConstant(1, {{"value", TensorAttr(value.Clone())}});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, value);
}

TEST(ConstantTest, TypedValueAttributesFromOpset12) {
  Attribute floats;
  floats.type = Attribute::Type::kFloats;
  floats.floats = {1.5f, 2.5f};
  Attribute strings;
  strings.type = Attribute::Type::kStrings;
  strings.strings = {"a", "bc"};
  struct Case {
    std::string name;
    Attribute attr;
    Tensor expected;
  };
  Case cases[] = {
      {"value_float", FloatAttr(3.0f), MakeTensor<float>({}, {3.0f})},
      {"value_floats", floats, MakeTensor<float>({2}, {1.5f, 2.5f})},
      {"value_int", IntAttr(-4), MakeTensor<int64_t>({}, {-4})},
      {"value_ints", IntsAttr({1, 2, 3}), Int64s({1, 2, 3})},
      {"value_string", StringAttr("hi"), MakeTensor<std::string>({}, {"hi"})},
      {"value_strings", strings, MakeTensor<std::string>({2}, {"a", "bc"})},
  };
  for (Case& c : cases) {
    absl::StatusOr<Tensor> out = RunConstant(13, {{c.name, c.attr}});
    ASSERT_TRUE(out.ok()) << c.name << ": " << out.status();
    ExpectTensorNear(*out, c.expected);
  }
}

TEST(ConstantTest, Errors) {
  EXPECT_FALSE(RunConstant(13, {}).ok());
  EXPECT_FALSE(RunConstant(13, {{"value_int", IntAttr(1)}, {"value_float", FloatAttr(1)}}).ok());
  EXPECT_FALSE(RunConstant(13, {{"value_int", FloatAttr(1)}}).ok());  // wrong attribute type
  Attribute sparse;
  sparse.type = Attribute::Type::kTensor;
  EXPECT_EQ(RunConstant(13, {{"sparse_value", sparse}}).status().code(),
            absl::StatusCode::kUnimplemented);
}

TEST(ConstantOfShapeTest, DefaultAndTypedValues) {
  Tensor shape = Int64s({2, 3});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("ConstantOfShape", 1), 9, {&shape});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({2, 3}, std::vector<float>(6, 0.0f)));
  Node node = MakeNode("ConstantOfShape", 1, 1,
                       {{"value", TensorAttr(MakeTensor<int32_t>({1}, {7}))}});
  out = RunFirst(node, 20, {&shape});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<int32_t>({2, 3}, std::vector<int32_t>(6, 7)));
  Tensor scalar_shape(DataType::kInt64, {0});
  out = RunFirst(node, 9, {&scalar_shape});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<int32_t>({}, {7}));
}

TEST(ConstantOfShapeTest, Errors) {
  Tensor negative = Int64s({2, -1});
  Tensor not_1d = MakeTensor<int64_t>({}, {3});
  EXPECT_FALSE(RunFirst(MakeNode("ConstantOfShape", 1), 9, {&negative}).ok());
  EXPECT_FALSE(RunFirst(MakeNode("ConstantOfShape", 1), 9, {&not_1d}).ok());
  Node two_values = MakeNode("ConstantOfShape", 1, 1,
                             {{"value", TensorAttr(MakeTensor<float>({2}, {1, 2}))}});
  Tensor shape = Int64s({1});
  EXPECT_FALSE(RunFirst(two_values, 9, {&shape}).ok());
}

}  // namespace
}  // namespace berth::engine::testing
