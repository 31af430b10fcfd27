// Tests of Scatter, ScatterElements and ScatterND.
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

struct ScatterElementsCase {
  std::string name;
  int opset;
  int64_t axis;
  std::string reduction;
  std::vector<float> expected;
};

// data [[1,2,3,4,5]], indices [[1,3,1]] on axis 1 (index 1 twice), updates [[10,20,30]].
class ScatterElementsReductionTest : public ::testing::TestWithParam<ScatterElementsCase> {};

TEST_P(ScatterElementsReductionTest, MatchesExpected) {
  const ScatterElementsCase& c = GetParam();
  Tensor data = MakeTensor<float>({1, 5}, {1, 2, 3, 4, 5});
  Tensor indices = MakeTensor<int64_t>({1, 3}, {1, 3, -4});
  Tensor updates = MakeTensor<float>({1, 3}, {10, 20, 30});
  std::map<std::string, Attribute> attrs = {{"axis", IntAttr(c.axis)}};
  if (!c.reduction.empty()) attrs["reduction"] = StringAttr(c.reduction);
  auto out = RunNode(MakeNode("ScatterElements", 3, 1, attrs), c.opset,
                     {&data, &indices, &updates});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<float>({1, 5}, c.expected));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ScatterElementsReductionTest,
    ::testing::Values(ScatterElementsCase{"NoneLastWins", 11, 1, "", {1, 30, 3, 20, 5}},
                      ScatterElementsCase{"NegativeAxis", 13, -1, "none", {1, 30, 3, 20, 5}},
                      ScatterElementsCase{"Add", 16, 1, "add", {1, 42, 3, 24, 5}},
                      ScatterElementsCase{"Mul", 16, 1, "mul", {1, 600, 3, 80, 5}},
                      ScatterElementsCase{"Max", 18, 1, "max", {1, 30, 3, 20, 5}},
                      ScatterElementsCase{"Min", 18, 1, "min", {1, 2, 3, 4, 5}}),
    [](const auto& info) { return info.param.name; });

TEST(ScatterElementsTest, Axis0WithInt32Indices) {
  Tensor data = MakeTensor<float>({3, 3}, {0, 0, 0, 0, 0, 0, 0, 0, 0});
  Tensor indices = MakeTensor<int32_t>({2, 3}, {1, 0, 2, 0, 2, 1});
  Tensor updates = MakeTensor<float>({2, 3}, {1.0f, 1.1f, 1.2f, 2.0f, 2.1f, 2.2f});
  auto out = RunNode(MakeNode("ScatterElements", 3), 13, {&data, &indices, &updates});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear(
      (*out)[0], MakeTensor<float>({3, 3}, {2.0f, 1.1f, 0, 1.0f, 0, 2.2f, 0, 2.1f, 1.2f}));
}

TEST(ScatterElementsTest, DeprecatedScatterAtOpset9) {
  Tensor data = MakeTensor<std::string>({1, 3}, {"a", "b", "c"});
  Tensor indices = MakeTensor<int64_t>({1, 1}, {2});
  Tensor updates = MakeTensor<std::string>({1, 1}, {"z"});
  auto out = RunNode(MakeNode("Scatter", 3, 1, {{"axis", IntAttr(1)}}), 9,
                     {&data, &indices, &updates});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0], MakeTensor<std::string>({1, 3}, {"a", "b", "z"}));
  EXPECT_FALSE(RunNode(MakeNode("Scatter", 3), 11, {&data, &indices, &updates}).ok());
}

TEST(ScatterElementsTest, Errors) {
  Tensor data = MakeTensor<float>({1, 3}, {1, 2, 3});
  Tensor updates = MakeTensor<float>({1, 1}, {9});
  Tensor out_of_range = MakeTensor<int64_t>({1, 1}, {3});
  auto out = RunNode(MakeNode("ScatterElements", 3, 1, {{"axis", IntAttr(1)}}), 13,
                     {&data, &out_of_range, &updates});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("out of range"), std::string::npos);

  Tensor indices = MakeTensor<int64_t>({1, 1}, {0});
  // Reductions are opset-gated, and unknown names are rejected.
  EXPECT_FALSE(RunNode(MakeNode("ScatterElements", 3, 1, {{"reduction", StringAttr("add")}}),
                       13, {&data, &indices, &updates})
                   .ok());
  EXPECT_FALSE(RunNode(MakeNode("ScatterElements", 3, 1, {{"reduction", StringAttr("max")}}),
                       16, {&data, &indices, &updates})
                   .ok());
  EXPECT_FALSE(RunNode(MakeNode("ScatterElements", 3, 1, {{"reduction", StringAttr("avg")}}),
                       18, {&data, &indices, &updates})
                   .ok());
  Tensor mismatched = MakeTensor<float>({1, 2}, {9, 9});
  EXPECT_FALSE(RunNode(MakeNode("ScatterElements", 3), 13, {&data, &indices, &mismatched}).ok());
  Tensor int_updates = MakeTensor<int32_t>({1, 1}, {9});
  EXPECT_FALSE(RunNode(MakeNode("ScatterElements", 3), 13, {&data, &indices, &int_updates}).ok());
}

TEST(ScatterNDTest, SlicesWithReductions) {
  Tensor data = MakeTensor<float>({4, 2}, {1, 1, 2, 2, 3, 3, 4, 4});
  Tensor indices = MakeTensor<int64_t>({3, 1}, {0, 2, 0});
  Tensor updates = MakeTensor<float>({3, 2}, {5, 6, 7, 8, 9, 10});
  auto none = RunNode(MakeNode("ScatterND", 3), 11, {&data, &indices, &updates});
  ASSERT_TRUE(none.ok()) << none.status();
  testing::ExpectTensorNear((*none)[0], MakeTensor<float>({4, 2}, {9, 10, 2, 2, 7, 8, 4, 4}));

  auto add = RunNode(MakeNode("ScatterND", 3, 1, {{"reduction", StringAttr("add")}}), 16,
                     {&data, &indices, &updates});
  ASSERT_TRUE(add.ok()) << add.status();
  testing::ExpectTensorNear((*add)[0], MakeTensor<float>({4, 2}, {15, 17, 2, 2, 10, 11, 4, 4}));

  auto mul = RunNode(MakeNode("ScatterND", 3, 1, {{"reduction", StringAttr("mul")}}), 16,
                     {&data, &indices, &updates});
  ASSERT_TRUE(mul.ok()) << mul.status();
  testing::ExpectTensorNear((*mul)[0], MakeTensor<float>({4, 2}, {45, 60, 2, 2, 21, 24, 4, 4}));

  auto min = RunNode(MakeNode("ScatterND", 3, 1, {{"reduction", StringAttr("min")}}), 18,
                     {&data, &indices, &updates});
  ASSERT_TRUE(min.ok()) << min.status();
  testing::ExpectTensorNear((*min)[0], MakeTensor<float>({4, 2}, {1, 1, 2, 2, 3, 3, 4, 4}));
}

TEST(ScatterNDTest, ElementsWithNegativeIndicesOnInt64) {
  Tensor data = MakeTensor<int64_t>({2, 2}, {0, 0, 0, 0});
  Tensor indices = MakeTensor<int64_t>({2, 2}, {-1, 0, 0, -1});
  Tensor updates = MakeTensor<int64_t>({2}, {5, int64_t{1} << 40});
  auto out = RunNode(MakeNode("ScatterND", 3, 1, {{"reduction", StringAttr("max")}}), 18,
                     {&data, &indices, &updates});
  ASSERT_TRUE(out.ok()) << out.status();
  testing::ExpectTensorNear((*out)[0],
                            MakeTensor<int64_t>({2, 2}, {0, int64_t{1} << 40, 5, 0}), 0, 0);
}

TEST(ScatterNDTest, Errors) {
  Tensor data = MakeTensor<float>({2, 2}, {0, 0, 0, 0});
  Tensor updates = MakeTensor<float>({1}, {1});
  Tensor out_of_range = MakeTensor<int64_t>({1, 2}, {0, 2});
  EXPECT_FALSE(RunNode(MakeNode("ScatterND", 3), 13, {&data, &out_of_range, &updates}).ok());
  Tensor indices = MakeTensor<int64_t>({1, 2}, {0, 1});
  Tensor wrong_updates = MakeTensor<float>({2}, {1, 2});
  EXPECT_FALSE(RunNode(MakeNode("ScatterND", 3), 13, {&data, &indices, &wrong_updates}).ok());
  Tensor too_deep = MakeTensor<int64_t>({1, 3}, {0, 0, 0});
  EXPECT_FALSE(RunNode(MakeNode("ScatterND", 3), 13, {&data, &too_deep, &updates}).ok());
  Tensor strings = MakeTensor<std::string>({1}, {"x"});
  Tensor string_updates = MakeTensor<std::string>({}, {"y"});
  Tensor zero = MakeTensor<int64_t>({1}, {0});
  EXPECT_FALSE(RunNode(MakeNode("ScatterND", 3, 1, {{"reduction", StringAttr("add")}}), 16,
                       {&strings, &zero, &string_updates})
                   .ok());
  auto plain = RunNode(MakeNode("ScatterND", 3), 16, {&strings, &zero, &string_updates});
  ASSERT_TRUE(plain.ok()) << plain.status();
  testing::ExpectTensorNear((*plain)[0], MakeTensor<std::string>({1}, {"y"}));
}

}  // namespace
}  // namespace berth::engine
