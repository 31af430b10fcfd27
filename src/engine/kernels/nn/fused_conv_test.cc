#include <cmath>

#include "engine/kernels/nn/nn_test_reference.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

// The unfused graph: activation(Conv(x, w) + b + sum), written out independently of the kernel.
float Activate(const std::string& name, float v) {
  if (name == "Relu") return std::max(v, 0.f);
  if (name == "LeakyRelu") return v > 0 ? v : 0.2f * v;
  if (name == "Clip") return std::min(std::max(v, -0.5f), 0.75f);
  if (name == "Sigmoid") return 1.f / (1.f + std::exp(-v));
  if (name == "Tanh") return std::tanh(v);
  if (name == "HardSigmoid") return std::min(1.f, std::max(0.f, 0.3f * v + 0.4f));
  if (name == "HardSwish") return v * std::min(1.f, std::max(0.f, v / 6.f + 0.5f));
  if (name == "Elu") return v > 0 ? v : 0.7f * (std::exp(v) - 1.f);
  return v;
}

std::map<std::string, Attribute> ActivationAttrs(const std::string& name) {
  std::map<std::string, Attribute> attrs = {{"activation", StringAttr(name)}};
  if (name == "LeakyRelu") attrs["alpha"] = FloatAttr(0.2f);
  if (name == "Clip") {
    attrs["min"] = FloatAttr(-0.5f);
    attrs["max"] = FloatAttr(0.75f);
  }
  if (name == "HardSigmoid") {
    attrs["alpha"] = FloatAttr(0.3f);
    attrs["beta"] = FloatAttr(0.4f);
  }
  if (name == "Elu") attrs["alpha"] = FloatAttr(0.7f);
  return attrs;
}

struct FusedCase {
  std::string activation;
  bool sum;
  bool bias;
  int64_t kernel;  // 1 without activation runs the plain-layout GEMM path, else reordered
};

class FusedConvTest : public ::testing::TestWithParam<FusedCase> {};

TEST_P(FusedConvTest, MatchesConvThenNaiveOps) {
  const FusedCase& c = GetParam();
  const int64_t pad = c.kernel / 2;
  Tensor x = RandomTensor({1, 16, 9, 7}, 1);
  Tensor w = RandomTensor({32, 16, c.kernel, c.kernel}, 2);
  Tensor b = RandomTensor({32}, 3);
  Tensor sum = RandomTensor({1, 32, 9, 7}, 4, -2.f, 2.f);
  auto attrs = ActivationAttrs(c.activation);
  attrs["pads"] = IntsAttr({pad, pad, pad, pad});
  Node node = MakeNode("FusedConv", c.sum ? 4 : 3, 1, attrs);
  node.domain = "berth";
  if (!c.bias) node.inputs[2] = "";
  std::vector<const Tensor*> inputs = {&x, &w, c.bias ? &b : nullptr};
  if (c.sum) inputs.push_back(&sum);

  Tensor expected =
      RefConv(x, w, c.bias ? &b : nullptr, 1, {{1, 1}, {1, 1}, {pad, pad}, {pad, pad}});
  float* e = expected.data<float>();
  for (int64_t i = 0; i < expected.num_elements(); ++i) {
    e[i] = Activate(c.activation, e[i] + (c.sum ? sum.data<float>()[i] : 0.f));
  }
  for (bool constant : {false, true}) {
    auto out = RunNode(node, 1, inputs, constant);
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear((*out)[0], expected, 1e-4, 1e-4);
  }
  // The same in channels-last layout: X, Sum and Y as N, H, W, C.
  node.attributes["channels_last"] = IntAttr(1);
  Tensor x_nhwc = ToNhwc(x), sum_nhwc = ToNhwc(sum);
  inputs[0] = &x_nhwc;
  if (c.sum) inputs[3] = &sum_nhwc;
  for (bool constant : {false, true}) {
    auto out = RunNode(node, 1, inputs, constant);
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear((*out)[0], ToNhwc(expected), 1e-4, 1e-4);
  }
}

std::vector<FusedCase> AllCases() {
  std::vector<FusedCase> cases;
  for (const char* act : {"", "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "HardSigmoid",
                          "HardSwish", "Elu"}) {
    for (int64_t k : {1, 3}) {
      cases.push_back({act, true, true, k});
      cases.push_back({act, false, true, k});
    }
  }
  cases.push_back({"Relu", true, false, 3});
  cases.push_back({"Relu", true, false, 1});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Activations, FusedConvTest, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<FusedCase>& info) {
                           const FusedCase& c = info.param;
                           return (c.activation.empty() ? std::string("None") : c.activation) +
                                  (c.sum ? "_sum" : "") + (c.bias ? "" : "_nobias") + "_k" +
                                  std::to_string(c.kernel);
                         });

TEST(FusedConvErrorTest, RejectsBadAttributesAndShapes) {
  Tensor x = RandomTensor({1, 4, 5, 5}, 1);
  Tensor w = RandomTensor({8, 4, 3, 3}, 2);
  Tensor b = RandomTensor({8}, 3);
  Tensor bad_sum = RandomTensor({1, 8, 5, 5}, 4);  // the output is 3x3
  Node unknown = MakeNode("FusedConv", 3, 1, {{"activation", StringAttr("Swish")}});
  unknown.domain = "berth";
  EXPECT_EQ(RunNode(unknown, 1, {&x, &w, &b}).status().code(),
            absl::StatusCode::kInvalidArgument);
  Node clip = MakeNode("FusedConv", 3, 1,
                       {{"activation", StringAttr("Clip")}, {"min", FloatAttr(1.f)},
                        {"max", FloatAttr(0.f)}});
  clip.domain = "berth";
  EXPECT_FALSE(RunNode(clip, 1, {&x, &w, &b}).ok());
  Node with_sum = MakeNode("FusedConv", 4, 1, {{"activation", StringAttr("Relu")}});
  with_sum.domain = "berth";
  EXPECT_EQ(RunNode(with_sum, 1, {&x, &w, &b, &bad_sum}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::engine::testing
