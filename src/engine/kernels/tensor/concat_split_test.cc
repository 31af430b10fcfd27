#include <string>
#include <vector>

#include "engine/kernels/tensor/tensor_test_helpers.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

TEST(ConcatTest, AxesIncludingNegative) {
  Tensor a = MakeTensor<float>({2, 2}, {1, 2, 3, 4});
  Tensor b = MakeTensor<float>({2, 1}, {5, 6});
  for (int64_t axis : {1, -1}) {
    Node node = MakeNode("Concat", 2, 1, {{"axis", IntAttr(axis)}});
    absl::StatusOr<Tensor> out = RunFirst(node, 13, {&a, &b});
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear(*out, MakeTensor<float>({2, 3}, {1, 2, 5, 3, 4, 6}));
  }
  Tensor c = MakeTensor<float>({1, 2}, {7, 8});
  Node node = MakeNode("Concat", 2, 1, {{"axis", IntAttr(0)}});
  absl::StatusOr<Tensor> out = RunFirst(node, 4, {&a, &c});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({3, 2}, {1, 2, 3, 4, 7, 8}));
}

TEST(ConcatTest, StringsEmptyInputsAndOpset1Default) {
  Tensor a = MakeTensor<std::string>({1, 2}, {"a", "b"});
  Tensor empty(DataType::kString, {1, 0});
  Tensor b = MakeTensor<std::string>({1, 1}, {"c"});
  // Concat-1 defaults the axis to 1.
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("Concat", 3), 1, {&a, &empty, &b});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<std::string>({1, 3}, {"a", "b", "c"}));
}

TEST(ConcatTest, Errors) {
  Tensor a = Iota<float>({2, 2});
  Tensor b = Iota<float>({3, 3});
  Tensor i = Iota<int32_t>({2, 2});
  Tensor scalar = MakeTensor<float>({}, {1});
  Node node = MakeNode("Concat", 2, 1, {{"axis", IntAttr(0)}});
  EXPECT_FALSE(RunFirst(node, 13, {&a, &b}).ok());  // dim 1 differs
  EXPECT_FALSE(RunFirst(node, 13, {&a, &i}).ok());  // type differs
  EXPECT_FALSE(RunFirst(node, 13, {&scalar, &scalar}).ok());
  Node out_of_range = MakeNode("Concat", 2, 1, {{"axis", IntAttr(2)}});
  EXPECT_FALSE(RunFirst(out_of_range, 13, {&a, &a}).ok());
  EXPECT_FALSE(RunFirst(MakeNode("Concat", 2), 13, {&a, &a}).ok());  // axis required at 4+
}

// Runs Split and returns every output.
absl::StatusOr<std::vector<Tensor>> RunSplit(int opset, const Tensor& in, int outputs,
                                             std::map<std::string, Attribute> attrs,
                                             const Tensor* split = nullptr) {
  Node node = MakeNode("Split", split ? 2 : 1, outputs, std::move(attrs));
  std::vector<const Tensor*> inputs = {&in};
  if (split) inputs.push_back(split);
  return RunNode(node, opset, inputs);
}

TEST(SplitTest, FormsAcrossOpsets) {
  Tensor in = MakeTensor<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor split = Int64s({1, 2});
  // Opset 2: `split` attribute.
  absl::StatusOr<std::vector<Tensor>> out =
      RunSplit(2, in, 2, {{"axis", IntAttr(1)}, {"split", IntsAttr({1, 2})}});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<int32_t>({2, 1}, {1, 4}));
  ExpectTensorNear((*out)[1], MakeTensor<int32_t>({2, 2}, {2, 3, 5, 6}));
  // Opset 13: `split` input and a negative axis.
  out = RunSplit(13, in, 2, {{"axis", IntAttr(-1)}}, &split);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[1], MakeTensor<int32_t>({2, 2}, {2, 3, 5, 6}));
  // Opset 1: `split` as a second input.
  out = RunSplit(1, in, 2, {{"axis", IntAttr(1)}}, &split);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<int32_t>({2, 1}, {1, 4}));
  // Equal parts along the default axis 0.
  out = RunSplit(11, in, 2, {});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[1], MakeTensor<int32_t>({1, 3}, {4, 5, 6}));
  // An unwanted output is skipped.
  Node node = MakeNode("Split", 1, 2);
  node.outputs[0] = "";
  out = RunNode(node, 13, {&in});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[1], MakeTensor<int32_t>({1, 3}, {4, 5, 6}));
}

TEST(SplitTest, NumOutputsFromOpset18) {
  Tensor in = Iota<float>({7});
  absl::StatusOr<std::vector<Tensor>> out = RunSplit(18, in, 3, {{"num_outputs", IntAttr(3)}});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<float>({3}, {0, 1, 2}));
  ExpectTensorNear((*out)[1], MakeTensor<float>({3}, {3, 4, 5}));
  ExpectTensorNear((*out)[2], MakeTensor<float>({1}, {6}));
  EXPECT_FALSE(RunSplit(18, in, 3, {{"num_outputs", IntAttr(2)}}).ok());
}

TEST(SplitTest, ZeroSizedPartsAndStrings) {
  Tensor in = MakeTensor<std::string>({3}, {"x", "y", "z"});
  Tensor split = Int64s({0, 3, 0});
  absl::StatusOr<std::vector<Tensor>> out = RunSplit(13, in, 3, {}, &split);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ShapeToString((*out)[0].shape()), "[0]");
  ExpectTensorNear((*out)[1], in);
}

TEST(SplitTest, Errors) {
  Tensor in = Iota<float>({5});
  Tensor bad_sum = Int64s({2, 2});
  Tensor negative = Int64s({6, -1});
  EXPECT_FALSE(RunSplit(13, in, 2, {}).ok());  // 5 does not split evenly in two
  EXPECT_FALSE(RunSplit(13, in, 2, {}, &bad_sum).ok());
  EXPECT_FALSE(RunSplit(13, in, 2, {}, &negative).ok());
  EXPECT_FALSE(RunSplit(13, in, 1, {{"axis", IntAttr(1)}}).ok());
}

}  // namespace
}  // namespace berth::engine::testing
