// ConcatFromSequence and SplitToSequence against naive element-by-element references and
// hand-computed cases.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/kernels/sequence/sequence_test_util.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

// Row-major multi-index of flat index `flat` in `shape`.
Shape Unflatten(int64_t flat, const Shape& shape) {
  Shape index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

int64_t Flatten(const Shape& index, const Shape& shape) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + index[d];
  return flat;
}

// Float tensor of `shape` whose elements are base, base + 1, ...
Tensor Counting(Shape shape, float base) {
  Tensor t(DataType::kFloat, shape);
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = base + i;
  return t;
}

// Naive ConcatFromSequence over float tensors: every output element looks up its source.
Tensor NaiveConcat(const std::vector<const Tensor*>& parts, int axis, bool new_axis) {
  Shape out_shape = parts[0]->shape();
  if (new_axis) {
    out_shape.insert(out_shape.begin() + axis, static_cast<int64_t>(parts.size()));
  } else {
    out_shape[axis] = 0;
    for (const Tensor* p : parts) out_shape[axis] += p->dim(axis);
  }
  Tensor out(DataType::kFloat, out_shape);
  for (int64_t i = 0; i < out.num_elements(); ++i) {
    Shape index = Unflatten(i, out_shape);
    int64_t along = index[axis];
    size_t k = 0;
    if (new_axis) {
      k = static_cast<size_t>(along);
      index.erase(index.begin() + axis);
    } else {
      while (along >= parts[k]->dim(axis)) along -= parts[k++]->dim(axis);
      index[axis] = along;
    }
    out.data<float>()[i] = parts[k]->data<float>()[Flatten(index, parts[k]->shape())];
  }
  return out;
}

// Naive part of a split: the elements of `in` with index[axis] in [start, start + length).
Tensor NaivePart(const Tensor& in, int axis, int64_t start, int64_t length, bool squeeze) {
  Shape shape = in.shape();
  shape[axis] = length;
  Tensor out(DataType::kFloat, shape);
  for (int64_t i = 0; i < out.num_elements(); ++i) {
    Shape index = Unflatten(i, shape);
    index[axis] += start;
    out.data<float>()[i] = in.data<float>()[Flatten(index, in.shape())];
  }
  if (squeeze) {
    shape.erase(shape.begin() + axis);
    out.SetShapeKeepData(shape);
  }
  return out;
}

absl::StatusOr<Tensor> RunConcat(const TensorSequence& seq, int64_t axis, int64_t new_axis) {
  Node node = MakeNode("ConcatFromSequence", 1, 1,
                       {{"axis", IntAttr(axis)}, {"new_axis", IntAttr(new_axis)}});
  absl::StatusOr<SeqResult> out = RunSequenceNode(node, 11, {&seq});
  if (!out.ok()) return out.status();
  return std::move(out->tensors[0]);
}

absl::StatusOr<TensorSequence> RunSplit(const Tensor& in, const Tensor* split,
                                        std::map<std::string, Attribute> attrs) {
  Node node = MakeNode("SplitToSequence", split ? 2 : 1, 1, std::move(attrs));
  std::vector<SeqArg> inputs = {&in};
  if (split) inputs.push_back(split);
  absl::StatusOr<SeqResult> out = RunSequenceNode(node, 11, inputs);
  if (!out.ok()) return out.status();
  return std::move(out->sequences[0]);
}

TEST(ConcatFromSequenceTest, HandComputed) {
  Tensor a = MakeTensor<float>({2, 1}, {1, 2});
  Tensor b = MakeTensor<float>({2, 2}, {3, 4, 5, 6});
  TensorSequence seq = MakeSequence(DataType::kFloat, {&a, &b});
  absl::StatusOr<Tensor> out = RunConcat(seq, -1, 0);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({2, 3}, {1, 3, 4, 2, 5, 6}), 0, 0);
  // Stacking two [2] tensors: along a new first axis, and a new last axis (axis = r).
  Tensor c = MakeTensor<float>({2}, {1, 2});
  Tensor d = MakeTensor<float>({2}, {3, 4});
  TensorSequence pair = MakeSequence(DataType::kFloat, {&c, &d});
  out = RunConcat(pair, 0, 1);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({2, 2}, {1, 2, 3, 4}), 0, 0);
  out = RunConcat(pair, 1, 1);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({2, 2}, {1, 3, 2, 4}), 0, 0);
}

TEST(ConcatFromSequenceTest, MatchesNaiveReferenceOnEveryAxis) {
  for (int axis = 0; axis < 3; ++axis) {
    SCOPED_TRACE(axis);
    std::vector<Tensor> parts;
    for (int64_t len : {2, 1, 3}) {
      Shape shape = {2, 3, 4};
      shape[axis] = len;
      parts.push_back(Counting(shape, 100.0f * parts.size()));
    }
    std::vector<const Tensor*> ptrs = {&parts[0], &parts[1], &parts[2]};
    TensorSequence seq = MakeSequence(DataType::kFloat, ptrs);
    for (int64_t given : {int64_t{axis}, int64_t{axis - 3}}) {
      absl::StatusOr<Tensor> out = RunConcat(seq, given, 0);
      ASSERT_TRUE(out.ok()) << out.status();
      ExpectTensorNear(*out, NaiveConcat(ptrs, axis, false), 0, 0);
    }
  }
}

TEST(ConcatFromSequenceTest, NewAxisMatchesNaiveReference) {
  Tensor a = Counting({2, 3}, 0), b = Counting({2, 3}, 10), c = Counting({2, 3}, 20);
  std::vector<const Tensor*> ptrs = {&a, &b, &c};
  TensorSequence seq = MakeSequence(DataType::kFloat, ptrs);
  // new_axis accepts [-r - 1, r] for rank r = 2.
  for (int axis = 0; axis <= 2; ++axis) {
    for (int64_t given : {int64_t{axis}, int64_t{axis - 3}}) {
      SCOPED_TRACE(given);
      absl::StatusOr<Tensor> out = RunConcat(seq, given, 1);
      ASSERT_TRUE(out.ok()) << out.status();
      ExpectTensorNear(*out, NaiveConcat(ptrs, axis, true), 0, 0);
    }
  }
  // Scalars stack into a vector.
  Tensor s1 = MakeTensor<float>({}, {1}), s2 = MakeTensor<float>({}, {2});
  TensorSequence scalars = MakeSequence(DataType::kFloat, {&s1, &s2});
  absl::StatusOr<Tensor> out = RunConcat(scalars, 0, 1);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({2}, {1, 2}), 0, 0);
}

TEST(ConcatFromSequenceTest, StringsAndInts) {
  Tensor a = MakeTensor<std::string>({1, 2}, {"a", "b"});
  Tensor b = MakeTensor<std::string>({1, 1}, {"c"});
  TensorSequence seq = MakeSequence(DataType::kString, {&a, &b});
  absl::StatusOr<Tensor> out = RunConcat(seq, 1, 0);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<std::string>({1, 3}, {"a", "b", "c"}));
  Tensor i = MakeTensor<int64_t>({2}, {1, 2}), j = MakeTensor<int64_t>({2}, {3, 4});
  TensorSequence ints = MakeSequence(DataType::kInt64, {&i, &j});
  out = RunConcat(ints, 0, 0);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<int64_t>({4}, {1, 2, 3, 4}), 0, 0);
}

TEST(ConcatFromSequenceTest, Errors) {
  Tensor a = Counting({2, 3}, 0), b = Counting({3, 3}, 0);
  TensorSequence seq = MakeSequence(DataType::kFloat, {&a, &b});
  ExpectInvalidArgument(RunConcat(seq, 1, 0).status(), {"ConcatFromSequence", "tensor 1", "[3,3]"});
  ExpectInvalidArgument(RunConcat(seq, 0, 1).status(), {"tensor 1", "[3,3]"});  // stack: same shape
  ExpectInvalidArgument(RunConcat(seq, 2, 0).status(), {"axis 2", "rank 2"});
  ExpectInvalidArgument(RunConcat(seq, -4, 1).status(), {"axis -4", "-3 to 2"});
  TensorSequence empty(DataType::kFloat);
  ExpectInvalidArgument(RunConcat(empty, 0, 0).status(), {"empty sequence"});
  Tensor s = MakeTensor<float>({}, {1});
  TensorSequence scalars = MakeSequence(DataType::kFloat, {&s});
  ExpectInvalidArgument(RunConcat(scalars, 0, 0).status(), {"scalars"});
  TensorSequence ok = MakeSequence(DataType::kFloat, {&a});
  Node no_axis = MakeNode("ConcatFromSequence", 1);
  ExpectInvalidArgument(RunSequenceNode(no_axis, 11, {&ok}).status(), {"'axis'"});
  Node bad_new_axis =
      MakeNode("ConcatFromSequence", 1, 1, {{"axis", IntAttr(0)}, {"new_axis", IntAttr(2)}});
  ExpectInvalidArgument(RunSequenceNode(bad_new_axis, 11, {&ok}).status(), {"'new_axis'"});
}

TEST(SplitToSequenceTest, WithoutSplitKeepdimsAndSqueeze) {
  Tensor in = Counting({2, 3, 2}, 0);
  for (int axis = 0; axis < 3; ++axis) {
    for (int keepdims : {0, 1}) {
      SCOPED_TRACE(absl::StrCat("axis ", axis, " keepdims ", keepdims));
      absl::StatusOr<TensorSequence> seq =
          RunSplit(in, nullptr, {{"axis", IntAttr(axis - 3)}, {"keepdims", IntAttr(keepdims)}});
      ASSERT_TRUE(seq.ok()) << seq.status();
      std::vector<Tensor> want;
      for (int64_t k = 0; k < in.dim(axis); ++k) {
        want.push_back(NaivePart(in, axis, k, 1, keepdims == 0));
      }
      std::vector<const Tensor*> ptrs;
      for (const Tensor& t : want) ptrs.push_back(&t);
      ExpectSequenceEq(*seq, DataType::kFloat, ptrs);
    }
  }
}

TEST(SplitToSequenceTest, HandComputedDefaults) {
  // Default axis 0 and keepdims 1: rows of [1, 2].
  Tensor in = MakeTensor<int32_t>({2, 2}, {1, 2, 3, 4});
  absl::StatusOr<TensorSequence> seq = RunSplit(in, nullptr, {});
  ASSERT_TRUE(seq.ok()) << seq.status();
  Tensor r0 = MakeTensor<int32_t>({1, 2}, {1, 2}), r1 = MakeTensor<int32_t>({1, 2}, {3, 4});
  ExpectSequenceEq(*seq, DataType::kInt32, {&r0, &r1});
}

TEST(SplitToSequenceTest, ListedLengthsIgnoreKeepdims) {
  Tensor in = Counting({2, 5}, 0);
  Tensor split = MakeTensor<int64_t>({3}, {2, 0, 3});
  absl::StatusOr<TensorSequence> seq =
      RunSplit(in, &split, {{"axis", IntAttr(1)}, {"keepdims", IntAttr(0)}});
  ASSERT_TRUE(seq.ok()) << seq.status();
  Tensor p0 = NaivePart(in, 1, 0, 2, false), p1 = NaivePart(in, 1, 2, 0, false),
         p2 = NaivePart(in, 1, 2, 3, false);
  ExpectSequenceEq(*seq, DataType::kFloat, {&p0, &p1, &p2});
  ExpectTensorNear(p0, MakeTensor<float>({2, 2}, {0, 1, 5, 6}), 0, 0);
}

TEST(SplitToSequenceTest, ScalarLengthLastPartShorter) {
  Tensor in = Counting({7}, 0);
  Tensor split = MakeTensor<int32_t>({}, {3});
  absl::StatusOr<TensorSequence> seq = RunSplit(in, &split, {});
  ASSERT_TRUE(seq.ok()) << seq.status();
  Tensor p0 = MakeTensor<float>({3}, {0, 1, 2}), p1 = MakeTensor<float>({3}, {3, 4, 5}),
         p2 = MakeTensor<float>({1}, {6});
  ExpectSequenceEq(*seq, DataType::kFloat, {&p0, &p1, &p2});
  // Dividing evenly: no short part.
  Tensor six = Counting({6}, 0);
  seq = RunSplit(six, &split, {});
  ASSERT_TRUE(seq.ok()) << seq.status();
  EXPECT_EQ(seq->size(), 2);
}

TEST(SplitToSequenceTest, EmptyInputIntoEmptyParts) {
  Tensor in(DataType::kFloat, {0});
  Tensor split = MakeTensor<int64_t>({3}, {0, 0, 0});
  absl::StatusOr<TensorSequence> seq = RunSplit(in, &split, {});
  ASSERT_TRUE(seq.ok()) << seq.status();
  Tensor empty(DataType::kFloat, {0});
  ExpectSequenceEq(*seq, DataType::kFloat, {&empty, &empty, &empty});
  // Without `split`, an axis of length 0 gives an empty sequence.
  seq = RunSplit(in, nullptr, {});
  ASSERT_TRUE(seq.ok()) << seq.status();
  EXPECT_EQ(seq->size(), 0);
}

TEST(SplitToSequenceTest, StringsRoundTripThroughConcat) {
  Tensor in = MakeTensor<std::string>({2, 3}, {"a", "b", "c", "d", "e", "f"});
  Tensor split = MakeTensor<int64_t>({2}, {1, 2});
  absl::StatusOr<TensorSequence> seq = RunSplit(in, &split, {{"axis", IntAttr(1)}});
  ASSERT_TRUE(seq.ok()) << seq.status();
  Tensor p0 = MakeTensor<std::string>({2, 1}, {"a", "d"});
  Tensor p1 = MakeTensor<std::string>({2, 2}, {"b", "c", "e", "f"});
  ExpectSequenceEq(*seq, DataType::kString, {&p0, &p1});
  absl::StatusOr<Tensor> back = RunConcat(*seq, 1, 0);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectTensorNear(*back, in);
}

TEST(SplitToSequenceTest, Errors) {
  Tensor in = Counting({2, 5}, 0);
  Tensor bad_sum = MakeTensor<int64_t>({2}, {2, 2});
  ExpectInvalidArgument(RunSplit(in, &bad_sum, {{"axis", IntAttr(1)}}).status(),
                        {"SplitToSequence", "[2,2]", "add up to 4", "axis length 5"});
  Tensor negative = MakeTensor<int64_t>({2}, {6, -1});
  ExpectInvalidArgument(RunSplit(in, &negative, {{"axis", IntAttr(1)}}).status(),
                        {"negative length -1"});
  Tensor zero = MakeTensor<int64_t>({}, {0});
  ExpectInvalidArgument(RunSplit(in, &zero, {}).status(), {"must be positive"});
  Tensor matrix = MakeTensor<int64_t>({1, 1}, {2});
  ExpectInvalidArgument(RunSplit(in, &matrix, {}).status(), {"scalar or 1-D"});
  Tensor floats = MakeTensor<float>({1}, {2});
  ExpectInvalidArgument(RunSplit(in, &floats, {}).status(), {"'split'", "float"});
  ExpectInvalidArgument(RunSplit(in, nullptr, {{"axis", IntAttr(2)}}).status(),
                        {"axis 2", "rank 2"});
  Tensor scalar = MakeTensor<float>({}, {1});
  ExpectInvalidArgument(RunSplit(scalar, nullptr, {}).status(), {"axis 0", "rank 0"});
  ExpectInvalidArgument(RunSplit(in, nullptr, {{"keepdims", IntAttr(3)}}).status(),
                        {"'keepdims'"});
  Tensor huge(DataType::kFloat, {int64_t{1} << 30, 0});
  ExpectInvalidArgument(RunSplit(huge, nullptr, {}).status(), {"over the limit"});
}

}  // namespace
}  // namespace berth::engine::testing
