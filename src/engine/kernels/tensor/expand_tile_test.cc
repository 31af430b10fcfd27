#include <string>
#include <vector>

#include "engine/kernels/tensor/tensor_test_helpers.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

TEST(ExpandTest, BroadcastsBothWays) {
  Tensor col = MakeTensor<float>({3, 1}, {1, 2, 3});
  Tensor shape = Int64s({2, 1, 2});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("Expand", 2), 13, {&col, &shape});
  ASSERT_TRUE(out.ok()) << out.status();
  // The input's 3 survives the shape's 1: result [2, 3, 2].
  ExpectTensorNear(*out, MakeTensor<float>({2, 3, 2}, {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  Tensor smaller = Int64s({3});
  out = RunFirst(MakeNode("Expand", 2), 8, {&col, &smaller});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({3, 3}, {1, 1, 1, 2, 2, 2, 3, 3, 3}));
}

TEST(ExpandTest, ScalarStringsAndZero) {
  Tensor s = MakeTensor<std::string>({}, {"z"});
  Tensor shape = Int64s({2});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("Expand", 2), 13, {&s, &shape});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<std::string>({2}, {"z", "z"}));
  Tensor row = Iota<int8_t>({1, 2});
  Tensor zero = Int64s({0, 2});
  out = RunFirst(MakeNode("Expand", 2), 13, {&row, &zero});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ShapeToString(out->shape()), "[0,2]");
}

TEST(ExpandTest, Errors) {
  Tensor in = Iota<float>({2, 3});
  Tensor bad = Int64s({4, 3}), negative = Int64s({-1, 3});
  EXPECT_FALSE(RunFirst(MakeNode("Expand", 2), 13, {&in, &bad}).ok());
  EXPECT_FALSE(RunFirst(MakeNode("Expand", 2), 13, {&in, &negative}).ok());
  EXPECT_FALSE(RunFirst(MakeNode("Expand", 2), 13, {&in, nullptr}).ok());
}

TEST(TileTest, RepeatsEachAxis) {
  Tensor in = Iota<int64_t>({2, 3});
  Tensor repeats = Int64s({2, 2});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("Tile", 2), 13, {&in, &repeats});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<int64_t>({4, 6}, {0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5,
                                                      0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}));
  Tensor zero = Int64s({0, 1});
  out = RunFirst(MakeNode("Tile", 2), 6, {&in, &zero});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ShapeToString(out->shape()), "[0,3]");
}

TEST(TileTest, Opset1TilesAndAxisInputs) {
  Tensor in = MakeTensor<float>({1, 2}, {1, 2});
  Tensor tiles = MakeTensor<float>({}, {3});
  Tensor axis = MakeTensor<float>({}, {1});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("Tile", 3), 1, {&in, &tiles, &axis});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({1, 6}, {1, 2, 1, 2, 1, 2}));
}

TEST(TileTest, StringsAndErrors) {
  Tensor s = MakeTensor<std::string>({2}, {"a", "b"});
  Tensor two = Int64s({2});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("Tile", 2), 13, {&s, &two});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<std::string>({4}, {"a", "b", "a", "b"}));
  Tensor wrong_length = Int64s({2, 2});
  Tensor negative = Int64s({-1});
  Tensor huge = Int64s({int64_t{1} << 62});
  EXPECT_FALSE(RunFirst(MakeNode("Tile", 2), 13, {&s, &wrong_length}).ok());
  EXPECT_FALSE(RunFirst(MakeNode("Tile", 2), 13, {&s, &negative}).ok());
  EXPECT_FALSE(RunFirst(MakeNode("Tile", 2), 13, {&s, &huge}).ok());
}

}  // namespace
}  // namespace berth::engine::testing
