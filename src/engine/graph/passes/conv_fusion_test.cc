// Conv + BatchNormalization folding and the FusedConv fusion.
#include "engine/graph/passes/fusions.h"
#include "engine/graph/passes/pass_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectSameOutputs;
using testing::FindOp;
using testing::ModelBuilder;
using testing::OpTypes;
using testing::Optimized;
using testing::Parse;
using testing::SetAttr;

// x [N, 4, 6, 6] -> Conv 3x3 pad 1 (4 -> out channels, group) [-> BN] -> ...
void AddConv(ModelBuilder& b, const std::string& x, const std::string& y, int64_t in,
             int64_t out, bool bias = true, int64_t group = 1, const std::string& prefix = "c") {
  b.Random(prefix + "_w", {out, in / group, 3, 3});
  std::vector<std::string> inputs = {x, prefix + "_w"};
  if (bias) {
    b.Random(prefix + "_b", {out});
    inputs.push_back(prefix + "_b");
  }
  onnx::NodeProto* n = b.Node("Conv", inputs, {y});
  SetAttr(n, "kernel_shape", std::vector<int64_t>{3, 3});
  SetAttr(n, "pads", std::vector<int64_t>{1, 1, 1, 1});
  if (group != 1) SetAttr(n, "group", group);
}

void AddBatchNorm(ModelBuilder& b, const std::string& x, const std::string& y, int64_t c,
                  const std::string& prefix = "bn") {
  b.Random(prefix + "_scale", {c}, 0.5f, 1.5f);
  b.Random(prefix + "_bias", {c});
  b.Random(prefix + "_mean", {c});
  b.Random(prefix + "_var", {c}, 0.1f, 2.0f);
  b.Node("BatchNormalization",
         {x, prefix + "_scale", prefix + "_bias", prefix + "_mean", prefix + "_var"}, {y});
}

TEST(ConvBatchNormTest, FoldsIntoWeightsAndBias) {
  for (bool bias : {true, false}) {
    for (int64_t group : {1, 2, 4}) {
      SCOPED_TRACE(::testing::Message() << "bias " << bias << " group " << group);
      ModelBuilder b;
      b.Input("x", {-1, 4, 6, 6}).Output("y");
      AddConv(b, "x", "c", 4, 8, bias, group);
      AddBatchNorm(b, "c", "y", 8);
      ModelGraph g = Parse(b);
      EXPECT_EQ(FoldConvBatchNorm(g.graph), 1);
      ASSERT_EQ(OpTypes(g.graph), "Conv");
      EXPECT_EQ(g.graph.nodes[0].outputs[0], "y");
      EXPECT_EQ(g.graph.nodes[0].inputs.size(), 3u);
      ExpectSameOutputs(b);
    }
  }
}

TEST(ConvBatchNormTest, DoesNotFoldWhenConvOutputHasAnotherReader) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6}).Output("y").Output("z");
  AddConv(b, "x", "c", 4, 4);
  AddBatchNorm(b, "c", "y", 4);
  b.Node("Relu", {"c"}, {"z"});
  ModelGraph g = Parse(b);
  EXPECT_EQ(FoldConvBatchNorm(g.graph), 0);
  ExpectSameOutputs(b);
}

TEST(ConvBatchNormTest, DoesNotFoldWhenConvOutputIsAGraphOutput) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6}).Output("c").Output("y");
  AddConv(b, "x", "c", 4, 4);
  AddBatchNorm(b, "c", "y", 4);
  ModelGraph g = Parse(b);
  EXPECT_EQ(FoldConvBatchNorm(g.graph), 0);
}

TEST(ConvBatchNormTest, DoesNotFoldNonConstantStatistics) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6}).Input("scale", {4}).Output("y");
  AddConv(b, "x", "c", 4, 4);
  b.Random("bn_bias", {4}).Random("bn_mean", {4}).Random("bn_var", {4}, 0.1f, 1.0f);
  b.Node("BatchNormalization", {"c", "scale", "bn_bias", "bn_mean", "bn_var"}, {"y"});
  ModelGraph g = Parse(b);
  EXPECT_EQ(FoldConvBatchNorm(g.graph), 0);
}

TEST(ConvBatchNormTest, DoesNotFoldNonConstantWeights) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6}).Input("w", {4, 4, 3, 3}).Output("y");
  onnx::NodeProto* n = b.Node("Conv", {"x", "w"}, {"c"});
  SetAttr(n, "pads", std::vector<int64_t>{1, 1, 1, 1});
  AddBatchNorm(b, "c", "y", 4);
  ModelGraph g = Parse(b);
  EXPECT_EQ(FoldConvBatchNorm(g.graph), 0);
}

TEST(FusedConvTest, ConvRelu) {
  ModelBuilder b;
  b.Input("x", {-1, 4, 6, 6}).Output("y");
  AddConv(b, "x", "c", 4, 8);
  b.Node("Relu", {"c"}, {"y"});
  ModelGraph g = Optimized(b);
  ASSERT_EQ(OpTypes(g.graph), "berth.FusedConv");
  const Node& n = g.graph.nodes[0];
  EXPECT_EQ(n.name, "Conv_c");
  EXPECT_EQ(n.FindAttribute("activation")->s, "Relu");
  EXPECT_EQ(n.inputs.size(), 3u);
  EXPECT_EQ(g.opsets.at("berth"), 1);
  ExpectSameOutputs(b);
}

// The ResNet block tail: Conv -> BN -> Add(identity) -> Relu becomes one node.
TEST(FusedConvTest, ConvBatchNormResidualRelu) {
  ModelBuilder b;
  b.Input("x", {-1, 4, 6, 6}).Output("y");
  AddConv(b, "x", "c", 4, 4, /*bias=*/false);
  AddBatchNorm(b, "c", "n", 4);
  b.Node("Add", {"n", "x"}, {"s"});
  b.Node("Relu", {"s"}, {"y"});
  ModelGraph g = Optimized(b);
  ASSERT_EQ(OpTypes(g.graph), "berth.FusedConv");
  const Node& n = g.graph.nodes[0];
  ASSERT_EQ(n.inputs.size(), 4u);
  EXPECT_EQ(n.inputs[0], "x");
  EXPECT_EQ(n.inputs[3], "x");
  EXPECT_EQ(n.outputs[0], "y");
  ExpectSameOutputs(b);
}

// Two branches into one Add (the downsampling block): one Conv takes the other as its sum.
TEST(FusedConvTest, TwoConvBranchesIntoOneAdd) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6}).Output("y");
  AddConv(b, "x", "c1", 4, 8, true, 1, "c1");
  AddConv(b, "x", "c2", 4, 8, true, 1, "c2");
  b.Node("Add", {"c1", "c2"}, {"s"});
  b.Node("Relu", {"s"}, {"y"});
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "Conv,berth.FusedConv");
  ExpectSameOutputs(b);
}

TEST(FusedConvTest, ClipFromConstantInputsAndAttributes) {
  {
    ModelBuilder b(13);
    b.Input("x", {1, 4, 6, 6}).Output("y").Scalar("lo", 0.0f).Scalar("hi", 0.5f);
    AddConv(b, "x", "c", 4, 4);
    b.Node("Clip", {"c", "lo", "hi"}, {"y"});
    ModelGraph g = Optimized(b);
    ASSERT_EQ(OpTypes(g.graph), "berth.FusedConv");
    EXPECT_EQ(g.graph.nodes[0].FindAttribute("activation")->s, "Clip");
    EXPECT_EQ(g.graph.nodes[0].FindAttribute("min")->f, 0.0f);
    EXPECT_EQ(g.graph.nodes[0].FindAttribute("max")->f, 0.5f);
    ExpectSameOutputs(b);
  }
  {
    ModelBuilder b(13);  // only a max
    b.Input("x", {1, 4, 6, 6}).Output("y").Scalar("hi", 0.25f);
    AddConv(b, "x", "c", 4, 4);
    b.Node("Clip", {"c", "", "hi"}, {"y"});
    ModelGraph g = Optimized(b);
    ASSERT_EQ(OpTypes(g.graph), "berth.FusedConv");
    ExpectSameOutputs(b);
  }
  {
    ModelBuilder b(9);
    b.Input("x", {1, 4, 6, 6}).Output("y");
    AddConv(b, "x", "c", 4, 4);
    onnx::NodeProto* clip = b.Node("Clip", {"c"}, {"y"});
    SetAttr(clip, "min", -0.5f);
    SetAttr(clip, "max", 6.0f);
    ModelGraph g = Optimized(b);
    ASSERT_EQ(OpTypes(g.graph), "berth.FusedConv");
    EXPECT_EQ(g.graph.nodes[0].FindAttribute("min")->f, -0.5f);
    ExpectSameOutputs(b);
  }
}

TEST(FusedConvTest, OtherActivations) {
  for (const char* op : {"LeakyRelu", "Sigmoid", "HardSigmoid", "Tanh"}) {
    SCOPED_TRACE(op);
    ModelBuilder b;
    b.Input("x", {1, 4, 6, 6}).Output("y");
    AddConv(b, "x", "c", 4, 4);
    onnx::NodeProto* act = b.Node(op, {"c"}, {"y"});
    if (std::string(op) == "LeakyRelu") SetAttr(act, "alpha", 0.2f);
    ModelGraph g = Optimized(b);
    ASSERT_EQ(OpTypes(g.graph), "berth.FusedConv");
    EXPECT_EQ(g.graph.nodes[0].FindAttribute("activation")->s, op);
    if (std::string(op) == "LeakyRelu") {
      EXPECT_EQ(g.graph.nodes[0].FindAttribute("alpha")->f, 0.2f);
    }
    ExpectSameOutputs(b);
  }
}

TEST(FusedConvTest, PointwiseConvTakesTheSumAndTheActivation) {
  ModelBuilder b;
  b.Input("x", {1, 8, 5, 5}).Output("y").Random("w", {8, 8, 1, 1});
  b.Node("Conv", {"x", "w"}, {"c"});
  b.Node("Add", {"c", "x"}, {"s"});
  b.Node("Relu", {"s"}, {"y"});
  ModelGraph g = Optimized(b);
  ASSERT_EQ(OpTypes(g.graph), "berth.FusedConv");
  EXPECT_EQ(g.graph.nodes[0].inputs.size(), 4u);
  EXPECT_EQ(g.graph.nodes[0].FindAttribute("activation")->s, "Relu");
  ExpectSameOutputs(b);
}

TEST(FusedConvTest, NoSumWhenTheAddBroadcasts) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6}).Input("s", {1, 4, 1, 1}).Output("y");
  AddConv(b, "x", "c", 4, 4);
  b.Node("Add", {"c", "s"}, {"y"});
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "Conv,Add");
  ExpectSameOutputs(b);
}

TEST(FusedConvTest, NoSumWhenTheResidualShapeIsUnknown) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6}).Input("s", {-1, 4, 6, 6}).Output("y");
  AddConv(b, "x", "c", 4, 4);
  b.Node("Add", {"c", "s"}, {"y"});
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "Conv,Add");
}

TEST(FusedConvTest, NothingWhenTheConvOutputHasAnotherReader) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6}).Output("y").Output("z");
  AddConv(b, "x", "c", 4, 4);
  b.Node("Relu", {"c"}, {"y"});
  b.Node("Sigmoid", {"c"}, {"z"});
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "Conv,Relu,Sigmoid");
  ExpectSameOutputs(b);
}

TEST(FusedConvTest, NothingWhenTheConvOutputIsAGraphOutput) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6}).Output("c").Output("y");
  AddConv(b, "x", "c", 4, 4);
  b.Node("Relu", {"c"}, {"y"});
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "Conv,Relu");
}

TEST(FusedConvTest, NoClipWithNonConstantBounds) {
  ModelBuilder b(13);
  b.Input("x", {1, 4, 6, 6}).Input("lo", {}).Output("y");
  AddConv(b, "x", "c", 4, 4);
  b.Node("Clip", {"c", "lo"}, {"y"});
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "Conv,Clip");
}

TEST(FusedConvTest, NoConvWithNonConstantWeights) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6}).Input("w", {4, 4, 3, 3}).Output("y");
  b.Node("Conv", {"x", "w"}, {"c"});
  b.Node("Relu", {"c"}, {"y"});
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "Conv,Relu");
}

// The activation comes before the Add here, which FusedConv cannot express: only the Relu
// is fused and the Add stays.
TEST(FusedConvTest, ActivationBeforeAddKeepsTheAdd) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6}).Output("y");
  AddConv(b, "x", "c", 4, 4);
  b.Node("Relu", {"c"}, {"r"});
  b.Node("Add", {"r", "x"}, {"y"});
  ModelGraph g = Optimized(b);
  EXPECT_EQ(OpTypes(g.graph), "berth.FusedConv,Add");
  EXPECT_EQ(g.graph.nodes[0].inputs.size(), 3u);
  ExpectSameOutputs(b);
}

}  // namespace
}  // namespace berth::engine
