// Range, EyeLike, Trilu, ReverseSequence and Col2Im.
#include <string>
#include <vector>

#include "engine/kernels/tensor/tensor_test_helpers.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

template <typename T>
absl::StatusOr<Tensor> RunRange(T start, T limit, T delta) {
  Tensor s = MakeTensor<T>({}, {start}), l = MakeTensor<T>({}, {limit}),
         d = MakeTensor<T>({}, {delta});
  return RunFirst(MakeNode("Range", 3), 11, {&s, &l, &d});
}

TEST(RangeTest, PositiveAndNegativeDeltas) {
  absl::StatusOr<Tensor> out = RunRange<float>(1, 5, 1.5f);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({3}, {1, 2.5f, 4}));
  out = RunRange<int32_t>(10, 4, -3);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<int32_t>({2}, {10, 7}));
  out = RunRange<int64_t>(0, -5, 1);  // empty
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ShapeToString(out->shape()), "[0]");
  out = RunRange<int16_t>(-3, 3, 2);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<int16_t>({3}, {-3, -1, 1}));
}

TEST(RangeTest, Errors) {
  EXPECT_FALSE(RunRange<int32_t>(0, 5, 0).ok());
  EXPECT_FALSE(RunRange<double>(0, 1e300, 1e-300).ok());  // far too long
  Tensor s = MakeTensor<float>({}, {0}), l = MakeTensor<double>({}, {3}),
         d = MakeTensor<float>({}, {1});
  EXPECT_FALSE(RunFirst(MakeNode("Range", 3), 11, {&s, &l, &d}).ok());  // mixed types
  Tensor vec = MakeTensor<float>({2}, {1, 2});
  EXPECT_FALSE(RunFirst(MakeNode("Range", 3), 11, {&s, &vec, &d}).ok());
}

TEST(EyeLikeTest, DiagonalsAndDtype) {
  Tensor in(DataType::kInt32, {3, 4});
  absl::StatusOr<Tensor> out =
      RunFirst(MakeNode("EyeLike", 1, 1, {{"k", IntAttr(1)}}), 9, {&in});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<int32_t>({3, 4}, {0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}));
  Node typed = MakeNode(
      "EyeLike", 1, 1,
      {{"k", IntAttr(-1)}, {"dtype", IntAttr(static_cast<int>(DataType::kDouble))}});
  out = RunFirst(typed, 9, {&in});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<double>({3, 4}, {0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0}));
  Node far = MakeNode("EyeLike", 1, 1, {{"k", IntAttr(int64_t{1} << 62)}});
  out = RunFirst(far, 9, {&in});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<int32_t>({3, 4}, std::vector<int32_t>(12, 0)));
}

TEST(EyeLikeTest, Errors) {
  Tensor in(DataType::kFloat, {2, 2, 2});
  EXPECT_FALSE(RunFirst(MakeNode("EyeLike", 1), 9, {&in}).ok());
  Tensor ok(DataType::kFloat, {2, 2});
  Node bad = MakeNode("EyeLike", 1, 1, {{"dtype", IntAttr(static_cast<int>(DataType::kString))}});
  EXPECT_FALSE(RunFirst(bad, 9, {&ok}).ok());
}

TEST(TriluTest, UpperAndLowerWithK) {
  Tensor in = MakeTensor<float>({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  struct Case {
    int64_t upper;
    int64_t k;
    std::vector<float> expected;
  };
  const Case cases[] = {
      {1, 0, {1, 2, 3, 0, 5, 6, 0, 0, 9}},
      {1, 1, {0, 2, 3, 0, 0, 6, 0, 0, 0}},
      {1, -1, {1, 2, 3, 4, 5, 6, 0, 8, 9}},
      {0, 0, {1, 0, 0, 4, 5, 0, 7, 8, 9}},
      {0, -1, {0, 0, 0, 4, 0, 0, 7, 8, 0}},
      {0, 5, {1, 2, 3, 4, 5, 6, 7, 8, 9}},
      {1, -100, {1, 2, 3, 4, 5, 6, 7, 8, 9}},
  };
  for (const Case& c : cases) {
    Tensor k = MakeTensor<int64_t>({}, {c.k});
    Node node = MakeNode("Trilu", 2, 1, {{"upper", IntAttr(c.upper)}});
    absl::StatusOr<Tensor> out = RunFirst(node, 14, {&in, &k});
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear(*out, MakeTensor<float>({3, 3}, c.expected));
  }
}

TEST(TriluTest, BatchedStringsAndErrors) {
  Tensor in = MakeTensor<std::string>({2, 1, 2}, {"a", "b", "c", "d"});
  Node lower = MakeNode("Trilu", 1, 1, {{"upper", IntAttr(0)}});
  absl::StatusOr<Tensor> out = RunFirst(lower, 14, {&in});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<std::string>({2, 1, 2}, {"a", "", "c", ""}));
  Tensor vec = Iota<float>({3});
  EXPECT_FALSE(RunFirst(MakeNode("Trilu", 1), 14, {&vec}).ok());
}

TEST(ReverseSequenceTest, TimeAndBatchMajor) {
  Tensor in = Iota<float>({4, 2});  // [time, batch] with the default axes
  Tensor lens = Int64s({4, 2});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("ReverseSequence", 2), 10, {&in, &lens});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({4, 2}, {6, 3, 4, 1, 2, 5, 0, 7}));
  Node batch_major = MakeNode("ReverseSequence", 2, 1,
                              {{"batch_axis", IntAttr(0)}, {"time_axis", IntAttr(1)}});
  Tensor rows = MakeTensor<std::string>({2, 3, 1}, {"a", "b", "c", "d", "e", "f"});
  Tensor row_lens = Int64s({3, 0});
  out = RunFirst(batch_major, 10, {&rows, &row_lens});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<std::string>({2, 3, 1}, {"c", "b", "a", "d", "e", "f"}));
}

TEST(ReverseSequenceTest, Errors) {
  Tensor in = Iota<float>({4, 2});
  Tensor too_long = Int64s({5, 1});
  Tensor wrong_count = Int64s({1});
  EXPECT_FALSE(RunFirst(MakeNode("ReverseSequence", 2), 10, {&in, &too_long}).ok());
  EXPECT_FALSE(RunFirst(MakeNode("ReverseSequence", 2), 10, {&in, &wrong_count}).ok());
  Node same_axes = MakeNode("ReverseSequence", 2, 1,
                            {{"batch_axis", IntAttr(0)}, {"time_axis", IntAttr(0)}});
  Tensor lens = Int64s({1, 1, 1, 1});
  EXPECT_FALSE(RunFirst(same_axes, 10, {&in, &lens}).ok());
}

TEST(Col2ImTest, OverlappingBlocksSum) {
  // One channel, 2x2 blocks over a 3x3 image: 4 kernel positions x 4 windows.
  Tensor cols = Iota<float>({1, 4, 4});
  Tensor image = Int64s({3, 3}), block = Int64s({2, 2});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("Col2Im", 3), 18, {&cols, &image, &block});
  ASSERT_TRUE(out.ok()) << out.status();
  // Values from ONNX's reference implementation.
  ExpectTensorNear(*out, MakeTensor<float>({1, 1, 3, 3}, {0, 5, 5, 10, 30, 20, 10, 25, 15}));
}

TEST(Col2ImTest, StridesAndPads) {
  Tensor cols = MakeTensor<double>({1, 2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor image = Int64s({1, 5}), block = Int64s({1, 2});
  Node node = MakeNode("Col2Im", 3, 1,
                       {{"strides", IntsAttr({1, 2})}, {"pads", IntsAttr({0, 1, 0, 1})}});
  absl::StatusOr<Tensor> out = RunFirst(node, 18, {&cols, &image, &block});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<double>({1, 1, 1, 5}, {4, 2, 5, 3, 6}));
}

TEST(Col2ImTest, Errors) {
  Tensor cols = Iota<float>({1, 4, 4});
  Tensor image = Int64s({3, 3}), block = Int64s({2, 2});
  Tensor wrong_block = Int64s({3, 3}), one_dim = Int64s({3});
  EXPECT_FALSE(RunFirst(MakeNode("Col2Im", 3), 18, {&cols, &image, &wrong_block}).ok());
  EXPECT_FALSE(RunFirst(MakeNode("Col2Im", 3), 18, {&cols, &image, &one_dim}).ok());
  Node zero_stride = MakeNode("Col2Im", 3, 1, {{"strides", IntsAttr({0, 1})}});
  EXPECT_FALSE(RunFirst(zero_stride, 18, {&cols, &image, &block}).ok());
  Tensor flat = Iota<float>({4, 4});
  EXPECT_FALSE(RunFirst(MakeNode("Col2Im", 3), 18, {&flat, &image, &block}).ok());
}

}  // namespace
}  // namespace berth::engine::testing
