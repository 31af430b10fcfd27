// The FusedMatMul fusion and the GELU subgraph it (and FuseGelu) recognises.
#include "engine/graph/passes/fusions.h"
#include "engine/graph/passes/pass_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectSameOutputs;
using testing::ModelBuilder;
using testing::OpTypes;
using testing::Optimized;
using testing::Parse;
using testing::SetAttr;

const float kSqrt2 = 1.41421353816986083984375f;      // float(sqrt(2)), as torch exports it
const float kInvSqrt2 = 0.707106769084930419921875f;  // float(1 / sqrt(2))

// Gelu of `x` into `y`, in one of the three exported orderings; `scale` by Mul or Div.
void AddGelu(ModelBuilder& b, const std::string& x, const std::string& y, int form,
             bool by_mul = false, float sqrt2 = kSqrt2) {
  b.Scalar(y + "_one", 1.0f).Scalar(y + "_half", 0.5f);
  if (by_mul) {
    b.Scalar(y + "_k", 1.0f / sqrt2);
    b.Node("Mul", {x, y + "_k"}, {y + "_d"});
  } else {
    b.Scalar(y + "_k", sqrt2);
    b.Node("Div", {x, y + "_k"}, {y + "_d"});
  }
  b.Node("Erf", {y + "_d"}, {y + "_e"});
  b.Node("Add", {y + "_e", y + "_one"}, {y + "_p"});
  if (form == 0) {  // torch: (x * p) * 0.5
    b.Node("Mul", {x, y + "_p"}, {y + "_m"});
    b.Node("Mul", {y + "_m", y + "_half"}, {y});
  } else if (form == 1) {  // (x * 0.5) * p
    b.Node("Mul", {y + "_half", x}, {y + "_h"});
    b.Node("Mul", {y + "_h", y + "_p"}, {y});
  } else {  // x * (p * 0.5)
    b.Node("Mul", {y + "_p", y + "_half"}, {y + "_q"});
    b.Node("Mul", {y + "_q", x}, {y});
  }
}

// x [N, 3, 8] @ w [8, 16] + bias [16]
void AddLinear(ModelBuilder& b, const std::string& x, const std::string& y, int64_t in = 8,
               int64_t out = 16, const std::string& prefix = "fc") {
  b.Random(prefix + "_w", {in, out}).Random(prefix + "_b", {out});
  b.Node("MatMul", {x, prefix + "_w"}, {y + "_mm"});
  b.Node("Add", {y + "_mm", prefix + "_b"}, {y});
}

TEST(FusedMatMulTest, MatMulBias) {
  ModelBuilder b;
  b.Input("x", {-1, 3, 8}).Output("y");
  AddLinear(b, "x", "y");
  ModelGraph g = Optimized(b);
  ASSERT_EQ(OpTypes(g.graph), "berth.FusedMatMul");
  const Node& n = g.graph.nodes[0];
  EXPECT_EQ(n.name, "MatMul_y_mm");
  ASSERT_EQ(n.inputs.size(), 3u);
  EXPECT_EQ(n.inputs[2], "fc_b");
  EXPECT_EQ(n.FindAttribute("activation"), nullptr);
  EXPECT_EQ(g.opsets.at("berth"), 1);
  ExpectSameOutputs(b);
}

TEST(FusedMatMulTest, BiasFirstOperandAndUnknownInputRank) {
  // The input's shape is not declared: the bias still fits, being a vector of B's columns.
  ModelBuilder b;
  b.Output("y").Random("w", {8, 16}).Random("bias", {16});
  b.Input("x", {2, 3, 8});
  b.Node("MatMul", {"x", "w"}, {"m"});
  b.Node("Add", {"bias", "m"}, {"y"});
  ModelGraph g = Parse(b);
  g.graph.inputs[0].has_shape = false;
  g.graph.inputs[0].dims.clear();
  EXPECT_EQ(FuseMatMul(g.graph, GlobalKernelRegistry()), 1);
  EXPECT_EQ(OpTypes(g.graph), "berth.FusedMatMul");
  ExpectSameOutputs(b);
}

TEST(FusedMatMulTest, MlpGemmRelu) {
  ModelBuilder b;
  b.Input("x", {-1, 8}).Output("y");
  b.Random("w1", {16, 8}).Random("b1", {16}).Random("w2", {16, 4}).Random("b2", {4});
  onnx::NodeProto* g1 = b.Node("Gemm", {"x", "w1", "b1"}, {"h"});
  SetAttr(g1, "transB", int64_t{1});
  b.Node("Relu", {"h"}, {"r"});
  b.Node("Gemm", {"r", "w2", "b2"}, {"y"});
  ModelGraph g = Optimized(b);
  ASSERT_EQ(OpTypes(g.graph), "berth.FusedMatMul,Gemm");
  const Node& n = g.graph.nodes[0];
  EXPECT_EQ(n.FindAttribute("activation")->s, "Relu");
  EXPECT_EQ(n.FindAttribute("transB")->i, 1);
  ExpectSameOutputs(b);
}

TEST(FusedMatMulTest, GemmWithoutCTakesTheAddAsBiasWithBetaOne) {
  ModelBuilder b;
  b.Input("x", {2, 8}).Output("y").Random("w", {8, 4}).Random("bias", {4});
  onnx::NodeProto* gemm = b.Node("Gemm", {"x", "w"}, {"h"});
  SetAttr(gemm, "beta", 3.0f);
  SetAttr(gemm, "alpha", 0.5f);
  b.Node("Add", {"h", "bias"}, {"y"});
  ModelGraph g = Optimized(b);
  ASSERT_EQ(OpTypes(g.graph), "berth.FusedMatMul");
  EXPECT_EQ(g.graph.nodes[0].FindAttribute("beta")->f, 1.0f);
  EXPECT_EQ(g.graph.nodes[0].FindAttribute("alpha")->f, 0.5f);
  ExpectSameOutputs(b);
}

TEST(FusedMatMulTest, GeluInEachExportedForm) {
  for (int form = 0; form < 3; ++form) {
    for (bool by_mul : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "form " << form << " mul " << by_mul);
      ModelBuilder b(17);
      b.Input("x", {1, 3, 8}).Output("y");
      AddLinear(b, "x", "h");
      AddGelu(b, "h", "y", form, by_mul);
      ModelGraph g = Optimized(b);
      ASSERT_EQ(OpTypes(g.graph), "berth.FusedMatMul");
      EXPECT_EQ(g.graph.nodes[0].FindAttribute("activation")->s, "Gelu");
      EXPECT_EQ(g.graph.nodes[0].outputs[0], "y");
      ExpectSameOutputs(b);
    }
  }
}

TEST(FusedMatMulTest, NoGeluWithATruncatedConstant) {
  ModelBuilder b(17);
  b.Input("x", {1, 3, 8}).Output("y");
  AddLinear(b, "x", "h");
  AddGelu(b, "h", "y", 0, false, 1.4142f);
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "berth.FusedMatMul,Div,Erf,Add,Mul,Mul");
  ExpectSameOutputs(b);
}

TEST(FusedMatMulTest, NoGeluWhenAnIntermediateIsAlsoAnOutput) {
  ModelBuilder b(17);
  b.Input("x", {1, 3, 8}).Output("y").Output("y_e");
  AddLinear(b, "x", "h");
  AddGelu(b, "h", "y", 0);
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "berth.FusedMatMul,Div,Erf,Add,Mul,Mul");
  EXPECT_EQ(g.graph.nodes[0].FindAttribute("activation"), nullptr);
}

// The BERT feed-forward tail: Linear -> Add(h) (residual), residual before nothing.
TEST(FusedMatMulTest, ResidualThenActivationAndActivationThenResidual) {
  for (bool residual_first : {true, false}) {
    SCOPED_TRACE(residual_first);
    ModelBuilder b;
    b.Input("x", {-1, 3, 16}).Output("y");
    AddLinear(b, "x", "h", 16, 16);
    if (residual_first) {
      b.Node("Add", {"x", "h"}, {"s"});
      b.Node("Relu", {"s"}, {"y"});
    } else {
      b.Node("Relu", {"h"}, {"s"});
      b.Node("Add", {"s", "x"}, {"y"});
    }
    ModelGraph g = Optimized(b);
    ASSERT_EQ(OpTypes(g.graph), "berth.FusedMatMul");
    const Node& n = g.graph.nodes[0];
    ASSERT_EQ(n.inputs.size(), 4u);
    EXPECT_EQ(n.inputs[3], "x");
    const Attribute* order = n.FindAttribute("residual_before_activation");
    EXPECT_EQ(order != nullptr && order->i == 1, residual_first);
    ExpectSameOutputs(b);
  }
}

TEST(FusedMatMulTest, NoResidualThatWouldBroadcastTheProductUp) {
  ModelBuilder b;
  b.Input("x", {3, 8}).Input("r", {2, 3, 16}).Output("y");
  AddLinear(b, "x", "h");
  b.Node("Add", {"h", "r"}, {"y"});
  ModelGraph g = Optimized(b);
  ASSERT_EQ(OpTypes(g.graph), "berth.FusedMatMul,Add");
  EXPECT_EQ(g.graph.nodes[0].inputs.size(), 3u);
  ExpectSameOutputs(b);
}

// Attention scores: q @ Transpose(k) / 8 -> one FusedMatMul with transB and alpha 1/8.
TEST(FusedMatMulTest, AttentionScoresAbsorbTransposeAndScale) {
  ModelBuilder b;
  b.Input("q", {1, 2, 5, 8}).Input("k", {1, 2, 5, 8}).Output("y").Scalar("d", 8.0f);
  onnx::NodeProto* t = b.Node("Transpose", {"k"}, {"kt"});
  SetAttr(t, "perm", std::vector<int64_t>{0, 1, 3, 2});
  b.Node("MatMul", {"q", "kt"}, {"s"});
  b.Node("Div", {"s", "d"}, {"y"});
  ModelGraph g = Optimized(b);
  ASSERT_EQ(OpTypes(g.graph), "berth.FusedMatMul");
  const Node& n = g.graph.nodes[0];
  EXPECT_EQ(n.inputs[1], "k");
  EXPECT_EQ(n.FindAttribute("transB")->i, 1);
  EXPECT_EQ(n.FindAttribute("alpha")->f, 0.125f);
  ExpectSameOutputs(b);
}

TEST(FusedMatMulTest, NoDivisionByANonPowerOfTwo) {
  ModelBuilder b;
  b.Input("q", {1, 5, 8}).Input("k", {1, 8, 5}).Output("y").Scalar("d", 3.0f);
  b.Node("MatMul", {"q", "k"}, {"s"});
  b.Node("Div", {"s", "d"}, {"y"});
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "MatMul,Div");
}

TEST(FusedMatMulTest, MultiplicationByAnyScalar) {
  ModelBuilder b;
  b.Input("q", {1, 5, 8}).Input("k", {1, 8, 5}).Output("y").Scalar("c", 0.3f);
  b.Node("MatMul", {"q", "k"}, {"s"});
  b.Node("Mul", {"c", "s"}, {"y"});
  ModelGraph g = Optimized(b);
  ASSERT_EQ(OpTypes(g.graph), "berth.FusedMatMul");
  EXPECT_EQ(g.graph.nodes[0].FindAttribute("alpha")->f, 0.3f);
  ExpectSameOutputs(b);
}

TEST(FusedMatMulTest, NothingWhenTheProductHasAnotherReaderOrIsAnOutput) {
  {
    ModelBuilder b;
    b.Input("x", {2, 8}).Output("y").Output("z");
    AddLinear(b, "x", "y");
    b.Node("Relu", {"y_mm"}, {"z"});
    ModelGraph g = Optimized(b);
    EXPECT_EQ(OpTypes(g.graph), "MatMul,Add,Relu");
  }
  {
    ModelBuilder b;
    b.Input("x", {2, 8}).Output("y_mm").Output("y");
    AddLinear(b, "x", "y");
    ModelGraph g = Optimized(b);
    EXPECT_EQ(OpTypes(g.graph), "MatMul,Add");
  }
}

TEST(FusedMatMulTest, NonConstantBiasIsAResidualOnlyWhenItsShapeFits) {
  ModelBuilder b;
  b.Input("x", {2, 8}).Input("c", {16}).Output("y").Random("w", {8, 16});
  b.Node("MatMul", {"x", "w"}, {"m"});
  b.Node("Add", {"m", "c"}, {"y"});
  ModelGraph g = Optimized(b);
  ASSERT_EQ(OpTypes(g.graph), "berth.FusedMatMul");
  ASSERT_EQ(g.graph.nodes[0].inputs.size(), 4u);
  EXPECT_EQ(g.graph.nodes[0].inputs[2], "");
  EXPECT_EQ(g.graph.nodes[0].inputs[3], "c");
  ExpectSameOutputs(b);
}

TEST(FusedMatMulTest, IntegerMatMulIsLeftAlone) {
  ModelBuilder b;
  b.Input("x", {2, 8}, onnx::TensorProto::INT64).Output("y", onnx::TensorProto::INT64);
  b.Ints("w", {8, 2}, std::vector<int64_t>(16, 1)).Ints("bias", {2}, {1, 2});
  b.Node("MatMul", {"x", "w"}, {"m"});
  b.Node("Add", {"m", "bias"}, {"y"});
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "MatMul,Add");
}

TEST(GeluFusionTest, StandaloneGeluOnlyWhereAKernelExists) {
  for (int opset : {13, 20}) {
    SCOPED_TRACE(opset);
    ModelBuilder b(opset);
    b.Input("x", {2, 5}).Output("y");
    AddGelu(b, "x", "y", 0);
    ModelGraph g = Parse(b);
    const bool available =
        HasKernel(GlobalKernelRegistry(), "", "Gelu", opset, DataType::kFloat) ||
        HasKernel(GlobalKernelRegistry(), "berth", "Gelu", 1, DataType::kFloat);
    EXPECT_EQ(FuseGelu(g.graph, g.opsets, GlobalKernelRegistry()), available ? 1 : 0);
    if (available) {
      EXPECT_EQ(OpTypes(g.graph).find("Gelu") != std::string::npos, true);
      ExpectSameOutputs(b);
    }
  }
}

TEST(GeluFusionTest, KeepsTheInputForItsOtherReaders) {
  ModelBuilder b(20);
  b.Input("x", {2, 5}).Output("y").Output("z");
  AddGelu(b, "x", "y", 1);
  b.Node("Relu", {"x"}, {"z"});
  ModelGraph g = Parse(b);
  if (!HasKernel(GlobalKernelRegistry(), "", "Gelu", 20, DataType::kFloat)) GTEST_SKIP();
  EXPECT_EQ(FuseGelu(g.graph, g.opsets, GlobalKernelRegistry()), 1);
  EXPECT_EQ(OpTypes(g.graph), "Gelu,Relu");
  ExpectSameOutputs(b);
}

TEST(GeluFusionTest, NoGeluWhenAConstantWouldRaiseTheRank) {
  ModelBuilder b(20);
  b.Input("x", {5}).Output("y");
  AddGelu(b, "x", "y", 0);
  // Replace the 0.5 scalar by a [1, 1] constant: the result is [1, 5], not [5].
  b.Floats("y_half2", {1, 1}, {0.5f});
  ModelGraph g = Parse(b);
  for (Node& n : g.graph.nodes) {
    for (std::string& in : n.inputs) {
      if (in == "y_half") in = "y_half2";
    }
  }
  EXPECT_EQ(FuseGelu(g.graph, g.opsets, GlobalKernelRegistry()), 0);
}

}  // namespace
}  // namespace berth::engine
