// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
#include <cmath>
#include <string>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectTensorNear;
using testing::IntAttr;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;
using testing::StringAttr;

Tensor LogProbs() { return MakeTensor<float>({2, 3}, {-1, -2, -3, -0.5f, -1.5f, -2.5f}); }

struct NllCase {
  std::string reduction;
  bool weighted;
  bool ignore_last_class;
  Tensor expected;
};

TEST(NllLossTest, ReductionsWeightsAndIgnoreIndex) {
  Tensor x = LogProbs();
  Tensor target = MakeTensor<int64_t>({2}, {0, 2});
  Tensor weight = MakeTensor<float>({3}, {2, 1, 0.5f});
  std::vector<NllCase> cases;
  cases.push_back({"none", false, false, MakeTensor<float>({2}, {1, 2.5f})});
  cases.push_back({"sum", false, false, MakeTensor<float>({}, {3.5f})});
  cases.push_back({"mean", false, false, MakeTensor<float>({}, {1.75f})});
  cases.push_back({"none", true, false, MakeTensor<float>({2}, {2, 1.25f})});
  cases.push_back({"sum", true, false, MakeTensor<float>({}, {3.25f})});
  cases.push_back({"mean", true, false, MakeTensor<float>({}, {1.3f})});
  cases.push_back({"none", false, true, MakeTensor<float>({2}, {1, 0})});
  cases.push_back({"mean", false, true, MakeTensor<float>({}, {1})});
  cases.push_back({"mean", true, true, MakeTensor<float>({}, {1})});
  for (const NllCase& c : cases) {
    std::map<std::string, Attribute> attrs = {{"reduction", StringAttr(c.reduction)}};
    if (c.ignore_last_class) attrs["ignore_index"] = IntAttr(2);
    std::vector<const Tensor*> inputs = {&x, &target};
    if (c.weighted) inputs.push_back(&weight);
    auto r =
        RunNode(MakeNode("NegativeLogLikelihoodLoss", static_cast<int>(inputs.size()), 1, attrs),
                13, inputs);
    ASSERT_TRUE(r.ok()) << r.status();
    SCOPED_TRACE(c.reduction + (c.weighted ? " weighted" : "") +
                 (c.ignore_last_class ? " ignore" : ""));
    ExpectTensorNear((*r)[0], c.expected);
  }
}

TEST(NllLossTest, SpatialDimsAndInt32Targets) {
  // N=1, C=2, D=2: input[0][c][d].
  Tensor x = MakeTensor<float>({1, 2, 2}, {-1, -2, -3, -4});
  Tensor target = MakeTensor<int32_t>({1, 2}, {1, 0});
  auto r = RunNode(MakeNode("NegativeLogLikelihoodLoss", 2, 1, {{"reduction", StringAttr("none")}}),
                   12, {&x, &target});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<float>({1, 2}, {3, 2}));
}

TEST(NllLossTest, RejectsBadInputs) {
  Tensor x = LogProbs();
  Tensor out_of_range = MakeTensor<int64_t>({2}, {0, 3});
  auto r = RunNode(MakeNode("NegativeLogLikelihoodLoss", 2), 13, {&x, &out_of_range});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  Tensor wrong_shape = MakeTensor<int64_t>({3}, {0, 1, 2});
  EXPECT_FALSE(RunNode(MakeNode("NegativeLogLikelihoodLoss", 2), 13, {&x, &wrong_shape}).ok());
  Tensor target = MakeTensor<int64_t>({2}, {0, 1});
  EXPECT_FALSE(
      RunNode(MakeNode("NegativeLogLikelihoodLoss", 2, 1, {{"reduction", StringAttr("max")}}), 13,
              {&x, &target})
          .ok());
  Tensor short_weight = MakeTensor<float>({2}, {1, 1});
  EXPECT_FALSE(
      RunNode(MakeNode("NegativeLogLikelihoodLoss", 3), 13, {&x, &target, &short_weight}).ok());
}

TEST(SoftmaxCrossEntropyLossTest, LossAndLogProb) {
  Tensor scores = MakeTensor<float>({2, 3}, {0, 0, 0, 1, 2, 3});
  Tensor target = MakeTensor<int64_t>({2}, {1, 2});
  auto r = RunNode(MakeNode("SoftmaxCrossEntropyLoss", 2, 2, {{"reduction", StringAttr("none")}}),
                   13, {&scores, &target});
  ASSERT_TRUE(r.ok()) << r.status();
  const float l3 = std::log(3.0f);
  const float lse = std::log(std::exp(1.0f) + std::exp(2.0f) + std::exp(3.0f));
  ExpectTensorNear((*r)[0], MakeTensor<float>({2}, {l3, lse - 3}));
  ExpectTensorNear((*r)[1], MakeTensor<float>({2, 3}, {-l3, -l3, -l3, 1 - lse, 2 - lse, 3 - lse}));
  auto mean = RunNode(MakeNode("SoftmaxCrossEntropyLoss", 2), 12, {&scores, &target});
  ASSERT_TRUE(mean.ok()) << mean.status();
  ExpectTensorNear((*mean)[0], MakeTensor<float>({}, {(l3 + lse - 3) / 2}));
}

TEST(SoftmaxCrossEntropyLossTest, IgnoredTargetsAndDouble) {
  Tensor scores = MakeTensor<double>({2, 2}, {0, 0, 5, 5});
  Tensor target = MakeTensor<int64_t>({2}, {-1, 0});
  auto r = RunNode(MakeNode("SoftmaxCrossEntropyLoss", 2, 1,
                            {{"ignore_index", IntAttr(-1)}, {"reduction", StringAttr("sum")}}),
                   13, {&scores, &target});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<double>({}, {std::log(2.0)}), 1e-12);
  Tensor bad = MakeTensor<int64_t>({2}, {-1, 2});
  EXPECT_FALSE(RunNode(MakeNode("SoftmaxCrossEntropyLoss", 2, 1, {{"ignore_index", IntAttr(-1)}}),
                       13, {&scores, &bad})
                   .ok());
}

}  // namespace
}  // namespace berth::engine
