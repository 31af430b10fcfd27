// FuseQdq: where it fires, where it must not, and that the fused model computes what the QDQ
// graph computes within quantization rounding.
#include <random>

#include "engine/graph/passes/pass_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::kInt32;
using testing::kInt8;
using testing::kUint8;
using testing::ModelBuilder;
using testing::RandomValues;
using testing::SetAttr;

// Q(x) -> DQ, as ORT's quantizer writes every activation: `out` is the float DQ output.
void QuantizeDequantize(ModelBuilder& b, const std::string& x, const std::string& out, float scale,
                        int zero_point) {
  b.Scalar(out + "_scale", scale);
  b.SmallInts(out + "_zp", {}, kUint8, {zero_point});
  b.Node("QuantizeLinear", {x, out + "_scale", out + "_zp"}, {out + "_q"});
  b.Node("DequantizeLinear", {out + "_q", out + "_scale", out + "_zp"}, {out});
}

// DQ(int8 weights, per output channel) and, with `int32_bias`, DQ(int32 bias at scale
// x_scale * w_scale) as ORT writes them, else a float bias. Returns the Conv's inputs.
std::vector<std::string> QuantWeights(ModelBuilder& b, const std::string& name,
                                      std::vector<int64_t> dims, float x_scale, bool int32_bias,
                                      uint32_t seed) {
  const int64_t m = dims[0];
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  b.SmallInts(name + "_wq", dims, kInt8, RandomValues<int32_t>(n, -127, 127, seed));
  std::vector<float> ws = RandomValues<float>(m, 0.002f, 0.005f, seed + 1);
  b.Floats(name + "_ws", {m}, ws);
  b.SmallInts(name + "_wz", {m}, kInt8, std::vector<int32_t>(m, 0));
  onnx::NodeProto* dq =
      b.Node("DequantizeLinear", {name + "_wq", name + "_ws", name + "_wz"}, {name + "_w"});
  SetAttr(dq, "axis", int64_t{0});
  if (!int32_bias) {
    b.Floats(name + "_b", {m}, RandomValues<float>(m, -0.5f, 0.5f, seed + 2));
    return {name + "_w", name + "_b"};
  }
  std::vector<float> bs(m);
  for (int64_t c = 0; c < m; ++c) bs[c] = x_scale * ws[c];
  b.SmallInts(name + "_bq", {m}, kInt32, RandomValues<int32_t>(m, -300, 300, seed + 3));
  b.Floats(name + "_bs", {m}, bs);
  dq = b.Node("DequantizeLinear", {name + "_bq", name + "_bs"}, {name + "_b"});
  SetAttr(dq, "axis", int64_t{0});
  return {name + "_w", name + "_b"};
}

// x -> Q/DQ -> Conv+Relu -> Q/DQ -> MaxPool -> Q/DQ (read by Conv2, the Add and a float
// GlobalAveragePool) -> Conv2 -> Q/DQ -> Add(., pooled) -> Relu -> Q/DQ -> y.
ModelBuilder ResidualBlock() {
  ModelBuilder b;
  b.Input("x", {1, 8, 10, 10});
  const float sx = 4.f / 255, s1 = 8.f / 255, s2 = 12.f / 255, s3 = 16.f / 255;
  QuantizeDequantize(b, "x", "xd", sx, 128);
  std::vector<std::string> w1 = QuantWeights(b, "c1", {16, 8, 3, 3}, sx, true, 10);
  SetAttr(b.Node("Conv", {"xd", w1[0], w1[1]}, {"c1"}), "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.Node("Relu", {"c1"}, {"r1"});
  QuantizeDequantize(b, "r1", "d1", s1, 0);
  onnx::NodeProto* pool = b.Node("MaxPool", {"d1"}, {"p1"});
  SetAttr(pool, "kernel_shape", std::vector<int64_t>{2, 2});
  SetAttr(pool, "strides", std::vector<int64_t>{2, 2});
  QuantizeDequantize(b, "p1", "pd", s1, 0);
  std::vector<std::string> w2 = QuantWeights(b, "c2", {16, 16, 1, 1}, s1, false, 20);
  b.Node("Conv", {"pd", w2[0], w2[1]}, {"c2"});
  QuantizeDequantize(b, "c2", "d2", s2, 128);
  b.Node("Add", {"d2", "pd"}, {"a"});
  b.Node("Relu", {"a"}, {"ar"});
  QuantizeDequantize(b, "ar", "y", s3, 0);
  b.Node("GlobalAveragePool", {"pd"}, {"g"});
  b.Output("y").Output("g");
  return b;
}

int Count(const Graph& g, const std::string& domain, const std::string& op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.domain == domain && node.op_type == op;
  return n;
}

TEST(QdqFusionTest, FusesConvAddAndMaxPool) {
  const ModelGraph g = testing::Optimized(ResidualBlock());
  EXPECT_EQ(Count(g.graph, "berth", "QLinearConv"), 2) << testing::OpTypes(g.graph);
  EXPECT_EQ(Count(g.graph, "berth", "QLinearAdd"), 1) << testing::OpTypes(g.graph);
  EXPECT_EQ(Count(g.graph, "", "MaxPool"), 1) << testing::OpTypes(g.graph);
  EXPECT_EQ(Count(g.graph, "", "Conv"), 0) << testing::OpTypes(g.graph);
  EXPECT_EQ(Count(g.graph, "", "Relu"), 0) << testing::OpTypes(g.graph);
  // The pooled value keeps one DequantizeLinear for its float reader, and y its own.
  EXPECT_EQ(Count(g.graph, "", "DequantizeLinear"), 2) << testing::OpTypes(g.graph);
  const Node* conv = testing::FindOp(g.graph, "QLinearConv");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->inputs[0], "xd_q");
  const Attribute* act = conv->FindAttribute("activation");
  ASSERT_NE(act, nullptr);
  EXPECT_EQ(act->s, "Relu");
  // The float bias of the second convolution became int32 at x_scale * w_scale.
  const Node* add = testing::FindOp(g.graph, "QLinearAdd");
  ASSERT_NE(add, nullptr);
  const Attribute* add_act = add->FindAttribute("activation");
  ASSERT_NE(add_act, nullptr);
  EXPECT_EQ(add_act->s, "Relu");
}

TEST(QdqFusionTest, ChannelsLastKeepsOnlyTheBoundaryTransposes) {
  const ModelGraph g = testing::Optimized(ResidualBlock(), {.channels_last = true});
  EXPECT_EQ(Count(g.graph, "berth", "QLinearConv"), 2) << testing::OpTypes(g.graph);
  EXPECT_EQ(Count(g.graph, "berth", "MaxPool"), 1) << testing::OpTypes(g.graph);
  // Into the first convolution, out to the float GlobalAveragePool and out to y.
  EXPECT_EQ(Count(g.graph, "", "Transpose"), 3) << testing::OpTypes(g.graph);
}

TEST(QdqFusionTest, FusedModelMatchesTheQdqGraph) {
  // Off by at most a step of y's scale where a rounding tie went the other way upstream.
  testing::ExpectSameOutputs(ResidualBlock(), 2.f * 16.f / 255);
}

TEST(QdqFusionTest, FusesAQuantizedGemmAsAFullyConnectedQLinearConv) {
  ModelBuilder b;
  b.Input("x", {3, 16});
  const float sx = 4.f / 255;
  QuantizeDequantize(b, "x", "xd", sx, 128);
  // Gemm weights [M, K], per output channel like a convolution's.
  std::vector<std::string> w = QuantWeights(b, "fc", {8, 16}, sx, true, 7);
  SetAttr(b.Node("Gemm", {"xd", w[0], w[1]}, {"g"}), "transB", int64_t{1});
  QuantizeDequantize(b, "g", "y", 2.f / 255, 120);
  b.Output("y");
  const ModelGraph g = testing::Optimized(b);
  EXPECT_EQ(Count(g.graph, "berth", "QLinearConv"), 1) << testing::OpTypes(g.graph);
  EXPECT_EQ(Count(g.graph, "", "Gemm"), 0) << testing::OpTypes(g.graph);
  testing::ExpectSameOutputs(b, 2.f * 2.f / 255);
}

TEST(QdqFusionTest, DoesNotFuseAConvWhoseOutputHasAnotherReader) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6});
  QuantizeDequantize(b, "x", "xd", 4.f / 255, 128);
  std::vector<std::string> w = QuantWeights(b, "c", {4, 4, 3, 3}, 4.f / 255, true, 3);
  b.Node("Conv", {"xd", w[0], w[1]}, {"c"});
  QuantizeDequantize(b, "c", "y", 8.f / 255, 128);
  b.Node("Sigmoid", {"c"}, {"s"});
  b.Output("y").Output("s");
  const ModelGraph g = testing::Optimized(b);
  EXPECT_EQ(Count(g.graph, "berth", "QLinearConv"), 0) << testing::OpTypes(g.graph);
  EXPECT_EQ(Count(g.graph, "berth", "FusedConv") + Count(g.graph, "", "Conv"), 1)
      << testing::OpTypes(g.graph);
  testing::ExpectSameOutputs(b, 1e-5f);
}

TEST(QdqFusionTest, DoesNotFuseNonZeroWeightZeroPointsOrARequantizingMaxPool) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6});
  QuantizeDequantize(b, "x", "xd", 4.f / 255, 128);
  b.SmallInts("wq", {4, 4, 1, 1}, kInt8, RandomValues<int32_t>(16, -127, 127, 1));
  b.Scalar("ws", 0.004f);
  b.SmallInts("wz", {}, kInt8, {3});
  b.Node("DequantizeLinear", {"wq", "ws", "wz"}, {"w"});
  b.Node("Conv", {"xd", "w"}, {"c"});
  QuantizeDequantize(b, "c", "cd", 8.f / 255, 128);
  onnx::NodeProto* pool = b.Node("MaxPool", {"cd"}, {"p"});
  SetAttr(pool, "kernel_shape", std::vector<int64_t>{2, 2});
  QuantizeDequantize(b, "p", "y", 9.f / 255, 128);  // another scale: not a plain max
  b.Output("y");
  const ModelGraph g = testing::Optimized(b);
  EXPECT_EQ(Count(g.graph, "berth", "QLinearConv"), 0) << testing::OpTypes(g.graph);
  EXPECT_EQ(Count(g.graph, "", "MaxPool"), 1) << testing::OpTypes(g.graph);
  const Node* p = testing::FindOp(g.graph, "MaxPool");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->inputs[0], "cd");
  testing::ExpectSameOutputs(b, 1e-5f);
}

}  // namespace
}  // namespace berth::engine
