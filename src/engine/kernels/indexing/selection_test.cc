// Tests of OneHot, NonZero, Compress and Unique.
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

TEST(OneHotTest, DefaultAxisWithNegativeAndOutOfRangeIndices) {
  Tensor indices = MakeTensor<int64_t>({4}, {0, -1, 7, 2});
  Tensor depth = MakeTensor<float>({}, {3});
  Tensor values = MakeTensor<int32_t>({2}, {-1, 5});
  auto out = RunNode(MakeNode("OneHot", 3), 11, {&indices, &depth, &values});
  ASSERT_TRUE(out.ok()) << out.status();
  // -1 counts from the end at opset 11; 7 is outside [-3, 2] and selects nothing.
  testing::ExpectTensorNear((*out)[0], MakeTensor<int32_t>({4, 3}, {5, -1, -1, -1, -1, 5,
                                                                    -1, -1, -1, -1, -1, 5}));
}

TEST(OneHotTest, Opset9IgnoresNegativeIndices) {
  Tensor indices = MakeTensor<int32_t>({2}, {-1, 1});
  Tensor depth = MakeTensor<int64_t>({1}, {2});
  Tensor values = MakeTensor<float>({2}, {0, 1});
  auto out = RunNode(MakeNode("OneHot", 3), 9, {&indices, &depth, &values});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({2, 2}, {0, 0, 0, 1}));
}

TEST(OneHotTest, AxisZeroFloatIndicesStringValues) {
  Tensor indices = MakeTensor<float>({2}, {1.9f, 0.0f});
  Tensor depth = MakeTensor<int32_t>({}, {2});
  Tensor values = MakeTensor<std::string>({2}, {"off", "on"});
  auto out = RunNode(MakeNode("OneHot", 3, 1, {{"axis", IntAttr(0)}}), 11,
                     {&indices, &depth, &values});
  ASSERT_TRUE(out.ok()) << out.status();
  // Indices truncate to int64: 1.9 -> 1. Output [depth, 2].
  testing::ExpectTensorNear((*out)[0],
                            MakeTensor<std::string>({2, 2}, {"off", "on", "on", "off"}));
}

TEST(OneHotTest, Errors) {
  Tensor indices = MakeTensor<int64_t>({2}, {0, 1});
  Tensor values = MakeTensor<float>({2}, {0, 1});
  Tensor zero_depth = MakeTensor<int64_t>({}, {0});
  EXPECT_FALSE(RunNode(MakeNode("OneHot", 3), 11, {&indices, &zero_depth, &values}).ok());
  Tensor depth = MakeTensor<int64_t>({}, {3});
  Tensor three_values = MakeTensor<float>({3}, {0, 1, 2});
  EXPECT_FALSE(RunNode(MakeNode("OneHot", 3), 11, {&indices, &depth, &three_values}).ok());
  EXPECT_FALSE(RunNode(MakeNode("OneHot", 3, 1, {{"axis", IntAttr(2)}}), 11,
                       {&indices, &depth, &values})
                   .ok());
  Tensor two_depths = MakeTensor<int64_t>({2}, {3, 3});
  EXPECT_FALSE(RunNode(MakeNode("OneHot", 3), 11, {&indices, &two_depths, &values}).ok());
}

TEST(NonZeroTest, CoordinatesInRowMajorOrder) {
  Tensor x = MakeTensor<float>({2, 3}, {0, 1.5f, 0, -2, 0, 3});
  auto out = RunNode(MakeNode("NonZero", 1), 13, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<int64_t>({2, 3}, {0, 1, 1, 1, 0, 2}));
}

TEST(NonZeroTest, BoolStringsAndScalar) {
  Tensor b = MakeTensor<bool>({3}, {true, false, true});
  auto out = RunNode(MakeNode("NonZero", 1), 9, {&b});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<int64_t>({1, 2}, {0, 2}));

  Tensor s = MakeTensor<std::string>({3}, {"", "x", ""});
  out = RunNode(MakeNode("NonZero", 1), 13, {&s});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<int64_t>({1, 1}, {1}));

  Tensor scalar = MakeTensor<int32_t>({}, {4});
  out = RunNode(MakeNode("NonZero", 1), 13, {&scalar});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ShapeToString((*out)[0].shape()), "[0,1]");
}

TEST(CompressTest, AxesAndFlattening) {
  Tensor x = MakeTensor<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  Tensor rows = MakeTensor<bool>({3}, {false, true, true});
  auto out = RunNode(MakeNode("Compress", 2, 1, {{"axis", IntAttr(0)}}), 9, {&x, &rows});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({2, 2}, {3, 4, 5, 6}));

  Tensor cols = MakeTensor<bool>({2}, {false, true});
  out = RunNode(MakeNode("Compress", 2, 1, {{"axis", IntAttr(-1)}}), 11, {&x, &cols});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({3, 1}, {2, 4, 6}));

  // No axis: the flattened input; a short condition drops the rest.
  Tensor flat = MakeTensor<bool>({4}, {false, true, false, true});
  out = RunNode(MakeNode("Compress", 2), 11, {&x, &flat});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({2}, {2, 4}));
}

TEST(CompressTest, StringsAndErrors) {
  Tensor x = MakeTensor<std::string>({3}, {"a", "b", "c"});
  Tensor cond = MakeTensor<bool>({3}, {true, false, true});
  auto out = RunNode(MakeNode("Compress", 2, 1, {{"axis", IntAttr(0)}}), 11, {&x, &cond});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<std::string>({2}, {"a", "c"}));

  Tensor long_cond = MakeTensor<bool>({4}, {true, false, true, true});
  EXPECT_FALSE(RunNode(MakeNode("Compress", 2), 11, {&x, &long_cond}).ok());
  EXPECT_FALSE(RunNode(MakeNode("Compress", 2, 1, {{"axis", IntAttr(1)}}), 11, {&x, &cond}).ok());
  Tensor int_cond = MakeTensor<int32_t>({3}, {1, 0, 1});
  EXPECT_FALSE(RunNode(MakeNode("Compress", 2), 11, {&x, &int_cond}).ok());
}

TEST(UniqueTest, SortedFlatWithAllOutputs) {
  Tensor x = MakeTensor<float>({6}, {2, 1, 1, 3, 4, 3});
  auto out = RunNode(MakeNode("Unique", 1, 4), 11, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({4}, {1, 2, 3, 4}));
  testing::ExpectTensorNear((*out)[1], MakeTensor<int64_t>({4}, {1, 0, 3, 4}));
  testing::ExpectTensorNear((*out)[2], MakeTensor<int64_t>({6}, {1, 0, 0, 2, 3, 2}));
  testing::ExpectTensorNear((*out)[3], MakeTensor<int64_t>({4}, {2, 1, 2, 1}));
}

TEST(UniqueTest, UnsortedKeepsFirstOccurrenceOrder) {
  Tensor x = MakeTensor<int32_t>({6}, {2, 1, 1, 3, 4, 3});
  auto out = RunNode(MakeNode("Unique", 1, 4, {{"sorted", IntAttr(0)}}), 11, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<int32_t>({4}, {2, 1, 3, 4}));
  testing::ExpectTensorNear((*out)[1], MakeTensor<int64_t>({4}, {0, 1, 3, 4}));
  testing::ExpectTensorNear((*out)[2], MakeTensor<int64_t>({6}, {0, 1, 1, 2, 3, 2}));
  testing::ExpectTensorNear((*out)[3], MakeTensor<int64_t>({4}, {1, 2, 2, 1}));
}

TEST(UniqueTest, SlicesAlongAxis) {
  // Columns of [[1, 0, 1], [2, 5, 2]]: columns 0 and 2 are equal.
  Tensor x = MakeTensor<float>({2, 3}, {1, 0, 1, 2, 5, 2});
  auto out = RunNode(MakeNode("Unique", 1, 4, {{"axis", IntAttr(-1)}}), 11, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({2, 2}, {0, 1, 5, 2}));
  testing::ExpectTensorNear((*out)[1], MakeTensor<int64_t>({2}, {1, 0}));
  testing::ExpectTensorNear((*out)[2], MakeTensor<int64_t>({3}, {1, 0, 1}));
  testing::ExpectTensorNear((*out)[3], MakeTensor<int64_t>({2}, {1, 2}));
}

TEST(UniqueTest, StringsAndOptionalOutputs) {
  Tensor x = MakeTensor<std::string>({4}, {"b", "a", "b", "c"});
  Node node = MakeNode("Unique", 1, 3);
  node.outputs[1] = "";  // indices not wanted
  auto out = RunNode(node, 11, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<std::string>({3}, {"a", "b", "c"}));
  testing::ExpectTensorNear((*out)[2], MakeTensor<int64_t>({4}, {1, 0, 1, 2}));
}

TEST(UniqueTest, Errors) {
  Tensor x = MakeTensor<float>({2}, {1, 1});
  EXPECT_FALSE(RunNode(MakeNode("Unique", 1, 1, {{"axis", IntAttr(1)}}), 11, {&x}).ok());
  EXPECT_FALSE(RunNode(MakeNode("Unique", 1, 1, {{"sorted", IntAttr(2)}}), 11, {&x}).ok());
}

}  // namespace
}  // namespace berth::engine
