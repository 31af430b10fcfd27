// Tests of Gather, GatherElements and GatherND.
#include <string>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::IntAttr;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;

struct GatherCase {
  std::string name;
  int opset;
  int64_t axis;
  Shape data_shape;
  std::vector<float> data;
  Shape indices_shape;
  std::vector<int64_t> indices;
  Shape out_shape;
  std::vector<float> expected;
};

class GatherTest : public ::testing::TestWithParam<GatherCase> {};

TEST_P(GatherTest, MatchesExpected) {
  const GatherCase& c = GetParam();
  Tensor data = MakeTensor<float>(c.data_shape, c.data);
  Tensor indices = MakeTensor<int64_t>(c.indices_shape, c.indices);
  auto out = RunNode(MakeNode("Gather", 2, 1, {{"axis", IntAttr(c.axis)}}), c.opset,
                     {&data, &indices});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>(c.out_shape, c.expected));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GatherTest,
    ::testing::Values(
        GatherCase{"Axis0", 13, 0, {3, 2}, {1, 2, 3, 4, 5, 6}, {2}, {2, 0}, {2, 2}, {5, 6, 1, 2}},
        GatherCase{"Axis1", 13, 1, {2, 3}, {1, 2, 3, 4, 5, 6}, {2}, {2, 0}, {2, 2}, {3, 1, 6, 4}},
        GatherCase{"NegativeIndex", 13, 0, {4}, {10, 11, 12, 13}, {3}, {-1, 0, -4}, {3},
                   {13, 10, 10}},
        GatherCase{"NegativeAxis", 11, -1, {2, 3}, {1, 2, 3, 4, 5, 6}, {1}, {1}, {2, 1}, {2, 5}},
        GatherCase{"MatrixIndices", 1, 1, {2, 3}, {1, 2, 3, 4, 5, 6}, {2, 2}, {0, 1, 2, 2},
                   {2, 2, 2}, {1, 2, 3, 3, 4, 5, 6, 6}},
        GatherCase{"ScalarIndex", 13, 0, {3, 2}, {1, 2, 3, 4, 5, 6}, {}, {1}, {2}, {3, 4}},
        GatherCase{"EmptyIndices", 13, 0, {3, 2}, {1, 2, 3, 4, 5, 6}, {0}, {}, {0, 2}, {}}),
    [](const auto& info) { return info.param.name; });

TEST(GatherTest, Int32IndicesAndStrings) {
  Tensor data = MakeTensor<std::string>({3}, {"a", "bb", "ccc"});
  Tensor indices = MakeTensor<int32_t>({4}, {2, 0, -1, 1});
  auto out = RunNode(MakeNode("Gather", 2), 13, {&data, &indices});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0],
                            MakeTensor<std::string>({4}, {"ccc", "a", "ccc", "bb"}));
}

TEST(GatherTest, Int64DataKeepsExactValues) {
  Tensor data = MakeTensor<int64_t>({2}, {int64_t{1} << 60, -7});
  Tensor indices = MakeTensor<int64_t>({2}, {1, 0});
  auto out = RunNode(MakeNode("Gather", 2), 13, {&data, &indices});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<int64_t>({2}, {-7, int64_t{1} << 60}), 0, 0);
}

TEST(GatherTest, OutOfRangeIndexIsAnError) {
  Tensor data = MakeTensor<float>({3}, {1, 2, 3});
  for (int64_t bad : {3, -4, 1000}) {
    Tensor indices = MakeTensor<int64_t>({1}, {bad});
    auto out = RunNode(MakeNode("Gather", 2), 13, {&data, &indices});
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(out.status().message().find("Gather"), std::string::npos);
  }
}

TEST(GatherTest, BadAxisAndIndexTypeAreErrors) {
  Tensor data = MakeTensor<float>({3}, {1, 2, 3});
  Tensor indices = MakeTensor<int64_t>({1}, {0});
  EXPECT_FALSE(RunNode(MakeNode("Gather", 2, 1, {{"axis", IntAttr(1)}}), 13, {&data, &indices})
                   .ok());
  Tensor float_indices = MakeTensor<float>({1}, {0});
  EXPECT_FALSE(RunNode(MakeNode("Gather", 2), 13, {&data, &float_indices}).ok());
  Tensor scalar = MakeTensor<float>({}, {1});
  EXPECT_FALSE(RunNode(MakeNode("Gather", 2), 13, {&scalar, &indices}).ok());
}

TEST(GatherElementsTest, Axis1AndNegativeIndices) {
  Tensor data = MakeTensor<float>({2, 2}, {1, 2, 3, 4});
  Tensor indices = MakeTensor<int64_t>({2, 2}, {0, 0, -1, 0});
  auto out = RunNode(MakeNode("GatherElements", 2, 1, {{"axis", IntAttr(1)}}), 11,
                     {&data, &indices});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({2, 2}, {1, 1, 4, 3}));
}

TEST(GatherElementsTest, Axis0WithSmallerIndices) {
  Tensor data = MakeTensor<int32_t>({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Tensor indices = MakeTensor<int32_t>({2, 2}, {1, 2, 0, 2});
  auto out = RunNode(MakeNode("GatherElements", 2), 13, {&data, &indices});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<int32_t>({2, 2}, {4, 8, 1, 8}));
}

TEST(GatherElementsTest, ErrorsOnBadIndicesAndShapes) {
  Tensor data = MakeTensor<float>({2, 2}, {1, 2, 3, 4});
  Tensor bad = MakeTensor<int64_t>({2, 2}, {0, 2, 0, 0});
  EXPECT_FALSE(RunNode(MakeNode("GatherElements", 2), 13, {&data, &bad}).ok());
  Tensor wrong_rank = MakeTensor<int64_t>({2}, {0, 1});
  EXPECT_FALSE(RunNode(MakeNode("GatherElements", 2), 13, {&data, &wrong_rank}).ok());
  Tensor too_wide = MakeTensor<int64_t>({1, 3}, {0, 0, 0});
  EXPECT_FALSE(RunNode(MakeNode("GatherElements", 2), 13, {&data, &too_wide}).ok());
}

TEST(GatherNDTest, SlicesAndElements) {
  Tensor data = MakeTensor<float>({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  Tensor rows = MakeTensor<int64_t>({2, 1, 2}, {0, 1, 1, 0});
  auto out = RunNode(MakeNode("GatherND", 2), 11, {&data, &rows});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({2, 1, 2}, {2, 3, 4, 5}));

  Tensor elements = MakeTensor<int64_t>({2, 3}, {0, 0, 1, -1, 1, -1});
  out = RunNode(MakeNode("GatherND", 2), 13, {&data, &elements});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({2}, {1, 7}));
}

TEST(GatherNDTest, BatchDims) {
  Tensor data = MakeTensor<int32_t>({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  Tensor indices = MakeTensor<int64_t>({2, 1}, {1, 0});
  auto out = RunNode(MakeNode("GatherND", 2, 1, {{"batch_dims", IntAttr(1)}}), 12,
                     {&data, &indices});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<int32_t>({2, 2}, {2, 3, 4, 5}));
}

TEST(GatherNDTest, Errors) {
  Tensor data = MakeTensor<float>({2, 2}, {0, 1, 2, 3});
  Tensor out_of_range = MakeTensor<int64_t>({1, 2}, {0, 2});
  EXPECT_FALSE(RunNode(MakeNode("GatherND", 2), 13, {&data, &out_of_range}).ok());
  Tensor too_deep = MakeTensor<int64_t>({1, 3}, {0, 0, 0});
  EXPECT_FALSE(RunNode(MakeNode("GatherND", 2), 13, {&data, &too_deep}).ok());
  Tensor indices = MakeTensor<int64_t>({2, 1}, {0, 1});
  // batch_dims does not exist at opset 11, and must be below both ranks.
  EXPECT_FALSE(RunNode(MakeNode("GatherND", 2, 1, {{"batch_dims", IntAttr(1)}}), 11,
                       {&data, &indices})
                   .ok());
  EXPECT_FALSE(RunNode(MakeNode("GatherND", 2, 1, {{"batch_dims", IntAttr(2)}}), 13,
                       {&data, &indices})
                   .ok());
}

}  // namespace
}  // namespace berth::engine
