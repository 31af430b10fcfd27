#include "engine/graph/passes/shape_inference.h"

#include "engine/graph/passes/fusions.h"
#include "engine/graph/passes/pass_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ModelBuilder;
using testing::Parse;
using testing::SetAttr;

// "[N,64,56,56]"; fresh symbols print as '?'.
std::string Dims(const ShapeInfo& s, const std::string& v) {
  const DimList* d = s.Shape(v);
  if (d == nullptr) return "unknown";
  std::string out = "[";
  for (size_t i = 0; i < d->size(); ++i) {
    if (i > 0) out += ",";
    const Dim& x = (*d)[i];
    out += x.is_fixed() ? std::to_string(x.value) : (x.symbol[0] == '\x01' ? "?" : x.symbol);
  }
  return out + "]";
}

TEST(ShapeInferenceTest, ConvPoolAndResidual) {
  ModelBuilder b;
  b.Input("x", {-1, 3, 224, 224}).Output("y").Random("w", {64, 3, 7, 7}, 0, 0);
  onnx::NodeProto* c = b.Node("Conv", {"x", "w"}, {"c"});
  SetAttr(c, "strides", std::vector<int64_t>{2, 2});
  SetAttr(c, "pads", std::vector<int64_t>{3, 3, 3, 3});
  b.Node("Relu", {"c"}, {"r"});
  onnx::NodeProto* p = b.Node("MaxPool", {"r"}, {"p"});
  SetAttr(p, "kernel_shape", std::vector<int64_t>{3, 3});
  SetAttr(p, "strides", std::vector<int64_t>{2, 2});
  SetAttr(p, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.Node("GlobalAveragePool", {"p"}, {"g"});
  b.Node("Flatten", {"g"}, {"f"});
  b.Node("Add", {"p", "p"}, {"y"});
  ModelGraph g = Parse(b);
  ShapeInfo s = ShapeInfo::Infer(g.graph);
  EXPECT_EQ(Dims(s, "c"), "[N,64,112,112]");
  EXPECT_EQ(Dims(s, "p"), "[N,64,56,56]");
  EXPECT_EQ(Dims(s, "f"), "[N,64]");
  EXPECT_TRUE(s.SameShape("p", "y"));
  EXPECT_FALSE(s.SameShape("c", "p"));
  EXPECT_EQ(s.Type("y"), DataType::kFloat);
}

// The same network after the channels-last pass: the berth forms' shapes are N, H, W, C.
TEST(ShapeInferenceTest, ChannelsLastForms) {
  ModelBuilder b;
  b.Input("x", {-1, 3, 224, 224}).Output("y").Random("w", {64, 3, 7, 7}, 0, 0);
  onnx::NodeProto* c = b.Node("Conv", {"x", "w"}, {"c"});
  SetAttr(c, "strides", std::vector<int64_t>{2, 2});
  SetAttr(c, "pads", std::vector<int64_t>{3, 3, 3, 3});
  onnx::NodeProto* p = b.Node("MaxPool", {"c"}, {"p"});
  SetAttr(p, "kernel_shape", std::vector<int64_t>{3, 3});
  SetAttr(p, "strides", std::vector<int64_t>{2, 2});
  SetAttr(p, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.Node("GlobalAveragePool", {"p"}, {"g"});
  b.Node("Flatten", {"g"}, {"y"});
  ModelGraph g = Parse(b);
  ASSERT_GT(ConvertToChannelsLast(g.graph, GlobalKernelRegistry()), 0);
  ShapeInfo s = ShapeInfo::Infer(g.graph);
  // Each converted node writes <name>_nhwc and a Transpose gives the old name back.
  EXPECT_EQ(Dims(s, "x_nhwc"), "[N,224,224,3]");
  EXPECT_EQ(Dims(s, "c_nhwc"), "[N,112,112,64]");
  EXPECT_EQ(Dims(s, "p_nhwc"), "[N,56,56,64]");
  EXPECT_EQ(Dims(s, "g_nhwc"), "[N,1,1,64]");
  EXPECT_EQ(Dims(s, "g"), "[N,64,1,1]");
  EXPECT_EQ(Dims(s, "y"), "[N,64]");
}

TEST(ShapeInferenceTest, MatMulGemmAndBroadcast) {
  ModelBuilder b;
  b.Input("a", {-1, 5, 8}).Input("v", {8}).Output("y");
  b.Random("w", {8, 3}).Random("g", {4, 8});
  b.Node("MatMul", {"a", "w"}, {"m"});
  b.Node("MatMul", {"a", "v"}, {"mv"});
  b.Node("Gemm", {"v2", "g"}, {"gm"});
  b.Node("Add", {"m", "w"}, {"bad"});
  b.Input("v2", {2, 4});
  b.Node("Add", {"m", "gm"}, {"y"});
  ModelGraph g = Parse(b);
  ShapeInfo s = ShapeInfo::Infer(g.graph);
  EXPECT_EQ(Dims(s, "m"), "[N,5,3]");
  EXPECT_EQ(Dims(s, "mv"), "[N,5]");
  EXPECT_EQ(Dims(s, "gm"), "[2,8]");
  EXPECT_EQ(Dims(s, "bad"), "unknown");  // [5, 3] + [8, 3] cannot broadcast
  EXPECT_TRUE(s.BroadcastsTo("v", "a"));
  EXPECT_FALSE(s.BroadcastsTo("a", "v"));
}

TEST(ShapeInferenceTest, ShapeArithmeticFeedsReshape) {
  ModelBuilder b;
  b.Input("x", {-1, 128, 256}).Output("y");
  b.Ints("i0", {}, {0}).Ints("ax", {1}, {0}).Ints("rest", {3}, {128, 4, -1});
  b.Node("Shape", {"x"}, {"shp"});
  b.Node("Gather", {"shp", "i0"}, {"n"});
  b.Node("Unsqueeze", {"n", "ax"}, {"nu"});
  SetAttr(b.Node("Concat", {"nu", "rest"}, {"target"}), "axis", int64_t{0});
  b.Node("Reshape", {"x", "target"}, {"r"});
  SetAttr(b.Node("Transpose", {"r"}, {"t"}), "perm", std::vector<int64_t>{0, 2, 1, 3});
  b.Node("Relu", {"t"}, {"y"});
  ModelGraph g = Parse(b);
  ShapeInfo s = ShapeInfo::Infer(g.graph);
  EXPECT_EQ(Dims(s, "target"), "[4]");
  EXPECT_EQ(Dims(s, "r"), "[N,128,4,64]");
  EXPECT_EQ(Dims(s, "y"), "[N,4,128,64]");
}

TEST(ShapeInferenceTest, UnknownOpsGiveFreshButConsistentSymbols) {
  ModelBuilder b;
  b.Input("x", {2, 3}).Input("t", {2}, onnx::TensorProto::INT64).Output("y");
  b.Node("Reshape", {"x", "t"}, {"r"});  // rank 2, dims unknown
  b.Node("Relu", {"r"}, {"a"});
  b.Node("Sigmoid", {"r"}, {"c"});
  b.Node("Add", {"a", "c"}, {"y"});
  b.Node("NonZero", {"x"}, {"nz"});
  ModelGraph g = Parse(b);
  ShapeInfo s = ShapeInfo::Infer(g.graph);
  EXPECT_EQ(Dims(s, "r"), "[?,?]");
  EXPECT_TRUE(s.SameShape("a", "c"));
  EXPECT_FALSE(s.SameShape("a", "x"));
  EXPECT_EQ(Dims(s, "nz"), "unknown");
}

TEST(ShapeInferenceTest, SliceSplitAndReduce) {
  ModelBuilder b;
  b.Input("x", {-1, 12, 10}).Output("y");
  b.Ints("st", {1}, {2}).Ints("en", {1}, {-1}).Ints("axs", {1}, {2}).Ints("sp", {3}, {4, 4, 4});
  b.Node("Slice", {"x", "st", "en", "axs"}, {"sl"});
  SetAttr(b.Node("Split", {"x", "sp"}, {"s0", "s1", "s2"}), "axis", int64_t{1});
  SetAttr(b.Node("ReduceMean", {"x"}, {"rm"}), "axes", std::vector<int64_t>{-1});
  onnx::NodeProto* r = b.Node("ReduceSum", {"x"}, {"y"});
  SetAttr(r, "keepdims", int64_t{0});
  ModelGraph g = Parse(b);
  ShapeInfo s = ShapeInfo::Infer(g.graph);
  EXPECT_EQ(Dims(s, "sl"), "[N,12,7]");
  EXPECT_EQ(Dims(s, "s1"), "[N,4,10]");
  EXPECT_EQ(Dims(s, "rm"), "[N,12,1]");
  EXPECT_EQ(Dims(s, "y"), "[]");
}

}  // namespace
}  // namespace berth::engine
