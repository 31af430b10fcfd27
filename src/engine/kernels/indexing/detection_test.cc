// Tests of NonMaxSuppression and RoiAlign. RoiAlign's expected values come from ONNX's
// reference implementation.
#include <string>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::FloatAttr;
using testing::IntAttr;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;
using testing::StringAttr;

// ONNX's NMS example: boxes 0-2 overlap, 3-4 overlap, 5 stands alone.
Tensor CornerBoxes() {
  return MakeTensor<float>({1, 6, 4}, {0, 0, 1, 1,  0, 0.1f, 1, 1.1f,  0, -0.1f, 1, 0.9f,
                                       0, 10, 1, 11,  0, 10.1f, 1, 11.1f,  0, 100, 1, 101});
}

struct NmsCase {
  std::string name;
  int64_t max_boxes;
  float score_threshold;  // < 0: input left out
  bool center_point;
  std::vector<int64_t> expected;  // rows of (batch, class, box)
};

class NmsTest : public ::testing::TestWithParam<NmsCase> {};

TEST_P(NmsTest, SelectsExpectedBoxes) {
  const NmsCase& c = GetParam();
  Tensor boxes = c.center_point
                     ? MakeTensor<float>({1, 6, 4}, {0.5f, 0.5f, 1, 1,  0.5f, 0.6f, 1, 1,
                                                     0.5f, 0.4f, 1, 1,  0.5f, 10.5f, 1, 1,
                                                     0.5f, 10.6f, 1, 1,  0.5f, 100.5f, 1, 1})
                     : CornerBoxes();
  Tensor scores = MakeTensor<float>({1, 1, 6}, {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f});
  Tensor max_boxes = MakeTensor<int64_t>({1}, {c.max_boxes});
  Tensor iou = MakeTensor<float>({1}, {0.5f});
  Tensor score = MakeTensor<float>({1}, {c.score_threshold});
  Node node = MakeNode("NonMaxSuppression", c.score_threshold < 0 ? 4 : 5, 1,
                       {{"center_point_box", IntAttr(c.center_point ? 1 : 0)}});
  std::vector<const Tensor*> inputs = {&boxes, &scores, &max_boxes, &iou};
  if (c.score_threshold >= 0) inputs.push_back(&score);
  auto out = RunNode(node, 11, inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  int64_t rows = static_cast<int64_t>(c.expected.size()) / 3;
  testing::ExpectTensorNear((*out)[0], MakeTensor<int64_t>({rows, 3}, c.expected));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NmsTest,
    ::testing::Values(NmsCase{"SuppressByIou", 3, 0.0f, false, {0, 0, 3, 0, 0, 0, 0, 0, 5}},
                      NmsCase{"ScoreThreshold", 3, 0.4f, false, {0, 0, 3, 0, 0, 0}},
                      NmsCase{"NoScoreThreshold", 3, -1.0f, false, {0, 0, 3, 0, 0, 0, 0, 0, 5}},
                      NmsCase{"LimitOutput", 2, 0.0f, false, {0, 0, 3, 0, 0, 0}},
                      NmsCase{"ZeroLimit", 0, 0.0f, false, {}},
                      NmsCase{"CenterPoint", 3, 0.0f, true, {0, 0, 3, 0, 0, 0, 0, 0, 5}}),
    [](const auto& info) { return info.param.name; });

TEST(NmsTest, TwoBatchesTwoClassesAndTies) {
  Tensor boxes = MakeTensor<float>({2, 2, 4}, {0, 0, 1, 1,  5, 5, 6, 6,  0, 0, 1, 1,  0, 0, 1, 1});
  // Batch 1 has two identical boxes with equal scores: the lower index wins.
  Tensor scores = MakeTensor<float>({2, 2, 2}, {0.1f, 0.2f, 0.3f, 0.05f, 0.5f, 0.5f, 0.7f, 0.8f});
  Tensor max_boxes = MakeTensor<int64_t>({1}, {5});
  Tensor iou = MakeTensor<float>({1}, {0.5f});
  auto out = RunNode(MakeNode("NonMaxSuppression", 4), 10, {&boxes, &scores, &max_boxes, &iou});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<int64_t>({6, 3}, {0, 0, 1, 0, 0, 0,  0, 1, 0,
                                                                    0, 1, 1,  1, 0, 0, 1, 1, 1}));
}

TEST(NmsTest, Errors) {
  Tensor boxes = CornerBoxes();
  Tensor scores = MakeTensor<float>({1, 1, 5}, {1, 1, 1, 1, 1});
  EXPECT_FALSE(RunNode(MakeNode("NonMaxSuppression", 2), 11, {&boxes, &scores}).ok());
  Tensor good_scores = MakeTensor<float>({1, 1, 6}, {1, 1, 1, 1, 1, 1});
  Tensor max_boxes = MakeTensor<int64_t>({1}, {3});
  Tensor bad_iou = MakeTensor<float>({1}, {1.5f});
  EXPECT_FALSE(RunNode(MakeNode("NonMaxSuppression", 4), 11,
                       {&boxes, &good_scores, &max_boxes, &bad_iou})
                   .ok());
  EXPECT_FALSE(RunNode(MakeNode("NonMaxSuppression", 2, 1, {{"center_point_box", IntAttr(2)}}),
                       11, {&boxes, &good_scores})
                   .ok());
}

struct RoiAlignCase {
  std::string name;
  int opset;
  std::string mode;
  std::string coordinate_mode;  // empty: attribute left out
  std::vector<float> expected;
};

class RoiAlignTest : public ::testing::TestWithParam<RoiAlignCase> {};

TEST_P(RoiAlignTest, MatchesReference) {
  const RoiAlignCase& c = GetParam();
  std::vector<float> pixels(16);
  for (int i = 0; i < 16; ++i) pixels[i] = static_cast<float>(i);
  Tensor x = MakeTensor<float>({1, 1, 4, 4}, pixels);
  Tensor rois = MakeTensor<float>({2, 4}, {0.5f, 0.5f, 2.5f, 3.0f, 1, 0, 3.5f, 2});
  Tensor batch = MakeTensor<int64_t>({2}, {0, 0});
  std::map<std::string, Attribute> attrs = {{"mode", StringAttr(c.mode)},
                                            {"output_height", IntAttr(2)},
                                            {"output_width", IntAttr(2)},
                                            {"sampling_ratio", IntAttr(0)},
                                            {"spatial_scale", FloatAttr(1.0f)}};
  if (!c.coordinate_mode.empty()) {
    attrs["coordinate_transformation_mode"] = StringAttr(c.coordinate_mode);
  }
  auto out = RunNode(MakeNode("RoiAlign", 3, 1, attrs), c.opset, {&x, &rois, &batch});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({2, 1, 2, 2}, c.expected), 1e-5,
                            1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RoiAlignTest,
    ::testing::Values(
        RoiAlignCase{"AvgHalfPixel", 16, "avg", "", {3, 4, 8, 9, 1.125f, 2.375f, 5.125f, 6.375f}},
        RoiAlignCase{"AvgOutputHalfPixel", 16, "avg", "output_half_pixel",
                     {5.5f, 6.5f, 10.5f, 11.5f, 3.625f, 4.78125f, 7.625f, 8.78125f}},
        RoiAlignCase{"Opset10IsOutputHalfPixel", 10, "avg", "",
                     {5.5f, 6.5f, 10.5f, 11.5f, 3.625f, 4.78125f, 7.625f, 8.78125f}},
        RoiAlignCase{"MaxHalfPixel", 16, "max", "half_pixel",
                     {2.34375f, 2.8125f, 3.65625f, 4.0625f, 0.875f, 2.0625f, 4.0625f, 5.625f}},
        RoiAlignCase{"MaxOutputHalfPixel", 16, "max", "output_half_pixel",
                     {4.0625f, 4.875f, 8.9375f, 9.625f, 2.8125f, 3.5f, 4.6875f, 5.5f}}),
    [](const auto& info) { return info.param.name; });

TEST(RoiAlignTest, Errors) {
  Tensor x = MakeTensor<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor rois = MakeTensor<float>({1, 4}, {0, 0, 1, 1});
  Tensor bad_batch = MakeTensor<int64_t>({1}, {1});
  auto out = RunNode(MakeNode("RoiAlign", 3), 16, {&x, &rois, &bad_batch});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("batch index"), std::string::npos);
  Tensor batch = MakeTensor<int64_t>({1}, {0});
  Tensor short_rois = MakeTensor<float>({1, 3}, {0, 0, 1});
  EXPECT_FALSE(RunNode(MakeNode("RoiAlign", 3), 16, {&x, &short_rois, &batch}).ok());
  Tensor nan_rois = MakeTensor<float>({1, 4}, {0, 0, NAN, 1});
  EXPECT_FALSE(RunNode(MakeNode("RoiAlign", 3), 16, {&x, &nan_rois, &batch}).ok());
  EXPECT_FALSE(
      RunNode(MakeNode("RoiAlign", 3, 1, {{"mode", StringAttr("sum")}}), 16, {&x, &rois, &batch})
          .ok());
  EXPECT_FALSE(RunNode(MakeNode("RoiAlign", 3, 1, {{"output_height", IntAttr(0)}}), 16,
                       {&x, &rois, &batch})
                   .ok());
}

}  // namespace
}  // namespace berth::engine
