#include <string>
#include <vector>

#include "engine/kernels/tensor/tensor_test_helpers.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

// Pads [2, 3] holding 0..5 at opset 19 with `pads` and `mode`.
absl::StatusOr<Tensor> PadIota(const std::vector<int64_t>& pads, const std::string& mode,
                               const Tensor* value = nullptr) {
  Tensor data = Iota<float>({2, 3});
  Tensor pads_t = Int64s(pads);
  Node node = MakeNode("Pad", value ? 3 : 2, 1, {{"mode", StringAttr(mode)}});
  std::vector<const Tensor*> inputs = {&data, &pads_t};
  if (value) inputs.push_back(value);
  return RunFirst(node, 19, inputs);
}

struct PadCase {
  std::string name;
  std::vector<int64_t> pads;
  std::string mode;
  Shape shape;
  std::vector<float> expected;
};

class PadTableTest : public ::testing::TestWithParam<PadCase> {};

TEST_P(PadTableTest, MatchesNumpy) {
  const PadCase& c = GetParam();
  absl::StatusOr<Tensor> out = PadIota(c.pads, c.mode);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>(c.shape, c.expected));
}

// Expected values from numpy.pad on arange(6).reshape(2, 3).
INSTANTIATE_TEST_SUITE_P(
    Cases, PadTableTest,
    ::testing::Values(
        PadCase{"Reflect", {1, 2, 1, 2}, "reflect", {4, 7},
                {5, 4, 3, 4, 5, 4, 3, 2, 1, 0, 1, 2, 1, 0, 5, 4, 3, 4, 5, 4, 3,
                 2, 1, 0, 1, 2, 1, 0}},
        PadCase{"Edge", {0, 1, 1, 0}, "edge", {3, 4}, {0, 0, 1, 2, 3, 3, 4, 5, 3, 3, 4, 5}},
        PadCase{"Wrap", {1, 0, 0, 4}, "wrap", {3, 7},
                {3, 4, 5, 3, 4, 5, 3, 0, 1, 2, 0, 1, 2, 0, 3, 4, 5, 3, 4, 5, 3}},
        PadCase{"ConstantDefaultZero", {0, 1, 0, 0}, "constant", {2, 4},
                {0, 0, 1, 2, 0, 3, 4, 5}},
        PadCase{"NegativeCrops", {0, -1, -1, 0}, "constant", {1, 2}, {1, 2}}),
    [](const ::testing::TestParamInfo<PadCase>& info) { return info.param.name; });

TEST(PadTest, ConstantValueInputAndCropping) {
  Tensor nine = MakeTensor<float>({}, {9});
  absl::StatusOr<Tensor> out = PadIota({0, -1, 1, 1}, "constant", &nine);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({3, 3}, {1, 2, 9, 4, 5, 9, 9, 9, 9}));
  Tensor wrong_type = MakeTensor<int32_t>({}, {9});
  EXPECT_FALSE(PadIota({0, 0, 0, 0}, "constant", &wrong_type).ok());
}

TEST(PadTest, AxesInputFromOpset18) {
  Tensor data = Iota<int32_t>({2, 2});
  Tensor pads = Int64s({1, 2});
  Tensor value = MakeTensor<int32_t>({}, {-1});
  Tensor axes = MakeTensor<int32_t>({1}, {-1});
  absl::StatusOr<Tensor> out =
      RunFirst(MakeNode("Pad", 4), 18, {&data, &pads, &value, &axes});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<int32_t>({2, 5}, {-1, 0, 1, -1, -1, -1, 2, 3, -1, -1}));
}

TEST(PadTest, AttributeFormsBeforeOpset11) {
  Tensor data = MakeTensor<float>({1, 2}, {1, 2});
  Node pad2 = MakeNode("Pad", 1, 1, {{"pads", IntsAttr({0, 1, 0, 0})}, {"value", FloatAttr(7)}});
  absl::StatusOr<Tensor> out = RunFirst(pad2, 2, {&data});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({1, 3}, {7, 1, 2}));
  Node pad1 = MakeNode("Pad", 1, 1,
                       {{"paddings", IntsAttr({0, 0, 0, 2})}, {"mode", StringAttr("edge")}});
  out = RunFirst(pad1, 1, {&data});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({1, 4}, {1, 2, 2, 2}));
}

TEST(PadTest, StringsAndLargeParallelPad) {
  Tensor s = MakeTensor<std::string>({2}, {"a", "b"});
  Tensor pads = Int64s({1, 1});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("Pad", 2), 18, {&s, &pads});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<std::string>({4}, {"", "a", "b", ""}));
  Tensor big = Iota<float>({300, 300});
  Tensor big_pads = Int64s({2, 3, 4, 5});
  Node node = MakeNode("Pad", 2, 1, {{"mode", StringAttr("reflect")}});
  out = RunFirstThreaded(node, 13, {&big, &big_pads}, 2);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ShapeToString(out->shape()), "[306,308]");
  // Output (0, 0) reflects input (2, 3); output (305, 307) reflects input (295, 294).
  EXPECT_EQ(out->data<float>()[0], 2 * 300 + 3);
  EXPECT_EQ(out->data<float>()[305 * 308 + 307], 295 * 300 + 294);
}

TEST(PadTest, Errors) {
  EXPECT_FALSE(PadIota({0, 0, 0}, "constant").ok());       // odd pads length
  EXPECT_FALSE(PadIota({0, -4, 0, 0}, "constant").ok());   // crops more than the axis
  EXPECT_FALSE(PadIota({0, 0, 0, 0}, "mirror").ok());      // unknown mode
  Tensor empty(DataType::kFloat, {0, 2});
  Tensor pads = Int64s({1, 0, 0, 0});
  Node edge = MakeNode("Pad", 2, 1, {{"mode", StringAttr("edge")}});
  EXPECT_FALSE(RunFirst(edge, 13, {&empty, &pads}).ok());  // nothing to replicate
  Node wrap = MakeNode("Pad", 2, 1, {{"mode", StringAttr("wrap")}});
  Tensor data = Iota<float>({2});
  Tensor one = Int64s({1, 1});
  EXPECT_FALSE(RunFirst(wrap, 18, {&data, &one}).ok());    // wrap arrived at opset 19
}

TEST(CenterCropPadTest, CropsAndPadsAroundTheCentre) {
  Tensor data = Iota<float>({3, 4});
  Tensor shape = Int64s({2, 7});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("CenterCropPad", 2), 18, {&data, &shape});
  ASSERT_TRUE(out.ok()) << out.status();
  // Rows: crop 1 of 3 -> start at 0 (rounded down). Columns: pad 3 -> 1 before, 2 after.
  ExpectTensorNear(*out, MakeTensor<float>({2, 7}, {0, 0, 1, 2, 3, 0, 0, 0, 4, 5, 6, 7, 0, 0}));
  Tensor target = MakeTensor<int32_t>({1}, {2});
  Node axes = MakeNode("CenterCropPad", 2, 1, {{"axes", IntsAttr({-1})}});
  out = RunFirst(axes, 18, {&data, &target});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>({3, 2}, {1, 2, 5, 6, 9, 10}));
  EXPECT_FALSE(RunFirst(axes, 18, {&data, &shape}).ok());  // 2 sizes for 1 axis
}

}  // namespace
}  // namespace berth::engine::testing
