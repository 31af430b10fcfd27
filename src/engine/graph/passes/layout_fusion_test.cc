// Transpose cancellation and Reshape collapsing.
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

void AddTranspose(ModelBuilder& b, const std::string& x, const std::string& y,
                  std::vector<int64_t> perm) {
  SetAttr(b.Node("Transpose", {x}, {y}), "perm", std::move(perm));
}

TEST(TransposeFusionTest, InversePairsCancel) {
  ModelBuilder b;
  b.Input("x", {2, 3, 4, 5}).Output("y");
  AddTranspose(b, "x", "t1", {0, 2, 3, 1});
  AddTranspose(b, "t1", "t2", {0, 3, 1, 2});
  b.Node("Relu", {"t2"}, {"y"});
  ModelGraph g = Parse(b);
  EXPECT_EQ(FuseTransposes(g.graph), 1);
  ASSERT_EQ(OpTypes(g.graph), "Relu");
  EXPECT_EQ(g.graph.nodes[0].inputs[0], "x");
  ExpectSameOutputs(b);
}

TEST(TransposeFusionTest, ConsecutiveOnesCompose) {
  ModelBuilder b;
  b.Input("x", {2, 3, 4}).Output("y");
  AddTranspose(b, "x", "t1", {1, 0, 2});
  AddTranspose(b, "t1", "t2", {0, 2, 1});
  AddTranspose(b, "t2", "y", {2, 1, 0});
  ModelGraph g = Parse(b);
  EXPECT_EQ(FuseTransposes(g.graph), 2);
  ASSERT_EQ(OpTypes(g.graph), "Transpose");
  EXPECT_EQ(g.graph.nodes[0].inputs[0], "x");
  EXPECT_EQ(g.graph.nodes[0].outputs[0], "y");
  ExpectSameOutputs(b);
}

TEST(TransposeFusionTest, IdentityThatIsAGraphOutputStays) {
  ModelBuilder b;
  b.Input("x", {2, 3}).Output("y");
  AddTranspose(b, "x", "t1", {1, 0});
  AddTranspose(b, "t1", "y", {1, 0});
  ModelGraph g = Parse(b);
  // The pair cannot vanish (y must be produced), but the two compose into one.
  EXPECT_EQ(FuseTransposes(g.graph), 1);
  ASSERT_EQ(OpTypes(g.graph), "Transpose");
  EXPECT_EQ(g.graph.nodes[0].FindAttribute("perm")->ints, (std::vector<int64_t>{0, 1}));
  ExpectSameOutputs(b);
}

TEST(TransposeFusionTest, SharedFirstTransposeIsKept) {
  ModelBuilder b;
  b.Input("x", {2, 3, 4}).Output("y").Output("z");
  AddTranspose(b, "x", "t1", {1, 0, 2});
  AddTranspose(b, "t1", "t2", {0, 2, 1});
  b.Node("Relu", {"t2"}, {"y"});
  b.Node("Relu", {"t1"}, {"z"});
  ModelGraph g = Parse(b);
  EXPECT_EQ(FuseTransposes(g.graph), 0);

  // With an inverse pair, the second goes even though the first has another reader.
  ModelBuilder c;
  c.Input("x", {2, 3, 4}).Output("y").Output("z");
  AddTranspose(c, "x", "t1", {1, 0, 2});
  AddTranspose(c, "t1", "t2", {1, 0, 2});
  c.Node("Relu", {"t2"}, {"y"});
  c.Node("Relu", {"t1"}, {"z"});
  g = Parse(c);
  EXPECT_EQ(FuseTransposes(g.graph), 1);
  EXPECT_EQ(OpTypes(g.graph), "Transpose,Relu,Relu");
  ExpectSameOutputs(c);
}

TEST(ReshapeFusionTest, ChainBecomesOneReshape) {
  ModelBuilder b;
  b.Input("x", {-1, 4, 3, 1}).Output("y").Ints("axes", {1}, {3}).Ints("shape", {3}, {0, 2, 6});
  b.Node("Squeeze", {"x", "axes"}, {"s"});      // [N, 4, 3]
  SetAttr(b.Node("Flatten", {"s"}, {"f"}), "axis", int64_t{1});  // [N, 12]
  b.Node("Reshape", {"f", "shape"}, {"r"});     // [N, 2, 6]
  b.Ints("uaxes", {1}, {0});
  b.Node("Unsqueeze", {"r", "uaxes"}, {"y"});   // [1, N, 2, 6]
  ModelGraph g = Optimized(b);
  ASSERT_EQ(OpTypes(g.graph), "Reshape");
  const Tensor& shape = *g.graph.initializers.at(g.graph.nodes[0].inputs[1]);
  ASSERT_EQ(shape.num_elements(), 4);
  EXPECT_EQ(std::vector<int64_t>(shape.data<int64_t>(), shape.data<int64_t>() + 4),
            (std::vector<int64_t>{1, -1, 2, 6}));
  ExpectSameOutputs(b);
}

// torch's x.view(b, s, h, d): the shape is computed from Shape(x) at run time.
TEST(ReshapeFusionTest, ComputedShapeBecomesConstant) {
  ModelBuilder b;
  b.Input("x", {-1, 5, 8}).Output("y");
  b.Ints("i0", {}, {0}).Ints("i1", {}, {1}).Ints("ax", {1}, {0}).Ints("hd", {2}, {2, 4});
  b.Node("Shape", {"x"}, {"shp"});
  b.Node("Gather", {"shp", "i0"}, {"b"});
  b.Node("Gather", {"shp", "i1"}, {"s"});
  b.Node("Unsqueeze", {"b", "ax"}, {"bu"});
  b.Node("Unsqueeze", {"s", "ax"}, {"su"});
  SetAttr(b.Node("Concat", {"bu", "su", "hd"}, {"target"}), "axis", int64_t{0});
  b.Node("Reshape", {"x", "target"}, {"r"});
  b.Node("Relu", {"r"}, {"y"});
  ModelGraph g = Optimized(b);
  ASSERT_EQ(OpTypes(g.graph), "Reshape,Relu");
  const Tensor& shape = *g.graph.initializers.at(g.graph.nodes[0].inputs[1]);
  EXPECT_EQ(std::vector<int64_t>(shape.data<int64_t>(), shape.data<int64_t>() + 4),
            (std::vector<int64_t>{0, 5, 2, 4}));
  ExpectSameOutputs(b);
}

TEST(ReshapeFusionTest, NotThroughAGraphOutputOrASecondReader) {
  ModelBuilder b;
  b.Input("x", {2, 12}).Output("f").Output("y").Output("z");
  b.Ints("s1", {2}, {4, 6}).Ints("s2", {3}, {2, 2, 6});
  b.Node("Reshape", {"x", "s1"}, {"f"});
  b.Node("Reshape", {"f", "s2"}, {"y"});
  b.Node("Reshape", {"y", "s1"}, {"z"});
  ModelGraph g = Parse(b);
  EXPECT_EQ(CollapseReshapes(g.graph, g.opsets), 0);
}

TEST(ReshapeFusionTest, UnknownFinalShapeIsLeftAlone) {
  ModelBuilder b;
  b.Input("x", {-1, 12}).Input("t", {3}, onnx::TensorProto::INT64).Output("y");
  b.Ints("s1", {2}, {-1, 6});
  b.Node("Reshape", {"x", "s1"}, {"f"});
  b.Node("Reshape", {"f", "t"}, {"y"});
  ModelGraph g = Parse(b);
  EXPECT_EQ(CollapseReshapes(g.graph, g.opsets), 0);
}

}  // namespace
}  // namespace berth::engine
