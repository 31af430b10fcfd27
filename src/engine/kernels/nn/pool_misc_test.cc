// GlobalAveragePool / GlobalMaxPool / GlobalLpPool, MaxUnpool and MaxRoiPool.
#include <cmath>

#include "engine/kernels/nn/nn_test_reference.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

TEST(GlobalPoolTest, AverageMaxAndLp) {
  Tensor x = MakeTensor<float>({1, 2, 2, 2}, {1, 2, 3, 4, -1, -2, -3, -6});
  auto avg = RunNode(MakeNode("GlobalAveragePool", 1), 1, {&x});
  ASSERT_TRUE(avg.ok()) << avg.status();
  ExpectTensorNear((*avg)[0], MakeTensor<float>({1, 2, 1, 1}, {2.5f, -3.f}));
  auto max = RunNode(MakeNode("GlobalMaxPool", 1), 1, {&x});
  ASSERT_TRUE(max.ok()) << max.status();
  ExpectTensorNear((*max)[0], MakeTensor<float>({1, 2, 1, 1}, {4.f, -1.f}));
  auto lp = RunNode(MakeNode("GlobalLpPool", 1), 2, {&x});
  ASSERT_TRUE(lp.ok()) << lp.status();
  ExpectTensorNear((*lp)[0],
                   MakeTensor<float>({1, 2, 1, 1}, {std::sqrt(30.f), std::sqrt(50.f)}));
  auto lp1 = RunNode(MakeNode("GlobalLpPool", 1, 1, {{"p", FloatAttr(1.f)}}), 1, {&x});
  ASSERT_TRUE(lp1.ok()) << lp1.status();
  ExpectTensorNear((*lp1)[0], MakeTensor<float>({1, 2, 1, 1}, {10.f, 12.f}));
}

TEST(GlobalPoolTest, ChannelsLastAverageAndMax) {
  Tensor x = RandomTensor({2, 5, 4, 3}, 9);
  Tensor x_nhwc = ToNhwc(x);
  for (const char* op : {"GlobalAveragePool", "GlobalMaxPool"}) {
    auto plain = RunNode(MakeNode(op, 1), 1, {&x});
    ASSERT_TRUE(plain.ok()) << plain.status();
    Node node = MakeNode(op, 1, 1, {{"channels_last", IntAttr(1)}});
    node.domain = "berth";
    auto cl = RunNode(node, 1, {&x_nhwc});
    ASSERT_TRUE(cl.ok()) << cl.status();
    ExpectTensorNear((*cl)[0], ToNhwc((*plain)[0]), 1e-6, 1e-5);
  }
}

TEST(GlobalPoolTest, LargeInputAndDouble) {
  Tensor x = RandomTensor({2, 64, 33, 31}, 5);  // above the parallel threshold
  auto out = RunNode(MakeNode("GlobalAveragePool", 1), 1, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ((*out)[0].shape(), Shape({2, 64, 1, 1}));
  for (int64_t p = 0; p < 128; ++p) {
    double sum = 0;
    for (int64_t i = 0; i < 33 * 31; ++i) sum += x.data<float>()[p * 33 * 31 + i];
    EXPECT_NEAR((*out)[0].data<float>()[p], sum / (33 * 31), 1e-5);
  }
  Tensor xd = MakeTensor<double>({1, 1, 3}, {1, 5, 3});
  auto maxd = RunNode(MakeNode("GlobalMaxPool", 1), 1, {&xd});
  ASSERT_TRUE(maxd.ok()) << maxd.status();
  ExpectTensorNear((*maxd)[0], MakeTensor<double>({1, 1, 1}, {5}));
}

TEST(GlobalPoolTest, RejectsBadInputs) {
  Tensor scalar_like = MakeTensor<float>({3}, {1, 2, 3});
  EXPECT_FALSE(RunNode(MakeNode("GlobalAveragePool", 1), 1, {&scalar_like}).ok());
  Tensor empty_spatial(DataType::kFloat, {1, 2, 0});
  EXPECT_FALSE(RunNode(MakeNode("GlobalMaxPool", 1), 1, {&empty_spatial}).ok());
}

TEST(MaxUnpoolTest, RoundTripsMaxPoolIndices) {
  Tensor x = MakeTensor<float>({1, 1, 4, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                                              15, 16});
  std::map<std::string, Attribute> attrs = {{"kernel_shape", IntsAttr({2, 2})},
                                            {"strides", IntsAttr({2, 2})}};
  auto pooled = RunNode(MakeNode("MaxPool", 1, 2, attrs), 11, {&x});
  ASSERT_TRUE(pooled.ok()) << pooled.status();
  auto out = RunNode(MakeNode("MaxUnpool", 2, 1, attrs), 11, {&(*pooled)[0], &(*pooled)[1]});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<float>({1, 1, 4, 4}, {0, 0, 0, 0, 0, 6, 0, 8, 0, 0, 0,
                                                              0, 0, 14, 0, 16}));
}

TEST(MaxUnpoolTest, OutputShapeExtendsInferredShape) {
  Tensor x = MakeTensor<float>({1, 1, 2, 2}, {5, 6, 7, 8});
  Tensor idx = MakeTensor<int64_t>({1, 1, 2, 2}, {5, 7, 13, 15});
  Tensor shape = MakeTensor<int64_t>({4}, {1, 1, 5, 5});
  Node node = MakeNode("MaxUnpool", 3, 1, {{"kernel_shape", IntsAttr({2, 2})},
                                           {"strides", IntsAttr({2, 2})}});
  auto out = RunNode(node, 11, {&x, &idx, &shape});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0],
                   MakeTensor<float>({1, 1, 5, 5}, {0, 0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0,
                                                    0, 0, 0, 7, 0, 8, 0, 0, 0, 0, 0, 0}));
}

TEST(MaxUnpoolTest, RejectsBadIndicesAndShapes) {
  Tensor x = MakeTensor<float>({1, 1, 2, 2}, {5, 6, 7, 8});
  Tensor out_of_range = MakeTensor<int64_t>({1, 1, 2, 2}, {0, 1, 2, 16});
  Tensor small = MakeTensor<int64_t>({4}, {1, 1, 3, 3});
  Tensor idx = MakeTensor<int64_t>({1, 1, 2, 2}, {0, 1, 2, 3});
  Node node = MakeNode("MaxUnpool", 2, 1, {{"kernel_shape", IntsAttr({2, 2})},
                                           {"strides", IntsAttr({2, 2})}});
  EXPECT_EQ(RunNode(node, 11, {&x, &out_of_range}).status().code(),
            absl::StatusCode::kInvalidArgument);
  Node with_shape = MakeNode("MaxUnpool", 3, 1, {{"kernel_shape", IntsAttr({2, 2})},
                                                 {"strides", IntsAttr({2, 2})}});
  EXPECT_FALSE(RunNode(with_shape, 11, {&x, &idx, &small}).ok());
  EXPECT_FALSE(RunNode(MakeNode("MaxUnpool", 2), 9, {&x, &idx}).ok());  // no kernel_shape
}

TEST(MaxRoiPoolTest, PoolsRegions) {
  std::vector<float> v(36);
  for (int i = 0; i < 36; ++i) v[i] = static_cast<float>(i);
  Tensor x = MakeTensor<float>({1, 1, 6, 6}, v);
  // The whole image, and the region x 1..2, y 2..4 at scale 0.5 of a 2x-sized frame.
  Tensor rois = MakeTensor<float>({2, 5}, {0, 0, 0, 5, 5, 0, 2, 4, 4, 8});
  Node node = MakeNode("MaxRoiPool", 2, 1, {{"pooled_shape", IntsAttr({2, 2})},
                                            {"spatial_scale", FloatAttr(0.5f)}});
  auto out = RunNode(node, 1, {&x, &rois});
  ASSERT_TRUE(out.ok()) << out.status();
  // ROI 0 at scale 0.5: corners round(0)..round(2.5) = 0..3 (half away from zero): 4x4 region,
  // bins of 2: maxima at (1,1), (1,3), (3,1), (3,3). ROI 1: x 1..2, y 2..4 -> height 3, width 2.
  ExpectTensorNear((*out)[0], MakeTensor<float>({2, 1, 2, 2}, {7, 9, 19, 21, 19, 20, 25, 26}));
}

TEST(MaxRoiPoolTest, RejectsBadRois) {
  Tensor x = RandomTensor({1, 2, 4, 4}, 1);
  Tensor bad_batch = MakeTensor<float>({1, 5}, {3, 0, 0, 1, 1});
  Tensor bad_shape = MakeTensor<float>({1, 4}, {0, 0, 1, 1});
  Node node = MakeNode("MaxRoiPool", 2, 1, {{"pooled_shape", IntsAttr({2, 2})}});
  EXPECT_EQ(RunNode(node, 1, {&x, &bad_batch}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(RunNode(node, 1, {&x, &bad_shape}).ok());
  EXPECT_FALSE(RunNode(MakeNode("MaxRoiPool", 2), 1, {&x, &bad_shape}).ok());
}

}  // namespace
}  // namespace berth::engine::testing
