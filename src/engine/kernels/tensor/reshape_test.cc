#include <string>
#include <vector>

#include "engine/kernels/tensor/tensor_test_helpers.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

struct ReshapeCase {
  std::string name;
  Shape input;
  std::vector<int64_t> shape;
  int64_t allow_zero;
  Shape expected;  // empty with ok == false: the call must fail
  bool ok;
};

class ReshapeTableTest : public ::testing::TestWithParam<ReshapeCase> {};

TEST_P(ReshapeTableTest, ResolvesShapeAndKeepsData) {
  const ReshapeCase& c = GetParam();
  Tensor data = Iota<float>(c.input);
  Tensor shape = Int64s(c.shape);
  Node node = MakeNode("Reshape", 2, 1, {{"allowzero", IntAttr(c.allow_zero)}});
  absl::StatusOr<Tensor> out = RunFirst(node, 14, {&data, &shape});
  if (!c.ok) {
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
    return;
  }
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<float> values(data.span<float>().begin(), data.span<float>().end());
  ExpectTensorNear(*out, MakeTensor<float>(c.expected, values));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ReshapeTableTest,
    ::testing::Values(
        ReshapeCase{"InferLast", {2, 3, 4}, {4, -1}, 0, {4, 6}, true},
        ReshapeCase{"ZeroCopiesDim", {2, 3, 4}, {0, -1}, 0, {2, 12}, true},
        ReshapeCase{"ZeroAndExplicit", {2, 3, 4}, {0, 4, 3}, 0, {2, 4, 3}, true},
        ReshapeCase{"ToScalarShape", {1, 1}, {}, 0, {}, true},
        ReshapeCase{"ExtendDims", {2, 3, 4}, {2, 3, 2, 2}, 0, {2, 3, 2, 2}, true},
        ReshapeCase{"AllowZeroKeepsZero", {0, 3}, {3, 0}, 1, {3, 0}, true},
        ReshapeCase{"CountMismatch", {2, 3, 4}, {5, 5}, 0, {}, false},
        ReshapeCase{"TwoInferred", {2, 3, 4}, {-1, -1}, 0, {}, false},
        ReshapeCase{"AllowZeroWithInferred", {2, 3, 4}, {0, -1}, 1, {}, false},
        ReshapeCase{"ZeroBeyondRank", {24}, {4, 0}, 0, {}, false},
        ReshapeCase{"BadNegative", {2, 3, 4}, {-2, 12}, 0, {}, false},
        ReshapeCase{"InferNotDivisible", {2, 3, 4}, {5, -1}, 0, {}, false}),
    [](const ::testing::TestParamInfo<ReshapeCase>& info) { return info.param.name; });

TEST(ReshapeTest, AllowZeroIgnoredBeforeOpset14) {
  Tensor data = Iota<int32_t>({2, 3});
  Tensor shape = Int64s({0, 6});
  Node node = MakeNode("Reshape", 2, 1, {{"allowzero", IntAttr(1)}});
  absl::StatusOr<Tensor> out = RunFirst(node, 13, {&data, &shape});
  EXPECT_FALSE(out.ok());  // 0 copies dim 0 (2), so [2,6] has 12 elements, not 6
  shape = Int64s({0, 3});
  out = RunFirst(node, 13, {&data, &shape});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ShapeToString(out->shape()), "[2,3]");
}

TEST(ReshapeTest, Opset1TakesShapeAttribute) {
  Tensor data = Iota<float>({2, 3});
  Node node = MakeNode("Reshape", 1, 1, {{"shape", IntsAttr({3, -1})}});
  absl::StatusOr<Tensor> out = RunFirst(node, 1, {&data});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({3, 2}, {0, 1, 2, 3, 4, 5}));
  Node missing = MakeNode("Reshape", 1, 1);
  EXPECT_FALSE(RunFirst(missing, 4, {&data}).ok());
}

TEST(ReshapeTest, StringsAndMissingShape) {
  Tensor data = MakeTensor<std::string>({2, 2}, {"a", "b", "c", "d"});
  Tensor shape = Int64s({4});
  Node node = MakeNode("Reshape", 2, 1);
  absl::StatusOr<Tensor> out = RunFirst(node, 13, {&data, &shape});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<std::string>({4}, {"a", "b", "c", "d"}));
  EXPECT_FALSE(RunFirst(node, 13, {&data, nullptr}).ok());
}

TEST(FlattenTest, AxesAcrossOpsets) {
  struct Case {
    int opset;
    int64_t axis;
    Shape expected;  // empty: must fail
  };
  const Case cases[] = {
      {13, 0, {1, 24}},  {13, 1, {2, 12}},  {13, 2, {6, 4}}, {13, 3, {24, 1}},
      {13, -1, {6, 4}},  {11, -3, {1, 24}}, {9, 2, {6, 4}},  {9, -1, {}},
      {13, 4, {}},       {13, -4, {}},
  };
  Tensor data = Iota<uint8_t>({2, 3, 4});
  for (const Case& c : cases) {
    Node node = MakeNode("Flatten", 1, 1, {{"axis", IntAttr(c.axis)}});
    absl::StatusOr<Tensor> out = RunFirst(node, c.opset, {&data});
    if (c.expected.empty()) {
      EXPECT_FALSE(out.ok()) << "opset " << c.opset << " axis " << c.axis;
      continue;
    }
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(ShapeToString(out->shape()), ShapeToString(c.expected));
    EXPECT_EQ(out->data<uint8_t>()[23], 23);
  }
}

TEST(FlattenTest, DefaultAxisIsOne) {
  Tensor data = Iota<double>({2, 2, 2});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("Flatten", 1), 1, {&data});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<double>({2, 4}, {0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(IdentityTest, CopiesEveryType) {
  Tensor b = MakeTensor<bool>({3}, {true, false, true});
  Tensor s = MakeTensor<std::string>({2}, {"x", ""});
  Tensor h = MakeTensor<Float16>({2}, {Float16(1.5f), Float16(-2.0f)});
  for (const Tensor* t : {&b, &s, &h}) {
    absl::StatusOr<Tensor> out = RunFirst(MakeNode("Identity", 1), 16, {t});
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear(*out, *t);
  }
}

}  // namespace
}  // namespace berth::engine::testing
