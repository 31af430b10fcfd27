#include "engine/kernels/nn/nn_test_reference.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

TEST(DeformConvTest, ZeroOffsetsEqualConv) {
  Tensor x = RandomTensor({2, 4, 7, 6}, 1);
  Tensor w = RandomTensor({6, 2, 3, 3}, 2);
  Tensor b = RandomTensor({6}, 3);
  // Output 4 x 3 with stride 2 and pads 1.
  Tensor offset(DataType::kFloat, {2, 2 * 9 * 2, 4, 3});
  Node node = MakeNode("DeformConv", 4, 1,
                       {{"group", IntAttr(2)},
                        {"offset_group", IntAttr(2)},
                        {"strides", IntsAttr({2, 2})},
                        {"pads", IntsAttr({1, 1, 1, 1})}});
  auto out = RunNode(node, 19, {&x, &w, &offset, &b});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], RefConv(x, w, &b, 2, {{2, 2}, {1, 1}, {1, 1}, {1, 1}}), 1e-4,
                   1e-4);
}

TEST(DeformConvTest, FractionalOffsetsSampleBilinearlyWithMask) {
  Tensor x = MakeTensor<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor w = MakeTensor<float>({1, 1, 1, 1}, {1});
  Tensor offset = MakeTensor<float>({1, 2, 2, 2}, {0.5f, 0.5f, 0.5f, 0.5f,    // dy
                                                   0.5f, 0.5f, 0.5f, 0.5f});  // dx
  Tensor mask = MakeTensor<float>({1, 1, 2, 2}, {2, 2, 2, 1});
  Node node = MakeNode("DeformConv", 5);
  node.inputs[3] = "";
  auto out = RunNode(node, 19, {&x, &w, &offset, nullptr, &mask});
  ASSERT_TRUE(out.ok()) << out.status();
  // (0.5, 0.5) -> 2.5; (0.5, 1.5) -> (2 + 4) / 4; (1.5, 0.5) -> (3 + 4) / 4; (1.5, 1.5) -> 1.
  ExpectTensorNear((*out)[0], MakeTensor<float>({1, 1, 2, 2}, {5.f, 3.f, 3.5f, 1.f}));
}

TEST(DeformConvTest, RejectsBadShapes) {
  Tensor x = RandomTensor({1, 2, 4, 4}, 1);
  Tensor w = RandomTensor({2, 2, 3, 3}, 2);
  Tensor offset(DataType::kFloat, {1, 18, 2, 2});  // 2 values per tap of the 3 x 3 kernel
  Tensor wrong_offset(DataType::kFloat, {1, 17, 2, 2});
  EXPECT_TRUE(RunNode(MakeNode("DeformConv", 3), 19, {&x, &w, &offset}).ok());
  EXPECT_EQ(RunNode(MakeNode("DeformConv", 3), 19, {&x, &w, &wrong_offset}).status().code(),
            absl::StatusCode::kInvalidArgument);
  Tensor x3d = RandomTensor({1, 2, 4, 4, 4}, 3);
  Tensor w3d = RandomTensor({2, 2, 3, 3, 3}, 4);
  EXPECT_FALSE(RunNode(MakeNode("DeformConv", 3), 19, {&x3d, &w3d, &offset}).ok());
  EXPECT_FALSE(RunNode(MakeNode("DeformConv", 3, 1, {{"offset_group", IntAttr(3)}}), 19,
                       {&x, &w, &offset})
                   .ok());
}

}  // namespace
}  // namespace berth::engine::testing
