#include <atomic>
#include <thread>

#include "engine/kernels/nn/nn_test_reference.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

TEST(ConvTest, OnnxExampleWithPadding) {
  std::vector<float> xv(25);
  for (int i = 0; i < 25; ++i) xv[i] = static_cast<float>(i);
  Tensor x = MakeTensor<float>({1, 1, 5, 5}, xv);
  Tensor w = MakeTensor<float>({1, 1, 3, 3}, std::vector<float>(9, 1.f));
  Node node = MakeNode("Conv", 2, 1,
                       {{"kernel_shape", IntsAttr({3, 3})}, {"pads", IntsAttr({1, 1, 1, 1})}});
  auto out = RunNode(node, 11, {&x, &w});
  ASSERT_TRUE(out.ok()) << out.status();
  Tensor expected = MakeTensor<float>(
      {1, 1, 5, 5}, {12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81,
                     93, 144, 153, 162, 111, 72, 111, 117, 123, 84});
  ExpectTensorNear((*out)[0], expected);
}

TEST(ConvTest, StridesAndAsymmetricPads) {
  std::vector<float> xv(35);
  for (int i = 0; i < 35; ++i) xv[i] = static_cast<float>(i);
  Tensor x = MakeTensor<float>({1, 1, 7, 5}, xv);
  Tensor w = MakeTensor<float>({1, 1, 3, 3}, std::vector<float>(9, 1.f));
  Node node = MakeNode("Conv", 2, 1,
                       {{"strides", IntsAttr({2, 2})}, {"pads", IntsAttr({1, 0, 1, 0})}});
  auto out = RunNode(node, 1, {&x, &w});
  ASSERT_TRUE(out.ok()) << out.status();
  Tensor expected = MakeTensor<float>({1, 1, 4, 2}, {21, 33, 99, 117, 189, 207, 171, 183});
  ExpectTensorNear((*out)[0], expected);
}

struct ConvCase {
  const char* name;
  Shape x, w;
  int64_t group;
  std::vector<int64_t> strides, dilations, pads;  // pads begins then ends
  std::string auto_pad;
  bool bias;
};

class ConvVsReferenceTest : public ::testing::TestWithParam<ConvCase> {};

// Pads the reference uses for an auto_pad case (same rule as the ONNX spec).
RefWindow WindowFor(const ConvCase& c) {
  const int rank = static_cast<int>(c.x.size()) - 2;
  RefWindow win;
  for (int i = 0; i < rank; ++i) {
    int64_t s = c.strides.empty() ? 1 : c.strides[i];
    int64_t d = c.dilations.empty() ? 1 : c.dilations[i];
    int64_t pb = c.pads.empty() ? 0 : c.pads[i];
    int64_t pe = c.pads.empty() ? 0 : c.pads[rank + i];
    if (c.auto_pad == "SAME_UPPER" || c.auto_pad == "SAME_LOWER") {
      int64_t in = c.x[2 + i], ek = (c.w[2 + i] - 1) * d + 1;
      int64_t out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (out - 1) * s + ek - in);
      pb = c.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pe = total - pb;
    } else if (c.auto_pad == "VALID") {
      pb = pe = 0;
    }
    win.strides.push_back(s);
    win.dilations.push_back(d);
    win.pads_begin.push_back(pb);
    win.pads_end.push_back(pe);
  }
  return win;
}

TEST_P(ConvVsReferenceTest, MatchesNaiveLoop) {
  const ConvCase& c = GetParam();
  Tensor x = RandomTensor(c.x, 1);
  Tensor w = RandomTensor(c.w, 2);
  Tensor b = RandomTensor({c.w[0]}, 3);
  std::map<std::string, Attribute> attrs = {{"group", IntAttr(c.group)}};
  if (!c.strides.empty()) attrs["strides"] = IntsAttr(c.strides);
  if (!c.dilations.empty()) attrs["dilations"] = IntsAttr(c.dilations);
  if (!c.pads.empty()) attrs["pads"] = IntsAttr(c.pads);
  if (!c.auto_pad.empty()) attrs["auto_pad"] = StringAttr(c.auto_pad);
  Node node = MakeNode("Conv", c.bias ? 3 : 2, 1, attrs);
  std::vector<const Tensor*> inputs = {&x, &w};
  if (c.bias) inputs.push_back(&b);
  Tensor expected = RefConv(x, w, c.bias ? &b : nullptr, c.group, WindowFor(c));
  for (bool constant : {false, true}) {
    auto out = RunNode(node, 11, inputs, constant);
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear((*out)[0], expected, 1e-4, 1e-4);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvVsReferenceTest,
    ::testing::Values(
        ConvCase{"basic3x3", {1, 8, 9, 9}, {16, 8, 3, 3}, 1, {}, {}, {1, 1, 1, 1}, "", true},
        ConvCase{"pointwise", {2, 16, 7, 5}, {24, 16, 1, 1}, 1, {}, {}, {}, "", true},
        ConvCase{"pointwise_stride2", {1, 16, 8, 8}, {8, 16, 1, 1}, 1, {2, 2}, {}, {}, "", false},
        ConvCase{"no_bias", {1, 3, 10, 10}, {4, 3, 3, 3}, 1, {}, {}, {}, "", false},
        ConvCase{"strided_asym_pads", {1, 4, 11, 9}, {6, 4, 3, 2}, 1, {2, 3}, {}, {1, 0, 2, 1},
                 "", true},
        ConvCase{"dilated", {1, 4, 12, 12}, {5, 4, 3, 3}, 1, {}, {2, 3}, {2, 1, 2, 3}, "", true},
        ConvCase{"groups", {1, 8, 6, 6}, {12, 4, 3, 3}, 2, {}, {}, {1, 1, 1, 1}, "", true},
        ConvCase{"depthwise", {1, 16, 9, 9}, {16, 1, 3, 3}, 16, {2, 2}, {}, {1, 1, 1, 1}, "",
                 true},
        ConvCase{"depthwise_multiplier", {1, 4, 8, 8}, {8, 1, 3, 3}, 4, {}, {}, {}, "", true},
        ConvCase{"same_upper", {1, 3, 7, 8}, {4, 3, 4, 3}, 1, {2, 2}, {}, {}, "SAME_UPPER", true},
        ConvCase{"same_lower", {1, 3, 7, 8}, {4, 3, 4, 3}, 1, {2, 2}, {}, {}, "SAME_LOWER", true},
        ConvCase{"valid", {1, 3, 7, 8}, {4, 3, 3, 3}, 1, {2, 1}, {}, {}, "VALID", true},
        ConvCase{"conv1d", {2, 4, 15}, {6, 4, 3}, 1, {2}, {1}, {1, 2}, "", true},
        ConvCase{"conv1d_groups_dilated", {1, 6, 20}, {9, 2, 3}, 3, {}, {2}, {}, "", true},
        ConvCase{"conv3d", {1, 2, 5, 6, 7}, {4, 2, 3, 3, 3}, 1, {1, 2, 1}, {}, {1, 1, 1, 1, 0, 1},
                 "", true},
        ConvCase{"conv3d_groups_dilated", {1, 4, 7, 7, 7}, {4, 2, 2, 2, 2}, 2, {2, 1, 1},
                 {2, 2, 1}, {}, "", false},
        ConvCase{"first_layer", {1, 3, 32, 32}, {16, 3, 7, 7}, 1, {2, 2}, {}, {3, 3, 3, 3}, "",
                 true}),
    [](const ::testing::TestParamInfo<ConvCase>& info) { return info.param.name; });

TEST(ConvTest, ConsumedWeightsShapeChangesAndConcurrentRuns) {
  Tensor w = RandomTensor({8, 4, 3, 3}, 4);
  Node node = MakeNode("Conv", 2, 1, {{"pads", IntsAttr({1, 1, 1, 1})}});
  std::vector<DataType> types = {DataType::kFloat, DataType::kFloat};
  KernelInfo info(node, 13, types, {nullptr, &w});
  auto def = GlobalKernelRegistry().Find("", "Conv", 13, types);
  ASSERT_TRUE(def.ok());
  auto kernel = (*def)->factory(info);
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  // The kernel packed W and released it: runs get no W input, as in the runtime.
  EXPECT_TRUE(info.constant_input_consumed(1));
  RefWindow win{{1, 1}, {1, 1}, {1, 1}, {1, 1}};
  std::vector<Tensor> xs, expected;
  for (int i = 0; i < 4; ++i) {
    xs.push_back(RandomTensor({1 + i % 2, 4, 6 + i, 5 + 2 * i}, 10 + i));
    expected.push_back(RefConv(xs.back(), w, nullptr, 1, win));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < 20; ++r) {
        int i = (t + r) % 4;
        StandaloneContext ctx({&xs[i], nullptr}, info.output_types(), {true});
        absl::Status st = (*kernel)->Compute(ctx);
        if (!st.ok() || ctx.outputs()[0].shape() != expected[i].shape()) {
          ++failures;
          continue;
        }
        auto got = ctx.outputs()[0].span<float>();
        auto want = expected[i].span<float>();
        for (size_t j = 0; j < got.size(); ++j) {
          if (std::fabs(got[j] - want[j]) > 1e-4f) {
            ++failures;
            break;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(ConvTest, RejectsBadInputs) {
  Tensor x = RandomTensor({1, 4, 5, 5}, 1);
  Tensor w_bad_c = RandomTensor({2, 3, 3, 3}, 2);
  Tensor w = RandomTensor({2, 4, 3, 3}, 2);
  Tensor bias_bad = RandomTensor({3}, 3);
  Tensor x_rank2 = RandomTensor({4, 5}, 4);
  Tensor w_big = RandomTensor({2, 4, 7, 7}, 5);
  Node node = MakeNode("Conv", 2);
  EXPECT_EQ(RunNode(node, 11, {&x, &w_bad_c}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunNode(node, 11, {&x_rank2, &w}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunNode(node, 11, {&x, &w_big}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(RunNode(MakeNode("Conv", 3), 11, {&x, &w, &bias_bad}).ok());
  EXPECT_FALSE(RunNode(MakeNode("Conv", 2, 1, {{"auto_pad", StringAttr("SAME")}}), 11, {&x, &w})
                   .ok());
  EXPECT_FALSE(
      RunNode(MakeNode("Conv", 2, 1, {{"kernel_shape", IntsAttr({2, 2})}}), 11, {&x, &w}).ok());
  EXPECT_FALSE(RunNode(MakeNode("Conv", 2, 1, {{"group", IntAttr(3)}}), 11, {&x, &w}).ok());
  EXPECT_FALSE(RunNode(MakeNode("Conv", 2, 1, {{"strides", IntsAttr({0, 1})}}), 11, {&x, &w})
                   .ok());
  EXPECT_FALSE(RunNode(MakeNode("Conv", 2, 1, {{"pads", IntsAttr({1, 1})}}), 11, {&x, &w}).ok());
}

}  // namespace
}  // namespace berth::engine::testing
