// SequenceEmpty, SequenceConstruct, SequenceInsert, SequenceErase, SequenceAt and
// SequenceLength against hand-computed sequences.
#include <string>
#include <vector>

#include "engine/kernels/sequence/sequence_test_util.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

Tensor Scalar64(int64_t v) { return MakeTensor<int64_t>({}, {v}); }
Tensor Scalar32(int32_t v) { return MakeTensor<int32_t>({}, {v}); }

// Three float tensors of different shapes, and a sequence holding them in order.
struct Abc {
  Tensor a = MakeTensor<float>({2}, {1, 2});
  Tensor b = MakeTensor<float>({1, 3}, {3, 4, 5});
  Tensor c = MakeTensor<float>({}, {6});
  TensorSequence seq = MakeSequence(DataType::kFloat, {&a, &b, &c});
};

// Runs a node expected to give a sequence as output 0.
TensorSequence RunToSequence(const Node& node, const std::vector<SeqArg>& inputs) {
  absl::StatusOr<SeqResult> out = RunSequenceNode(node, 12, inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? std::move(out->sequences[0]) : TensorSequence();
}

// Expects `node` to fail at load or run with InvalidArgument naming each of `pieces`.
void ExpectFailure(const Node& node, const std::vector<SeqArg>& inputs,
                   const std::vector<std::string>& pieces) {
  ExpectInvalidArgument(RunSequenceNode(node, 12, inputs).status(), pieces);
}

TEST(SequenceEmptyTest, DefaultsToFloatAndTakesDtype) {
  TensorSequence empty = RunToSequence(MakeNode("SequenceEmpty", 0), {});
  ExpectSequenceEq(empty, DataType::kFloat, {});
  TensorSequence ints = RunToSequence(
      MakeNode("SequenceEmpty", 0, 1,
               {{"dtype", IntAttr(static_cast<int64_t>(DataType::kInt64))}}),
      {});
  ExpectSequenceEq(ints, DataType::kInt64, {});
  ExpectFailure(MakeNode("SequenceEmpty", 0, 1, {{"dtype", IntAttr(99)}}), {},
                {"'dtype'", "99"});
}

TEST(SequenceConstructTest, CopiesInputsInOrder) {
  Abc v;
  TensorSequence seq = RunToSequence(MakeNode("SequenceConstruct", 3), {&v.a, &v.b, &v.c});
  ExpectSequenceEq(seq, DataType::kFloat, {&v.a, &v.b, &v.c});
  // The sequence owns copies.
  EXPECT_NE(seq.at(0).raw_data(), v.a.raw_data());
}

TEST(SequenceConstructTest, StringsAndTypeMismatch) {
  Tensor s = MakeTensor<std::string>({2}, {"x", "yz"});
  TensorSequence seq = RunToSequence(MakeNode("SequenceConstruct", 2), {&s, &s});
  ExpectSequenceEq(seq, DataType::kString, {&s, &s});
  Tensor i = MakeTensor<int32_t>({1}, {1});
  ExpectFailure(MakeNode("SequenceConstruct", 2), {&s, &i}, {"input 1", "int32", "string"});
}

TEST(SequenceInsertTest, PositionsFrontMiddleBackNegativeAndDefault) {
  Abc v;
  Tensor x = MakeTensor<float>({1}, {9});
  struct Case {
    std::vector<SeqArg> position_arg;
    std::vector<const Tensor*> want;
  };
  Tensor p0 = Scalar64(0), p1 = Scalar32(1), p3 = Scalar64(3), m1 = Scalar64(-1),
         m3 = Scalar32(-3);
  std::vector<Case> cases = {
      {{}, {&v.a, &v.b, &v.c, &x}},     // default: at the back
      {{&p0}, {&x, &v.a, &v.b, &v.c}},  // front
      {{&p1}, {&v.a, &x, &v.b, &v.c}},  // int32 position
      {{&p3}, {&v.a, &v.b, &v.c, &x}},  // n: at the back
      {{&m1}, {&v.a, &v.b, &x, &v.c}},  // before the last
      {{&m3}, {&x, &v.a, &v.b, &v.c}},  // -n: the front
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE(k);
    std::vector<SeqArg> inputs = {&v.seq, &x};
    inputs.insert(inputs.end(), cases[k].position_arg.begin(), cases[k].position_arg.end());
    TensorSequence out =
        RunToSequence(MakeNode("SequenceInsert", static_cast<int>(inputs.size())), inputs);
    ExpectSequenceEq(out, DataType::kFloat, cases[k].want);
  }
  // The input sequence is left as it was.
  ExpectSequenceEq(v.seq, DataType::kFloat, {&v.a, &v.b, &v.c});
}

TEST(SequenceInsertTest, IntoEmptySequence) {
  TensorSequence empty(DataType::kInt32);
  Tensor x = MakeTensor<int32_t>({2}, {7, 8});
  Tensor p0 = Scalar64(0);
  TensorSequence out = RunToSequence(MakeNode("SequenceInsert", 3), {&empty, &x, &p0});
  ExpectSequenceEq(out, DataType::kInt32, {&x});
}

TEST(SequenceInsertTest, Errors) {
  Abc v;
  Tensor x = MakeTensor<float>({1}, {9});
  Tensor p4 = Scalar64(4), m4 = Scalar64(-4);
  ExpectFailure(MakeNode("SequenceInsert", 3), {&v.seq, &x, &p4},
                {"SequenceInsert", "position 4", "length 3"});
  ExpectFailure(MakeNode("SequenceInsert", 3), {&v.seq, &x, &m4},
                {"SequenceInsert", "position -4", "length 3"});
  Tensor i = MakeTensor<int64_t>({1}, {9});
  ExpectFailure(MakeNode("SequenceInsert", 2), {&v.seq, &i}, {"cannot insert", "int64", "float"});
  Tensor vector_position = MakeTensor<int64_t>({1}, {0});
  ExpectFailure(MakeNode("SequenceInsert", 3), {&v.seq, &x, &vector_position},
                {"position must be a scalar"});
  Tensor float_position = MakeTensor<float>({}, {0});
  ExpectFailure(MakeNode("SequenceInsert", 3), {&v.seq, &x, &float_position},
                {"'position'", "float"});
}

TEST(SequenceEraseTest, DefaultLastPositiveAndNegative) {
  Abc v;
  Tensor p0 = Scalar64(0), m2 = Scalar32(-2), p2 = Scalar64(2);
  ExpectSequenceEq(RunToSequence(MakeNode("SequenceErase", 1), {&v.seq}), DataType::kFloat,
                   {&v.a, &v.b});
  ExpectSequenceEq(RunToSequence(MakeNode("SequenceErase", 2), {&v.seq, &p0}),
                   DataType::kFloat, {&v.b, &v.c});
  ExpectSequenceEq(RunToSequence(MakeNode("SequenceErase", 2), {&v.seq, &m2}),
                   DataType::kFloat, {&v.a, &v.c});
  ExpectSequenceEq(RunToSequence(MakeNode("SequenceErase", 2), {&v.seq, &p2}),
                   DataType::kFloat, {&v.a, &v.b});
}

TEST(SequenceEraseTest, ErasingTheOnlyTensorKeepsTheType) {
  Tensor x = MakeTensor<int64_t>({1}, {1});
  TensorSequence one = MakeSequence(DataType::kInt64, {&x});
  ExpectSequenceEq(RunToSequence(MakeNode("SequenceErase", 1), {&one}), DataType::kInt64, {});
}

TEST(SequenceEraseTest, Errors) {
  Abc v;
  Tensor p3 = Scalar64(3), m4 = Scalar64(-4), p0 = Scalar64(0);
  ExpectFailure(MakeNode("SequenceErase", 2), {&v.seq, &p3},
                {"SequenceErase", "position 3", "length 3", "-3 to 2"});
  ExpectFailure(MakeNode("SequenceErase", 2), {&v.seq, &m4}, {"position -4", "length 3"});
  TensorSequence empty(DataType::kFloat);
  ExpectFailure(MakeNode("SequenceErase", 1), {&empty}, {"SequenceErase", "empty"});
  ExpectFailure(MakeNode("SequenceErase", 2), {&empty, &p0}, {"position 0", "length 0"});
}

TEST(SequenceAtTest, PositiveNegativeAndInt32Positions) {
  Abc v;
  std::vector<std::pair<Tensor, const Tensor*>> cases;
  cases.emplace_back(Scalar64(0), &v.a);
  cases.emplace_back(Scalar64(2), &v.c);
  cases.emplace_back(Scalar32(1), &v.b);
  cases.emplace_back(Scalar64(-1), &v.c);
  cases.emplace_back(Scalar32(-3), &v.a);
  for (const auto& [position, want] : cases) {
    absl::StatusOr<SeqResult> out =
        RunSequenceNode(MakeNode("SequenceAt", 2), 12, {&v.seq, &position});
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear(out->tensors[0], *want, 0, 0);
  }
}

TEST(SequenceAtTest, StringsAndErrors) {
  Tensor s = MakeTensor<std::string>({1}, {"hello"});
  TensorSequence seq = MakeSequence(DataType::kString, {&s});
  Tensor p0 = Scalar64(0), p1 = Scalar64(1), m2 = Scalar64(-2);
  absl::StatusOr<SeqResult> out = RunSequenceNode(MakeNode("SequenceAt", 2), 12, {&seq, &p0});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(out->tensors[0], s);
  ExpectFailure(MakeNode("SequenceAt", 2), {&seq, &p1},
                {"SequenceAt", "position 1", "length 1", "-1 to 0"});
  ExpectFailure(MakeNode("SequenceAt", 2), {&seq, &m2}, {"position -2", "length 1"});
  // A tensor where the sequence belongs is refused before the kernel runs.
  ExpectFailure(MakeNode("SequenceAt", 2), {&s, &p0}, {"must be a sequence"});
}

TEST(SequenceLengthTest, CountsTensors) {
  Abc v;
  TensorSequence empty(DataType::kFloat);
  for (const auto& [seq, want] :
       std::vector<std::pair<const TensorSequence*, int64_t>>{{&v.seq, 3}, {&empty, 0}}) {
    absl::StatusOr<SeqResult> out = RunSequenceNode(MakeNode("SequenceLength", 1), 12, {seq});
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear(out->tensors[0], Scalar64(want), 0, 0);
  }
}

}  // namespace
}  // namespace berth::engine::testing
