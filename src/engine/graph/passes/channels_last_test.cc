// The channels-last layout pass: which Transposes remain, and that outputs do not change.
#include "engine/graph/passes/fusions.h"
#include "engine/graph/passes/pass_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectSameOutputs;
using testing::ModelBuilder;
using testing::OpTypes;
using testing::Optimized;
using testing::SetAttr;

ModelGraph ChannelsLast(const ModelBuilder& b) {
  return Optimized(b, OptimizeOptions{.channels_last = true});
}

onnx::NodeProto* AddConv(ModelBuilder& b, const std::string& x, const std::string& y,
                         int64_t in, int64_t out, int64_t k, const std::string& prefix) {
  b.Random(prefix + "_w", {out, in, k, k});
  b.Random(prefix + "_b", {out});
  onnx::NodeProto* n = b.Node("Conv", {x, prefix + "_w", prefix + "_b"}, {y});
  SetAttr(n, "kernel_shape", std::vector<int64_t>{k, k});
  const int64_t pad = k / 2;
  SetAttr(n, "pads", std::vector<int64_t>{pad, pad, pad, pad});
  return n;
}

int CountOps(const Graph& graph, const std::string& op_type) {
  int n = 0;
  for (const Node& node : graph.nodes) n += node.op_type == op_type;
  return n;
}

const Node* FindNode(const Graph& graph, const std::string& domain, const std::string& op) {
  for (const Node& node : graph.nodes) {
    if (node.domain == domain && node.op_type == op) return &node;
  }
  return nullptr;
}

// Conv-Relu, MaxPool, Conv + residual + Relu, GlobalAveragePool, Flatten: a ResNet stage.
TEST(ChannelsLastTest, ResidualBlockKeepsTransposesOnlyAtTheBorders) {
  ModelBuilder b;
  b.Input("x", {2, 3, 10, 10}).Output("y");
  AddConv(b, "x", "c1", 3, 8, 3, "c1");
  b.Node("Relu", {"c1"}, {"r1"});
  onnx::NodeProto* pool = b.Node("MaxPool", {"r1"}, {"p"});
  SetAttr(pool, "kernel_shape", std::vector<int64_t>{3, 3});
  SetAttr(pool, "strides", std::vector<int64_t>{2, 2});
  SetAttr(pool, "pads", std::vector<int64_t>{1, 1, 1, 1});
  AddConv(b, "p", "c2", 8, 8, 3, "c2");
  b.Node("Add", {"c2", "p"}, {"s"});
  b.Node("Relu", {"s"}, {"r2"});
  b.Node("GlobalAveragePool", {"r2"}, {"g"});
  b.Node("Flatten", {"g"}, {"y"});
  ModelGraph g = ChannelsLast(b);
  EXPECT_EQ(OpTypes(g.graph),
            "Transpose,berth.FusedConv,berth.MaxPool,berth.FusedConv,"
            "berth.GlobalAveragePool,Transpose,Flatten");
  for (const Node& node : g.graph.nodes) {
    if (node.domain == "berth") {
      EXPECT_EQ(node.FindAttribute("channels_last")->i, 1) << node.op_type;
    }
  }
  ExpectSameOutputs(b);
}

// Two convolutions read x (one Transpose serves both) and meet in a Mul, which runs
// channels-last between them and the last convolution.
TEST(ChannelsLastTest, ElementwiseOpsBetweenConvolutionsRunChannelsLast) {
  ModelBuilder b;
  b.Input("x", {1, 4, 7, 7}).Output("y").Scalar("half", 0.5f);
  AddConv(b, "x", "a", 4, 6, 3, "a");
  AddConv(b, "x", "c", 4, 6, 1, "c");
  b.Node("Mul", {"a", "c"}, {"m"});
  b.Node("Sigmoid", {"m"}, {"s"});
  b.Node("Mul", {"s", "half"}, {"h"});
  AddConv(b, "h", "y", 6, 5, 3, "d");
  ModelGraph g = ChannelsLast(b);
  EXPECT_EQ(CountOps(g.graph, "Transpose"), 2) << OpTypes(g.graph);
  EXPECT_EQ(g.graph.nodes.front().op_type, "Transpose");
  EXPECT_EQ(g.graph.nodes.back().op_type, "Transpose");
  ExpectSameOutputs(b);
}

// Inception and DenseNet join branches with a Concat along the channels: it runs
// channels-last too, its axis moved to the last dim (-3 is the channel axis of a rank-4 x).
TEST(ChannelsLastTest, ConcatOfBranchesRunsChannelsLast) {
  for (int64_t axis : {int64_t{1}, int64_t{-3}, int64_t{2}}) {
    SCOPED_TRACE(::testing::Message() << "axis " << axis);
    ModelBuilder b;
    b.Input("x", {1, 4, 6, 6}).Output("y");
    AddConv(b, "x", "a", 4, 3, 3, "a");
    AddConv(b, "x", "c", 4, axis == 2 ? 3 : 5, 1, "c");
    onnx::NodeProto* cat = b.Node("Concat", {"a", "c", "a"}, {"j"});
    SetAttr(cat, "axis", axis);
    const int64_t channels = axis == 2 ? 3 : 11;
    if (axis == 2) {
      b.Node("Relu", {"j"}, {"y"});  // joined along H: the result leaves channels-last
    } else {
      AddConv(b, "j", "y", channels, 2, 3, "d");
    }
    ModelGraph g = ChannelsLast(b);
    EXPECT_EQ(CountOps(g.graph, "Transpose"), 2) << OpTypes(g.graph);
    EXPECT_EQ(FindNode(g.graph, "", "Concat")->FindAttribute("axis")->i, axis == 2 ? 1 : 3);
    ExpectSameOutputs(b);
  }
}

// A residual that broadcasts cannot be the FusedConv's Sum, and it arrives channels-first:
// the Add stays channels-first after a Transpose back.
TEST(ChannelsLastTest, ChannelsFirstOperandStopsTheTranspose) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6}).Input("bias", {1, 4, 1, 1}).Output("y");
  AddConv(b, "x", "c", 4, 4, 3, "c");
  b.Node("Add", {"c", "bias"}, {"y"});
  ModelGraph g = ChannelsLast(b);
  EXPECT_EQ(OpTypes(g.graph), "Transpose,berth.FusedConv,Transpose,Add");
  ExpectSameOutputs(b);
}

// A window entirely inside the padding is not expressible in oneDNN's pooling: that MaxPool
// stays channels-first.
TEST(ChannelsLastTest, PoolWithPadsAsLargeAsTheWindowStaysChannelsFirst) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6}).Output("y");
  AddConv(b, "x", "c", 4, 4, 3, "c");
  onnx::NodeProto* pool = b.Node("MaxPool", {"c"}, {"y"});
  SetAttr(pool, "kernel_shape", std::vector<int64_t>{2, 2});
  SetAttr(pool, "pads", std::vector<int64_t>{2, 2, 2, 2});
  ModelGraph g = ChannelsLast(b);
  EXPECT_EQ(OpTypes(g.graph), "Transpose,berth.FusedConv,Transpose,MaxPool");
  ExpectSameOutputs(b);
}

TEST(ChannelsLastTest, AveragePoolAndOneDimensionalConvolutions) {
  ModelBuilder b;
  b.Input("x", {2, 3, 16}).Output("y");
  b.Random("w1", {5, 3, 3}).Random("w2", {4, 5, 3});
  onnx::NodeProto* c1 = b.Node("Conv", {"x", "w1"}, {"c1"});
  SetAttr(c1, "pads", std::vector<int64_t>{1, 1});
  onnx::NodeProto* pool = b.Node("AveragePool", {"c1"}, {"p"});
  SetAttr(pool, "kernel_shape", std::vector<int64_t>{3});
  SetAttr(pool, "pads", std::vector<int64_t>{1, 1});
  SetAttr(pool, "count_include_pad", int64_t{1});
  b.Node("Conv", {"p", "w2"}, {"y"});
  ModelGraph g = ChannelsLast(b);
  EXPECT_EQ(OpTypes(g.graph),
            "Transpose,berth.FusedConv,berth.AveragePool,berth.FusedConv,Transpose");
  EXPECT_EQ(FindNode(g.graph, "", "Transpose")->FindAttribute("perm")->ints,
            (std::vector<int64_t>{0, 2, 1}));
  ExpectSameOutputs(b);
}

TEST(ChannelsLastTest, ConvWithRuntimeWeightsStaysChannelsFirst) {
  ModelBuilder b;
  b.Input("x", {1, 4, 6, 6}).Input("w", {4, 4, 3, 3}).Output("y");
  b.Node("Conv", {"x", "w"}, {"y"});
  ModelGraph g = ChannelsLast(b);
  EXPECT_EQ(OpTypes(g.graph), "Conv");
}

}  // namespace
}  // namespace berth::engine
