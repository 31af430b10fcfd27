// Tests of Resize and Upsample. Expected values of the non-trivial cases come from ONNX's
// reference implementation (onnx.reference), which ONNX's conformance data uses too.
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::FloatAttr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;
using testing::StringAttr;

std::vector<float> Iota(int n) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<float>(i + 1);
  return v;
}

// Resize at opset >= 11 with X, an optional roi and either scales or sizes.
struct ResizeCase {
  std::string name;
  int opset;
  std::map<std::string, Attribute> attrs;
  Shape x_shape;
  std::vector<float> roi;
  std::vector<float> scales;
  std::vector<int64_t> sizes;
  Shape out_shape;
  std::vector<float> expected;
};

class ResizeTest : public ::testing::TestWithParam<ResizeCase> {};

TEST_P(ResizeTest, MatchesReference) {
  const ResizeCase& c = GetParam();
  Tensor x = MakeTensor<float>(c.x_shape, Iota(static_cast<int>(NumElementsOf(c.x_shape))));
  Tensor roi = MakeTensor<float>({static_cast<int64_t>(c.roi.size())}, c.roi);
  Tensor scales = MakeTensor<float>({static_cast<int64_t>(c.scales.size())}, c.scales);
  Tensor sizes = MakeTensor<int64_t>({static_cast<int64_t>(c.sizes.size())}, c.sizes);
  auto out = RunNode(MakeNode("Resize", 4, 1, c.attrs), c.opset, {&x, &roi, &scales, &sizes});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>(c.out_shape, c.expected), 1e-5, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ResizeTest,
    ::testing::Values(
        ResizeCase{"NearestUpsample", 13, {{"mode", StringAttr("nearest")}}, {1, 1, 2, 2},
                   {}, {1, 1, 2, 1.5f}, {}, {1, 1, 4, 3},
                   {1, 1, 2, 1, 1, 2, 3, 3, 4, 3, 3, 4}},
        ResizeCase{"LinearHalfPixel", 13, {{"mode", StringAttr("linear")}}, {1, 1, 2, 2}, {},
                   {1, 1, 2, 2}, {}, {1, 1, 4, 4},
                   {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3,
                    3.25f, 3.75f, 4}},
        // align_corners maps with the fractional output length in * scale = 2.4.
        ResizeCase{"LinearAlignCornersDownsample", 11,
                   {{"mode", StringAttr("linear")},
                    {"coordinate_transformation_mode", StringAttr("align_corners")}},
                   {1, 1, 2, 4}, {}, {1, 1, 0.6f, 0.6f}, {}, {1, 1, 1, 2}, {1, 3.142857f}},
        ResizeCase{"CubicExcludeOutside", 13,
                   {{"mode", StringAttr("cubic")},
                    {"cubic_coeff_a", FloatAttr(-0.5f)},
                    {"exclude_outside", IntAttr(1)}},
                   {1, 1, 4, 4}, {}, {1, 1, 0.8f, 0.8f}, {}, {1, 1, 3, 3},
                   {1.3681267f, 2.6695013f, 4.0133367f, 6.5736256f, 7.875f, 9.2188349f,
                    11.948966f, 13.250341f, 14.594176f}},
        ResizeCase{"TfCropAndResizeExtrapolates", 13,
                   {{"mode", StringAttr("linear")},
                    {"coordinate_transformation_mode", StringAttr("tf_crop_and_resize")},
                    {"extrapolation_value", FloatAttr(10)}},
                   {1, 1, 4, 4}, {0, 0, 0.4f, 0.6f, 1, 1, 1.2f, 1.7f}, {}, {1, 1, 3, 3},
                   {1, 1, 3, 3}, {7.6f, 10, 10, 12.4f, 10, 10, 10, 10, 10}},
        ResizeCase{"NearestCeilPytorchHalfPixel", 13,
                   {{"mode", StringAttr("nearest")},
                    {"coordinate_transformation_mode", StringAttr("pytorch_half_pixel")},
                    {"nearest_mode", StringAttr("ceil")}},
                   {4}, {}, {1.5f}, {}, {6}, {1, 2, 3, 3, 4, 4}},
        ResizeCase{"AntialiasLinear", 18,
                   {{"mode", StringAttr("linear")}, {"antialias", IntAttr(1)}}, {1, 1, 4, 4},
                   {}, {1, 1, 0.6f, 0.6f}, {}, {1, 1, 2, 2}, {2.875f, 4.5f, 9.375f, 11}},
        ResizeCase{"AntialiasCubic", 18,
                   {{"mode", StringAttr("cubic")}, {"antialias", IntAttr(1)}}, {1, 1, 4, 4},
                   {}, {1, 1, 0.6f, 0.6f}, {}, {1, 1, 2, 2},
                   {2.5180695f, 4.2858858f, 9.5893354f, 11.357152f}},
        ResizeCase{"AxesKeepAspectNotSmaller", 18,
                   {{"mode", StringAttr("linear")},
                    {"axes", IntsAttr({3, 2})},
                    {"keep_aspect_ratio_policy", StringAttr("not_smaller")}},
                   {1, 1, 2, 4}, {}, {}, {2, 1}, {1, 1, 1, 2}, {3.5f, 5.5f}},
        ResizeCase{"HalfPixelSymmetric", 19,
                   {{"mode", StringAttr("linear")},
                    {"coordinate_transformation_mode", StringAttr("half_pixel_symmetric")}},
                   {1, 1, 2, 4}, {}, {1, 1, 1, 0.5f}, {}, {1, 1, 2, 2},
                   {1.5f, 3.5f, 5.5f, 7.5f}}),
    [](const auto& info) { return info.param.name; });

// Opset 10 maps asymmetrically, and nearest rounds up on a shrinking axis.
TEST(ResizeTest, Opset10TakesScalesAsSecondInput) {
  Tensor x = MakeTensor<float>({1, 1, 2, 4}, Iota(8));
  Tensor scales = MakeTensor<float>({4}, {1, 1, 0.6f, 0.6f});
  auto out = RunNode(MakeNode("Resize", 2), 10, {&x, &scales});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({1, 1, 1, 2}, {1, 3}));
}

TEST(ResizeTest, KeepAspectNotLargerShape) {
  Tensor x = MakeTensor<float>({1, 1, 4, 4}, Iota(16));
  Tensor sizes = MakeTensor<int64_t>({2}, {7, 8});
  Node node = MakeNode("Resize", 4, 1,
                       {{"axes", IntsAttr({2, 3})},
                        {"keep_aspect_ratio_policy", StringAttr("not_larger")}});
  node.inputs[1] = node.inputs[2] = "";
  auto out = RunNode(node, 18, {&x, nullptr, nullptr, &sizes});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ShapeToString((*out)[0].shape()), "[1,1,7,7]");
}

TEST(ResizeTest, Uint8LinearRoundsHalfToEven) {
  Tensor x = MakeTensor<uint8_t>({2, 2}, {0, 255, 100, 7});
  Tensor roi = MakeTensor<float>({0}, {});
  Tensor scales = MakeTensor<float>({2}, {1.5f, 1.5f});
  auto out = RunNode(MakeNode("Resize", 3, 1, {{"mode", StringAttr("linear")}}), 13,
                     {&x, &roi, &scales});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0],
                            MakeTensor<uint8_t>({3, 3}, {0, 128, 255, 50, 90, 131, 100, 54, 7}),
                            0, 0);
}

TEST(ResizeTest, NearestOnStringsAndInt64) {
  Tensor s = MakeTensor<std::string>({2}, {"a", "b"});
  Tensor roi = MakeTensor<float>({0}, {});
  Tensor scales = MakeTensor<float>({1}, {2});
  auto out = RunNode(MakeNode("Resize", 3), 13, {&s, &roi, &scales});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<std::string>({4}, {"a", "a", "b", "b"}));

  Tensor big = MakeTensor<int64_t>({2}, {(int64_t{1} << 62) + 1, -3});
  out = RunNode(MakeNode("Resize", 3), 13, {&big, &roi, &scales});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear(
      (*out)[0],
      MakeTensor<int64_t>({4}, {(int64_t{1} << 62) + 1, (int64_t{1} << 62) + 1, -3, -3}), 0, 0);
}

TEST(ResizeTest, Errors) {
  Tensor x = MakeTensor<float>({1, 1, 2, 2}, Iota(4));
  Tensor roi = MakeTensor<float>({0}, {});
  Tensor scales = MakeTensor<float>({4}, {1, 1, 2, 2});
  Tensor sizes = MakeTensor<int64_t>({4}, {1, 1, 4, 4});
  Tensor empty_scales = MakeTensor<float>({0}, {});
  Tensor empty_sizes = MakeTensor<int64_t>({0}, {});
  // Both or neither of scales and sizes.
  EXPECT_FALSE(RunNode(MakeNode("Resize", 4), 13, {&x, &roi, &scales, &sizes}).ok());
  EXPECT_FALSE(RunNode(MakeNode("Resize", 4), 13, {&x, &roi, &empty_scales, &empty_sizes}).ok());
  // Wrong count, non-positive scale, negative size.
  Tensor three = MakeTensor<float>({3}, {1, 2, 2});
  EXPECT_FALSE(RunNode(MakeNode("Resize", 3), 13, {&x, &roi, &three}).ok());
  Tensor zero = MakeTensor<float>({4}, {1, 1, 0, 2});
  EXPECT_FALSE(RunNode(MakeNode("Resize", 3), 13, {&x, &roi, &zero}).ok());
  Tensor negative = MakeTensor<int64_t>({4}, {1, 1, -1, 2});
  EXPECT_FALSE(RunNode(MakeNode("Resize", 4), 13, {&x, &roi, &empty_scales, &negative}).ok());
  // Attributes: unknown values, and ones that do not exist at the opset.
  for (auto [name, value, opset] :
       std::vector<std::tuple<std::string, std::string, int>>{
           {"mode", "area", 13},
           {"mode", "cubic", 10},
           {"coordinate_transformation_mode", "tf_half_pixel_for_nn", 13},
           {"coordinate_transformation_mode", "half_pixel_symmetric", 18},
           {"nearest_mode", "nearest", 13},
           {"keep_aspect_ratio_policy", "fit", 18}}) {
    EXPECT_FALSE(RunNode(MakeNode("Resize", 3, 1, {{name, StringAttr(value)}}), opset,
                         {&x, &roi, &scales})
                     .ok())
        << name << "=" << value;
  }
  Tensor two_scales = MakeTensor<float>({2}, {2, 2});
  EXPECT_FALSE(RunNode(MakeNode("Resize", 3, 1, {{"axes", IntsAttr({2, 2})}}), 18,
                       {&x, &roi, &two_scales})
                   .ok());
  Tensor strings = MakeTensor<std::string>({2}, {"a", "b"});
  Tensor two = MakeTensor<float>({1}, {2});
  EXPECT_FALSE(RunNode(MakeNode("Resize", 3, 1, {{"mode", StringAttr("linear")}}), 13,
                       {&strings, &roi, &two})
                   .ok());
}

TEST(UpsampleTest, Opset7NearestFromAttribute) {
  Tensor x = MakeTensor<float>({1, 1, 2, 2}, Iota(4));
  Attribute scales;
  scales.type = Attribute::Type::kFloats;
  scales.floats = {1, 1, 2, 3};
  auto out = RunNode(MakeNode("Upsample", 1, 1, {{"scales", scales}}), 7, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear(
      (*out)[0], MakeTensor<float>({1, 1, 4, 6}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
                                                  3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}));
}

TEST(UpsampleTest, Opset9LinearFromInput) {
  Tensor x = MakeTensor<float>({1, 1, 2, 2}, Iota(4));
  Tensor scales = MakeTensor<float>({4}, {1, 1, 2, 2});
  auto out = RunNode(MakeNode("Upsample", 2, 1, {{"mode", StringAttr("linear")}}), 9,
                     {&x, &scales});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0],
                            MakeTensor<float>({1, 1, 4, 4}, {1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f,
                                                             4, 4, 3, 3.5f, 4, 4}));
}

TEST(UpsampleTest, Errors) {
  Tensor x = MakeTensor<float>({1, 1, 2, 2}, Iota(4));
  Tensor shrink = MakeTensor<float>({4}, {1, 1, 0.5f, 2});
  EXPECT_FALSE(RunNode(MakeNode("Upsample", 2), 9, {&x, &shrink}).ok());
  Tensor short_scales = MakeTensor<float>({2}, {2, 2});
  EXPECT_FALSE(RunNode(MakeNode("Upsample", 2), 9, {&x, &short_scales}).ok());
  EXPECT_FALSE(RunNode(MakeNode("Upsample", 1), 7, {&x}).ok());  // no scales attribute
  Tensor scales = MakeTensor<float>({4}, {1, 1, 2, 2});
  EXPECT_FALSE(
      RunNode(MakeNode("Upsample", 2, 1, {{"mode", StringAttr("cubic")}}), 9, {&x, &scales}).ok());
  EXPECT_FALSE(RunNode(MakeNode("Upsample", 2), 10, {&x, &scales}).ok());  // deprecated
}

}  // namespace
}  // namespace berth::engine
