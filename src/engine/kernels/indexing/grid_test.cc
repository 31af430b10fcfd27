// Tests of GridSample and AffineGrid. Expected values come from ONNX's reference
// implementation.
#include <string>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::IntAttr;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;
using testing::StringAttr;

struct GridSampleCase {
  std::string mode;  // opset 20 spelling
  std::string padding;
  int align_corners;
  std::vector<float> expected;
};

std::string CaseName(const GridSampleCase& c) {
  return c.mode + "_" + c.padding + "_" + std::to_string(c.align_corners);
}

class GridSampleTest : public ::testing::TestWithParam<GridSampleCase> {};

// X [[1, 2, 3], [4, 5, 6]] sampled at six points, some outside [-1, 1].
TEST_P(GridSampleTest, MatchesReference) {
  const GridSampleCase& c = GetParam();
  Tensor x = MakeTensor<float>({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor grid = MakeTensor<float>({1, 2, 3, 2}, {-1, -1, 0, 0, 1.2f, 0.3f,
                                                 0.5f, -0.7f, -1.5f, 1.1f, 0.9f, 0.9f});
  auto out = RunNode(MakeNode("GridSample", 2, 1,
                              {{"mode", StringAttr(c.mode)},
                               {"padding_mode", StringAttr(c.padding)},
                               {"align_corners", IntAttr(c.align_corners)}}),
                     20, {&x, &grid});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({1, 1, 2, 3}, c.expected), 1e-5, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GridSampleTest,
    ::testing::Values(
        GridSampleCase{"linear", "zeros", 0, {0.25f, 3.5f, 1.08f, 2.2f, 0, 2.34f}},
        GridSampleCase{"linear", "zeros", 1, {1, 3.5f, 3.96f, 2.95f, 1.9f, 5.75f}},
        GridSampleCase{"linear", "border", 0, {1, 3.5f, 5.4f, 2.75f, 4, 6}},
        GridSampleCase{"linear", "reflection", 0, {1, 3.5f, 5.4f, 2.75f, 4.25f, 6}},
        GridSampleCase{"linear", "reflection", 1, {1, 3.5f, 4.75f, 2.95f, 4.35f, 5.75f}},
        GridSampleCase{"nearest", "zeros", 0, {1, 2, 0, 3, 0, 6}},
        GridSampleCase{"nearest", "zeros", 1, {1, 2, 6, 3, 4, 6}},
        GridSampleCase{"nearest", "reflection", 0, {1, 2, 6, 3, 4, 6}},
        GridSampleCase{"cubic", "zeros", 0,
                       {0.0625f, 4.15625f, 1.1039993f, 2.2566252f, -0.1864688f, 2.7334585f}},
        GridSampleCase{"cubic", "border", 1,
                       {1, 3.5f, 5.0011883f, 2.9768126f, 4, 5.8068132f}},
        GridSampleCase{"cubic", "reflection", 0,
                       {0.25f, 3.5f, 5.5920019f, 2.448596f, 4.7314062f, 6.7106261f}}),
    [](const auto& info) { return CaseName(info.param); });

TEST(GridSampleTest, Opset16NamesAndVolumetric) {
  Tensor x = MakeTensor<float>({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor grid = MakeTensor<float>({1, 1, 1, 2}, {0, 0});
  auto out = RunNode(MakeNode("GridSample", 2, 1, {{"mode", StringAttr("bilinear")}}), 16,
                     {&x, &grid});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({1, 1, 1, 1}, {3.5f}));
  // "linear" is the opset-20 spelling, and 5-D input needs opset 20.
  EXPECT_FALSE(RunNode(MakeNode("GridSample", 2, 1, {{"mode", StringAttr("linear")}}), 16,
                       {&x, &grid})
                   .ok());
  Tensor volume = MakeTensor<float>({1, 1, 2, 1, 2}, {1, 2, 3, 4});
  Tensor grid3 = MakeTensor<float>({1, 1, 1, 1, 3}, {0, 0, 0});
  EXPECT_FALSE(RunNode(MakeNode("GridSample", 2), 16, {&volume, &grid3}).ok());
  out = RunNode(MakeNode("GridSample", 2, 1, {{"align_corners", IntAttr(1)}}), 20,
                {&volume, &grid3});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({1, 1, 1, 1, 1}, {2.5f}));
}

TEST(GridSampleTest, Errors) {
  Tensor x = MakeTensor<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor wrong_last = MakeTensor<float>({1, 1, 1, 3}, {0, 0, 0});
  EXPECT_FALSE(RunNode(MakeNode("GridSample", 2), 20, {&x, &wrong_last}).ok());
  Tensor wrong_batch = MakeTensor<float>({2, 1, 1, 2}, {0, 0, 0, 0});
  EXPECT_FALSE(RunNode(MakeNode("GridSample", 2), 20, {&x, &wrong_batch}).ok());
  Tensor grid = MakeTensor<float>({1, 1, 1, 2}, {0, 0});
  EXPECT_FALSE(RunNode(MakeNode("GridSample", 2, 1, {{"padding_mode", StringAttr("wrap")}}), 20,
                       {&x, &grid})
                   .ok());
  Tensor int_x = MakeTensor<int32_t>({1, 1, 2, 2}, {1, 2, 3, 4});
  EXPECT_FALSE(RunNode(MakeNode("GridSample", 2), 20, {&int_x, &grid}).ok());
}

TEST(AffineGridTest, TwoDimensional) {
  Tensor theta = MakeTensor<float>({1, 2, 3}, {1, 0.2f, 0.1f, -0.3f, 0.9f, 0});
  Tensor size = MakeTensor<int64_t>({4}, {1, 1, 2, 3});
  auto out = RunNode(MakeNode("AffineGrid", 2), 20, {&theta, &size});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({1, 2, 3, 2},
                                                         {-0.6666667f, -0.25f, 0, -0.45f,
                                                          0.6666667f, -0.65f, -0.4666667f, 0.65f,
                                                          0.2f, 0.45f, 0.8666667f, 0.25f}));
  out = RunNode(MakeNode("AffineGrid", 2, 1, {{"align_corners", IntAttr(1)}}), 20,
                {&theta, &size});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0],
                            MakeTensor<float>({1, 2, 3, 2}, {-1.1f, -0.6f, -0.1f, -0.9f, 0.9f,
                                                             -1.2f, -0.7f, 1.2f, 0.3f, 0.9f, 1.3f,
                                                             0.6f}));
}

TEST(AffineGridTest, ThreeDimensional) {
  Tensor theta = MakeTensor<float>({1, 3, 4}, {1, 0, 0, 0.5f, 0, 2, 0, 0, 0.1f, 0, 1, 0});
  Tensor size = MakeTensor<int64_t>({5}, {1, 1, 2, 1, 2});
  auto out = RunNode(MakeNode("AffineGrid", 2), 20, {&theta, &size});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0],
                            MakeTensor<float>({1, 2, 1, 2, 3}, {0, 0, -0.55f, 1, 0, -0.45f, 0, 0,
                                                                0.45f, 1, 0, 0.55f}));
}

TEST(AffineGridTest, Errors) {
  Tensor theta = MakeTensor<float>({1, 2, 3}, {1, 0, 0, 0, 1, 0});
  Tensor wrong_batch = MakeTensor<int64_t>({4}, {2, 1, 2, 2});
  EXPECT_FALSE(RunNode(MakeNode("AffineGrid", 2), 20, {&theta, &wrong_batch}).ok());
  Tensor three_d = MakeTensor<int64_t>({5}, {1, 1, 2, 2, 2});
  EXPECT_FALSE(RunNode(MakeNode("AffineGrid", 2), 20, {&theta, &three_d}).ok());
  Tensor negative = MakeTensor<int64_t>({4}, {1, 1, -2, 2});
  EXPECT_FALSE(RunNode(MakeNode("AffineGrid", 2), 20, {&theta, &negative}).ok());
}

}  // namespace
}  // namespace berth::engine
