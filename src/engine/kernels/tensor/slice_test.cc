#include <limits>
#include <string>
#include <vector>

#include "engine/kernels/tensor/tensor_test_helpers.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

struct SliceCase {
  std::string name;
  std::vector<int64_t> starts, ends, axes, steps;  // empty axes/steps: input left out
  Shape expected_shape;
  std::vector<float> expected;
  bool ok;
};

class SliceTableTest : public ::testing::TestWithParam<SliceCase> {};

// Input [3, 4] holding 0..11.
TEST_P(SliceTableTest, Opset13) {
  const SliceCase& c = GetParam();
  Tensor data = Iota<float>({3, 4});
  Tensor starts = Int64s(c.starts), ends = Int64s(c.ends);
  Tensor axes = Int64s(c.axes), steps = Int64s(c.steps);
  std::vector<const Tensor*> inputs = {&data, &starts, &ends};
  if (!c.axes.empty() || !c.steps.empty()) inputs.push_back(c.axes.empty() ? nullptr : &axes);
  if (!c.steps.empty()) inputs.push_back(&steps);
  Node node = MakeNode("Slice", static_cast<int>(inputs.size()));
  if (inputs.size() > 3 && inputs[3] == nullptr) node.inputs[3] = "";
  absl::StatusOr<Tensor> out = RunFirst(node, 13, inputs);
  if (!c.ok) {
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
    return;
  }
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<float>(c.expected_shape, c.expected));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SliceTableTest,
    ::testing::Values(
        SliceCase{"Basic", {1, 0}, {2, 3}, {0, 1}, {}, {1, 3}, {4, 5, 6}, true},
        SliceCase{"DefaultAxes", {1}, {3}, {}, {}, {2, 4}, {4, 5, 6, 7, 8, 9, 10, 11}, true},
        SliceCase{"NegativeIndices", {-1}, {kMax}, {1}, {}, {3, 1}, {3, 7, 11}, true},
        SliceCase{"NegativeAxis", {0}, {2}, {-1}, {}, {3, 2}, {0, 1, 4, 5, 8, 9}, true},
        SliceCase{"Steps", {0, 0}, {3, 4}, {0, 1}, {2, 3}, {2, 2}, {0, 3, 8, 11}, true},
        SliceCase{"NegativeSteps", {-1, kMax}, {kMin, 0}, {0, 1}, {-1, -2}, {3, 2},
                  {11, 9, 7, 5, 3, 1}, true},
        SliceCase{"ClampOutOfBounds", {-100}, {100}, {0}, {}, {3, 4},
                  {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, true},
        SliceCase{"EmptyResult", {3}, {1}, {1}, {}, {3, 0}, {}, true},
        SliceCase{"StartPastEnd", {10}, {12}, {0}, {}, {0, 4}, {}, true},
        SliceCase{"ZeroStep", {0}, {1}, {0}, {0}, {}, {}, false},
        SliceCase{"AxisOutOfRange", {0}, {1}, {2}, {}, {}, {}, false},
        SliceCase{"RepeatedAxis", {0, 0}, {1, 1}, {0, 0}, {}, {}, {}, false},
        SliceCase{"LengthMismatch", {0, 0}, {1}, {}, {}, {}, {}, false}),
    [](const ::testing::TestParamInfo<SliceCase>& info) { return info.param.name; });

TEST(SliceTest, Opset1Attributes) {
  Tensor data = Iota<int64_t>({2, 4});
  Node node = MakeNode("Slice", 1, 1,
                       {{"starts", IntsAttr({0, 1})}, {"ends", IntsAttr({-1, 1000})}});
  absl::StatusOr<Tensor> out = RunFirst(node, 1, {&data});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<int64_t>({1, 3}, {1, 2, 3}));
  Node with_axes = MakeNode("Slice", 1, 1,
                            {{"starts", IntsAttr({1})}, {"ends", IntsAttr({2})},
                             {"axes", IntsAttr({1})}});
  out = RunFirst(with_axes, 9, {&data});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<int64_t>({2, 1}, {1, 5}));
  EXPECT_FALSE(RunFirst(MakeNode("Slice", 1), 1, {&data}).ok());  // no starts/ends
}

TEST(SliceTest, Int32IndicesAndStrings) {
  Tensor data = MakeTensor<std::string>({4}, {"a", "b", "c", "d"});
  Tensor starts = MakeTensor<int32_t>({1}, {3});
  Tensor ends = MakeTensor<int32_t>({1}, {0});
  Tensor axes = MakeTensor<int32_t>({1}, {0});
  Tensor steps = MakeTensor<int32_t>({1}, {-2});
  absl::StatusOr<Tensor> out =
      RunFirst(MakeNode("Slice", 5), 10, {&data, &starts, &ends, &axes, &steps});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<std::string>({2}, {"d", "b"}));
}

}  // namespace
}  // namespace berth::engine::testing
