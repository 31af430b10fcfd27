#include "engine/core/tensor_sequence.h"

#include <string>

#include "gtest/gtest.h"

namespace berth::engine {
namespace {

Tensor Floats(Shape shape, float first) {
  Tensor t(DataType::kFloat, shape);
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = first + i;
  return t;
}

TEST(TensorSequenceTest, AppendCopyKeepsOrderAndOwnsCopies) {
  TensorSequence seq(DataType::kFloat);
  EXPECT_TRUE(seq.empty());
  Tensor a = Floats({2}, 1);
  Tensor b = Floats({1, 3}, 10);
  ASSERT_TRUE(seq.AppendCopy(a).ok());
  ASSERT_TRUE(seq.AppendCopy(b).ok());
  ASSERT_EQ(seq.size(), 2);
  a.data<float>()[0] = -1;  // the sequence holds its own copy
  EXPECT_EQ(seq.at(0).data<float>()[0], 1);
  EXPECT_EQ(seq.at(0).data<float>()[1], 2);
  EXPECT_EQ(ShapeToString(seq.at(1).shape()), "[1,3]");
  EXPECT_EQ(seq.at(1).data<float>()[2], 12);
}

TEST(TensorSequenceTest, RefusesAnotherElementType) {
  TensorSequence seq(DataType::kFloat);
  Tensor i(DataType::kInt64, {1});
  absl::Status st = seq.AppendCopy(i);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("int64"), std::string::npos) << st;
  EXPECT_NE(st.message().find("float"), std::string::npos) << st;
  EXPECT_EQ(seq.size(), 0);
}

TEST(TensorSequenceTest, UntypedSequenceTakesTheFirstType) {
  TensorSequence seq;
  EXPECT_EQ(seq.dtype(), DataType::kUndefined);
  absl::StatusOr<Tensor*> t = seq.Append(DataType::kInt32, {3});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(seq.dtype(), DataType::kInt32);
  EXPECT_FALSE(seq.Append(DataType::kFloat, {1}).ok());
}

TEST(TensorSequenceTest, ResetReusesElementStorage) {
  TensorSequence seq(DataType::kFloat);
  ASSERT_TRUE(seq.AppendCopy(Floats({16}, 0)).ok());
  const void* storage = seq.at(0).raw_data();
  seq.Reset(DataType::kFloat);
  EXPECT_EQ(seq.size(), 0);
  ASSERT_TRUE(seq.AppendCopy(Floats({8}, 5)).ok());
  EXPECT_EQ(seq.at(0).raw_data(), storage);
  EXPECT_EQ(seq.at(0).data<float>()[7], 12);
  EXPECT_EQ(seq.size(), 1);
}

TEST(TensorSequenceTest, StringsAndCopyTensor) {
  Tensor s(DataType::kString, {2});
  s.strings() = {"ab", "c"};
  TensorSequence seq(DataType::kString);
  ASSERT_TRUE(seq.AppendCopy(s).ok());
  EXPECT_EQ(seq.at(0).strings(), s.strings());
  Tensor dst(DataType::kFloat, {5});
  ASSERT_TRUE(CopyTensor(seq.at(0), dst).ok());
  EXPECT_EQ(dst.dtype(), DataType::kString);
  EXPECT_EQ(dst.strings(), s.strings());
  Tensor f = Floats({2, 2}, 3);
  ASSERT_TRUE(CopyTensor(f, dst).ok());
  EXPECT_EQ(ShapeToString(dst.shape()), "[2,2]");
  EXPECT_EQ(dst.data<float>()[3], 6);
}

}  // namespace
}  // namespace berth::engine
