// The DynamicQuantizeMatMul fusion of ONNX Runtime's dynamic quantization pattern.
#include <random>

#include "engine/graph/passes/fusions.h"
#include "engine/graph/passes/pass_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectSameOutputs;
using testing::kInt8;
using testing::kUint8;
using testing::ModelBuilder;
using testing::Optimized;
using testing::OpTypes;
using testing::Parse;
using testing::RandomValues;
using testing::SetAttr;

// n int8 weights in [-127, 127] from `seed`.
std::vector<int32_t> RandomInt8(int64_t n, uint32_t seed) {
  return RandomValues<int32_t>(static_cast<size_t>(n), -127, 127, seed);
}

// DynamicQuantizeLinear(x) as ORT names its outputs.
void AddQuantize(ModelBuilder& b, const std::string& x) {
  b.Node("DynamicQuantizeLinear", {x}, {x + "_q", x + "_s", x + "_zp"});
}

// ORT's dynamic matmul of quantized `x` (AddQuantize) by the constant W `prefix`_w [k, n]
// into `y`, with the bias Add when `bias`.
void AddDynamicMatMul(ModelBuilder& b, const std::string& x, const std::string& y, int64_t k,
                      int64_t n, const std::string& prefix, bool bias = true) {
  b.SmallInts(prefix + "_w", {k, n}, kInt8, RandomInt8(k * n, static_cast<uint32_t>(k * n + n)));
  b.Scalar(prefix + "_ws", 0.01f).SmallInts(prefix + "_wzp", {}, kInt8, {0});
  b.Node("Mul", {x + "_s", prefix + "_ws"}, {prefix + "_scale"});
  b.Node("MatMulInteger", {x + "_q", prefix + "_w", x + "_zp", prefix + "_wzp"}, {prefix + "_p"});
  SetAttr(b.Node("Cast", {prefix + "_p"}, {prefix + "_pf"}), "to", int64_t{1});
  const std::string mul_out = bias ? prefix + "_mm" : y;
  b.Node("Mul", {prefix + "_pf", prefix + "_scale"}, {mul_out});
  if (!bias) return;
  b.Random(prefix + "_b", {n});
  b.Node("Add", {prefix + "_b", mul_out}, {y});
}

// The pattern without a W zero point: y = Cast(MatMulInteger(x_q, w, x_zp)) * (x_s * ws).
void AddScaledProduct(ModelBuilder& b, const std::string& x, const std::string& w,
                      const std::string& ws, const std::string& y) {
  b.Node("Mul", {x + "_s", ws}, {y + "_scale"});
  b.Node("MatMulInteger", {x + "_q", w, x + "_zp"}, {y + "_p"});
  SetAttr(b.Node("Cast", {y + "_p"}, {y + "_pf"}), "to", int64_t{1});
  b.Node("Mul", {y + "_pf", y + "_scale"}, {y});
}

TEST(DynamicQuantMatMulFusionTest, FusesBiasActivationAndResidual) {
  ModelBuilder b;
  b.Input("x", {-1, 3, 16}).Input("r", {-1, 3, 32}).Output("y");
  AddQuantize(b, "x");
  AddDynamicMatMul(b, "x", "h", 16, 32, "fc");
  b.Node("Relu", {"h"}, {"a"});
  b.Node("Add", {"a", "r"}, {"y"});
  ModelGraph g = Optimized(b);
  ASSERT_EQ(OpTypes(g.graph), "berth.DynamicQuantizeMatMul");
  const Node& n = g.graph.nodes[0];
  EXPECT_EQ(n.inputs, (std::vector<std::string>{"x", "fc_w", "fc_ws", "fc_wzp", "fc_b", "r"}));
  ASSERT_NE(n.FindAttribute("activation"), nullptr);
  EXPECT_EQ(n.FindAttribute("activation")->s, "Relu");
  EXPECT_EQ(n.FindAttribute("residual_before_activation"), nullptr);
  ExpectSameOutputs(b, 1e-4f);
}

TEST(DynamicQuantMatMulFusionTest, WithoutBiasOrZeroPoint) {
  ModelBuilder b;
  b.Input("x", {2, 8}).Output("y");
  AddQuantize(b, "x");
  b.SmallInts("w", {8, 4}, kInt8, RandomInt8(32, 1))
      .Floats("ws", {4}, {0.01f, 0.02f, 0.03f, 0.04f});
  b.Node("Mul", {"ws", "x_s"}, {"s"});
  b.Node("MatMulInteger", {"x_q", "w", "x_zp"}, {"p"});
  SetAttr(b.Node("Cast", {"p"}, {"pf"}), "to", int64_t{1});
  b.Node("Mul", {"s", "pf"}, {"y"});
  ModelGraph g = Optimized(b);
  ASSERT_EQ(OpTypes(g.graph), "berth.DynamicQuantizeMatMul");
  EXPECT_EQ(g.graph.nodes[0].inputs, (std::vector<std::string>{"x", "w", "ws"}));
  ExpectSameOutputs(b, 1e-4f);
}

TEST(DynamicQuantMatMulFusionTest, OneQuantizationFeedsSeveralMatMuls) {
  ModelBuilder b;
  b.Input("x", {-1, 4, 16}).Output("q").Output("k");
  AddQuantize(b, "x");
  AddDynamicMatMul(b, "x", "q", 16, 8, "wq");
  AddDynamicMatMul(b, "x", "k", 16, 8, "wk");
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "berth.DynamicQuantizeMatMul,berth.DynamicQuantizeMatMul");
  ExpectSameOutputs(b, 1e-4f);
}

TEST(DynamicQuantMatMulFusionTest, QuantizationKeptForAnUnfusedReader) {
  // The second MatMulInteger's weights are a graph input: it stays, and so does the
  // DynamicQuantizeLinear it reads.
  ModelBuilder b;
  b.Input("x", {2, 16}).Input("w2", {16, 8}, onnx::TensorProto::INT8).Output("y").Output("z");
  AddQuantize(b, "x");
  AddDynamicMatMul(b, "x", "y", 16, 8, "fc");
  b.Node("MatMulInteger", {"x_q", "w2", "x_zp"}, {"z"});
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "DynamicQuantizeLinear,berth.DynamicQuantizeMatMul,MatMulInteger");
}

TEST(DynamicQuantMatMulFusionTest, DoesNotFireWhenValuesHaveOtherReaders) {
  // The int32 product is also a graph output.
  ModelBuilder b;
  b.Input("x", {2, 16}).Output("y").Output("fc_p", onnx::TensorProto::INT32);
  AddQuantize(b, "x");
  AddDynamicMatMul(b, "x", "y", 16, 8, "fc");
  ModelGraph g = Parse(b);
  EXPECT_EQ(FuseDynamicQuantMatMul(g.graph, GlobalKernelRegistry()), 0);

  // The float product feeds the bias Add and another node: the fusion stops before the Add.
  ModelBuilder c;
  c.Input("x", {2, 16}).Output("y").Output("t");
  AddQuantize(c, "x");
  AddDynamicMatMul(c, "x", "y", 16, 8, "fc");
  c.Node("Tanh", {"fc_mm"}, {"t"});
  ModelGraph h = Optimized(c);
  EXPECT_EQ(OpTypes(h.graph), "berth.DynamicQuantizeMatMul,Add,Tanh");
  ExpectSameOutputs(c, 1e-4f);

  // The scale product has another reader: it is kept, the rest fuses.
  ModelBuilder d;
  d.Input("x", {2, 16}).Output("y").Output("fc_scale");
  AddQuantize(d, "x");
  AddDynamicMatMul(d, "x", "y", 16, 8, "fc");
  ModelGraph k = Optimized(d);
  EXPECT_EQ(OpTypes(k.graph), "DynamicQuantizeLinear,Mul,berth.DynamicQuantizeMatMul");
  ExpectSameOutputs(d, 1e-4f);
}

TEST(DynamicQuantMatMulFusionTest, FusesUint8WeightsWithAZeroPoint) {
  // uint8 weights without a zero point (0): shifted by 128, a per-row correction remains.
  ModelBuilder b;
  b.Input("x", {-1, 3, 8}).Output("y");
  AddQuantize(b, "x");
  std::vector<int32_t> w = RandomInt8(8 * 4, 5);
  for (int32_t& v : w) v += 128;
  b.SmallInts("w", {8, 4}, kUint8, w).Scalar("ws", 0.01f);
  AddScaledProduct(b, "x", "w", "ws", "y");
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "berth.DynamicQuantizeMatMul");
  ExpectSameOutputs(b, 1e-4f);
}

TEST(DynamicQuantMatMulFusionTest, DoesNotFireOnNonConstantOrUnfitWeights) {
  // Weights as a graph input.
  ModelBuilder b;
  b.Input("x", {2, 16}).Input("w", {16, 8}, onnx::TensorProto::INT8).Output("y");
  AddQuantize(b, "x");
  b.Scalar("ws", 0.01f);
  AddScaledProduct(b, "x", "w", "ws", "y");
  ModelGraph g = Parse(b);
  EXPECT_EQ(FuseDynamicQuantMatMul(g.graph, GlobalKernelRegistry()), 0);

  // uint8 weights with per-column zero points 0 and 128: W - zp does not fit int8, and the
  // residues after shifting W by 128 differ between columns.
  ModelBuilder c;
  c.Input("x", {2, 4}).Output("y");
  AddQuantize(c, "x");
  c.SmallInts("w", {4, 2}, kUint8, {200, 1, 2, 250, 3, 4, 5, 6});
  c.SmallInts("wzp", {2}, kUint8, {0, 128});
  c.Scalar("ws", 0.01f);
  c.Node("Mul", {"x_s", "ws"}, {"s"});
  c.Node("MatMulInteger", {"x_q", "w", "x_zp", "wzp"}, {"p"});
  SetAttr(c.Node("Cast", {"p"}, {"pf"}), "to", int64_t{1});
  c.Node("Mul", {"pf", "s"}, {"y"});
  ModelGraph h = Parse(c);
  EXPECT_EQ(FuseDynamicQuantMatMul(h.graph, GlobalKernelRegistry()), 0);
  ExpectSameOutputs(c, 1e-5f);

  // A Cast to something other than float.
  ModelBuilder d;
  d.Input("x", {2, 16}).Output("y", onnx::TensorProto::DOUBLE);
  AddQuantize(d, "x");
  d.SmallInts("w", {16, 8}, kInt8, RandomInt8(128, 3));
  d.Node("MatMulInteger", {"x_q", "w", "x_zp"}, {"p"});
  SetAttr(d.Node("Cast", {"p"}, {"y"}), "to", int64_t{11});
  ModelGraph k = Parse(d);
  EXPECT_EQ(FuseDynamicQuantMatMul(k.graph, GlobalKernelRegistry()), 0);
}

}  // namespace
}  // namespace berth::engine
