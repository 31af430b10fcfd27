// The LayerNorm subgraph fusion.
#include "engine/graph/passes/fusions.h"
#include "engine/graph/passes/pass_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectSameOutputs;
using testing::ModelBuilder;
using testing::OpTypes;
using testing::Parse;
using testing::SetAttr;

struct LayerNormOptions {
  std::vector<int64_t> axes = {-1};
  bool gamma = true;
  bool beta = true;
  bool square_by_mul = false;
};

// The torch opset-13 export of nn.LayerNorm over x [N, 3, 8] (axes as an attribute).
void AddLayerNorm(ModelBuilder& b, const std::string& x, const std::string& y,
                  const LayerNormOptions& o = {}) {
  b.Scalar("two", 2.0f).Scalar("eps", 1e-5f).Random("gamma", {8}, 0.5f, 1.5f).Random("beta", {8});
  SetAttr(b.Node("ReduceMean", {x}, {"mean"}), "axes", o.axes);
  b.Node("Sub", {x, "mean"}, {"d"});
  if (o.square_by_mul) {
    b.Node("Mul", {"d", "d"}, {"sq"});
  } else {
    b.Node("Pow", {"d", "two"}, {"sq"});
  }
  SetAttr(b.Node("ReduceMean", {"sq"}, {"var"}), "axes", o.axes);
  b.Node("Add", {"var", "eps"}, {"ve"});
  b.Node("Sqrt", {"ve"}, {"std"});
  std::string cur = o.gamma || o.beta ? "n" : y;
  b.Node("Div", {"d", "std"}, {cur});
  if (o.gamma) {
    b.Node("Mul", {cur, "gamma"}, {o.beta ? "scaled" : y});
    cur = "scaled";
  }
  if (o.beta) b.Node("Add", {cur, "beta"}, {y});
}

bool LayerNormAvailable(int opset) {
  return HasKernel(GlobalKernelRegistry(), "", "LayerNormalization", opset, DataType::kFloat) ||
         HasKernel(GlobalKernelRegistry(), "berth", "LayerNormalization", 1, DataType::kFloat);
}

TEST(LayerNormFusionTest, FusesTheExportedSubgraph) {
  for (int variant = 0; variant < 4; ++variant) {
    SCOPED_TRACE(variant);
    LayerNormOptions o;
    o.gamma = variant != 1;
    o.beta = variant != 2;
    o.square_by_mul = variant == 3;
    ModelBuilder b(17);
    b.Input("x", {-1, 3, 8}).Output("y");
    AddLayerNorm(b, "x", "y", o);
    ModelGraph g = Parse(b);
    ASSERT_TRUE(LayerNormAvailable(17));
    EXPECT_EQ(FuseLayerNorm(g.graph, g.opsets, GlobalKernelRegistry()), 1);
    ASSERT_EQ(OpTypes(g.graph), "LayerNormalization");
    const Node& n = g.graph.nodes[0];
    EXPECT_EQ(n.FindAttribute("axis")->i, -1);
    EXPECT_FLOAT_EQ(n.FindAttribute("epsilon")->f, 1e-5f);
    EXPECT_EQ(n.inputs.size(), o.beta ? 3u : 2u);
    EXPECT_EQ(n.outputs[0], "y");
    ExpectSameOutputs(b);
  }
}

TEST(LayerNormFusionTest, PositiveAndMultipleTrailingAxes) {
  LayerNormOptions o;
  o.axes = {2, 1};
  ModelBuilder b(17);
  b.Input("x", {2, 3, 8}).Output("y");
  AddLayerNorm(b, "x", "y", o);
  ModelGraph g = Parse(b);
  EXPECT_EQ(FuseLayerNorm(g.graph, g.opsets, GlobalKernelRegistry()), 1);
  ASSERT_EQ(OpTypes(g.graph), "LayerNormalization");
  EXPECT_EQ(g.graph.nodes[0].FindAttribute("axis")->i, -2);
  ExpectSameOutputs(b);
}

TEST(LayerNormFusionTest, OpsetWithoutAKernelIsLeftAlone) {
  ModelBuilder b(13);
  b.Input("x", {2, 3, 8}).Output("y");
  AddLayerNorm(b, "x", "y");
  ModelGraph g = Parse(b);
  EXPECT_EQ(FuseLayerNorm(g.graph, g.opsets, GlobalKernelRegistry()),
            LayerNormAvailable(13) ? 1 : 0);
  ExpectSameOutputs(b);
}

TEST(LayerNormFusionTest, NotOverLeadingAxes) {
  LayerNormOptions o;
  o.axes = {1};
  ModelBuilder b(17);
  b.Input("x", {2, 8, 8}).Output("y");
  AddLayerNorm(b, "x", "y", o);
  ModelGraph g = Parse(b);
  EXPECT_EQ(FuseLayerNorm(g.graph, g.opsets, GlobalKernelRegistry()), 0);
}

TEST(LayerNormFusionTest, NotWhenAnIntermediateHasAnotherReader) {
  ModelBuilder b(17);
  b.Input("x", {2, 3, 8}).Output("y").Output("z");
  AddLayerNorm(b, "x", "y");
  b.Node("Relu", {"d"}, {"z"});
  ModelGraph g = Parse(b);
  EXPECT_EQ(FuseLayerNorm(g.graph, g.opsets, GlobalKernelRegistry()), 0);
}

TEST(LayerNormFusionTest, NotWhenAnIntermediateIsAGraphOutput) {
  ModelBuilder b(17);
  b.Input("x", {2, 3, 8}).Output("y").Output("var");
  AddLayerNorm(b, "x", "y");
  ModelGraph g = Parse(b);
  EXPECT_EQ(FuseLayerNorm(g.graph, g.opsets, GlobalKernelRegistry()), 0);
}

TEST(LayerNormFusionTest, GammaThatIsNotConstantStaysOutside) {
  ModelBuilder b(17);
  b.Input("x", {2, 3, 8}).Input("g", {8}).Output("y");
  AddLayerNorm(b, "x", "n", LayerNormOptions{.gamma = false, .beta = false});
  b.Node("Mul", {"n", "g"}, {"y"});
  ModelGraph g = Parse(b);
  EXPECT_EQ(FuseLayerNorm(g.graph, g.opsets, GlobalKernelRegistry()), 1);
  EXPECT_EQ(OpTypes(g.graph), "LayerNormalization,Mul");
  ExpectSameOutputs(b);
}

}  // namespace
}  // namespace berth::engine
