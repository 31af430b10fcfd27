// The quantizers on small hand-made graphs: the structure of what they write (contract C3)
// and that the engine's outputs stay close to the float model's.
#include "optimize/quantize.h"

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/format/tensor_proto.h"
#include "engine/runtime/model.h"
#include "gtest/gtest.h"
#include "optimize/optimize.h"
#include "optimize/prune_test_util.h"

namespace berth::optimize {
namespace {

using engine::DataType;
using engine::Tensor;

Tensor Random(engine::Shape shape, uint32_t seed, float lo, float hi) {
  Tensor t(DataType::kFloat, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

using testing::GraphBuilder;

// `n` values uniform in [-scale, scale), fixed by `seed`.
std::vector<float> RandomValues(int64_t n, uint32_t seed, float scale) {
  std::vector<float> v(n);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  for (float& x : v) x = dist(rng);
  return v;
}

GraphBuilder& Weight(GraphBuilder& b, const std::string& name, std::vector<int64_t> dims,
                     uint32_t seed, float scale = 0.5f) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return b.Weight(name, dims, RandomValues(n, seed, scale));
}

onnx::ModelProto WithOpset(onnx::ModelProto model, int64_t opset) {
  model.mutable_opset_import(0)->set_version(opset);
  return model;
}

void SetFloat(onnx::ModelProto& model, int node, const std::string& name, float value) {
  onnx::AttributeProto* a = model.mutable_graph()->mutable_node(node)->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

// Conv-Relu, a residual Conv and Add-Relu, MaxPool, GlobalAveragePool, Flatten, Gemm.
onnx::ModelProto ConvNet(int64_t opset = 13) {
  GraphBuilder b;
  b.Input("x", {-1, 2, 8, 8});
  Weight(b, "w1", {4, 2, 3, 3}, 1);
  Weight(b, "b1", {4}, 2, 0.1f);
  Weight(b, "w2", {4, 4, 3, 3}, 3, 0.3f);
  Weight(b, "b2", {4}, 4, 0.1f);
  Weight(b, "fc_w", {5, 4}, 5);
  Weight(b, "fc_b", {5}, 6, 0.1f);
  b.Node("Conv", {"x", "w1", "b1"}, {"c1"}).Ints("pads", {1, 1, 1, 1});
  b.Node("Relu", {"c1"}, {"r1"});
  b.Node("MaxPool", {"r1"}, {"p1"}).Ints("kernel_shape", {2, 2}).Ints("strides", {2, 2});
  b.Node("Conv", {"p1", "w2", "b2"}, {"c2"}).Ints("pads", {1, 1, 1, 1});
  b.Node("Add", {"c2", "p1"}, {"sum"});
  b.Node("Relu", {"sum"}, {"r2"});
  b.Node("GlobalAveragePool", {"r2"}, {"gap"});
  b.Node("Flatten", {"gap"}, {"flat"});
  b.Node("Gemm", {"flat", "fc_w", "fc_b"}, {"y"}, {{"transB", 1}});
  b.Output("y", {-1, 5});
  return WithOpset(b.Build(), opset);
}

// MatMul + bias Add, Relu, Gemm (transB = 0).
onnx::ModelProto MatMulNet(int64_t opset = 13) {
  GraphBuilder b;
  b.Input("x", {-1, 8});
  Weight(b, "w1", {8, 6}, 11);
  Weight(b, "b1", {6}, 12, 0.1f);
  Weight(b, "w2", {6, 3}, 13);
  Weight(b, "b2", {3}, 14, 0.1f);
  b.Node("MatMul", {"x", "w1"}, {"m1"});
  b.Node("Add", {"m1", "b1"}, {"a1"});
  b.Node("Relu", {"a1"}, {"r1"});
  b.Node("Gemm", {"r1", "w2", "b2"}, {"y"});
  b.Output("y", {-1, 3});
  return WithOpset(b.Build(), opset);
}

// The first output of `model` on `input`, through the engine.
std::vector<float> Outputs(const onnx::ModelProto& model, const Tensor& input) {
  absl::StatusOr<std::vector<float>> out = testing::RunModel(model, input);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::vector<float>{};
}

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / std::sqrt(na * nb);
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    worst = std::max(worst, std::fabs(double{a[i]} - b[i]));
  }
  return worst;
}

// Runs both models on `x`: the rewritten one's outputs within `max_abs_diff` of the
// original's and at a cosine similarity above 0.999.
void ExpectClose(const onnx::ModelProto& original, const onnx::ModelProto& model, const Tensor& x,
                 double max_abs_diff) {
  std::vector<float> want = Outputs(original, x);
  std::vector<float> got = Outputs(model, x);
  ASSERT_FALSE(got.empty());
  EXPECT_GT(Cosine(want, got), 0.999);
  EXPECT_LT(MaxAbsDiff(want, got), max_abs_diff);
}

std::map<std::string, int> OpCounts(const onnx::ModelProto& model) {
  std::map<std::string, int> counts;
  for (const onnx::NodeProto& n : model.graph().node()) ++counts[n.op_type()];
  return counts;
}

const onnx::NodeProto* Producer(const onnx::ModelProto& model, const std::string& tensor) {
  for (const onnx::NodeProto& n : model.graph().node()) {
    for (const std::string& out : n.output()) {
      if (out == tensor) return &n;
    }
  }
  return nullptr;
}

const onnx::TensorProto* Initializer(const onnx::ModelProto& model, const std::string& name) {
  for (const onnx::TensorProto& t : model.graph().initializer()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

int64_t Axis(const onnx::NodeProto& n) {
  for (const onnx::AttributeProto& a : n.attribute()) {
    if (a.name() == "axis") return a.i();
  }
  return 1;  // the default
}

std::vector<dataset::NamedTensor> Calibration(engine::Shape shape, uint32_t seed) {
  std::vector<dataset::NamedTensor> data;
  data.push_back({"x", Random(shape, seed, 0.0f, 1.0f)});
  return data;
}

// The DequantizeLinear feeding input `k` of the first node of type `op`, checked to read
// an initializer of `type`.
const onnx::NodeProto* WeightDq(const onnx::ModelProto& model, const std::string& op, int k,
                                int type, int nth = 0) {
  for (const onnx::NodeProto& n : model.graph().node()) {
    if (n.op_type() != op || nth-- > 0) continue;
    const onnx::NodeProto* dq = Producer(model, n.input(k));
    if (dq == nullptr || dq->op_type() != "DequantizeLinear") return nullptr;
    const onnx::TensorProto* q = Initializer(model, dq->input(0));
    if (q == nullptr || q->data_type() != type) return nullptr;
    return dq;
  }
  return nullptr;
}

TEST(QuantizeStaticTest, WritesQdqWithPerChannelWeightsAndInt32Biases) {
  onnx::ModelProto model = ConvNet();
  absl::StatusOr<QuantizeReport> report =
      QuantizeStatic(model, Calibration({32, 2, 8, 8}, 7), CalibrationOptions{});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->nodes["Conv"], 2);
  EXPECT_EQ(report->nodes["Gemm"], 1);
  EXPECT_EQ(report->weights, 3);
  EXPECT_EQ(report->biases, 3);
  std::map<std::string, int> ops = OpCounts(model);
  EXPECT_EQ(ops["Relu"], 2);  // kept
  EXPECT_EQ(ops["Conv"], 2);
  // x, r1, p1 (shares r1's scale), c2, r2, gap, flat: 7 Q -> DQ pairs.
  EXPECT_EQ(report->activations, 7);
  EXPECT_EQ(ops["QuantizeLinear"], 7);
  EXPECT_EQ(ops["DequantizeLinear"], 7 + 3 + 3);
  for (int nth = 0; nth < 2; ++nth) {
    const onnx::NodeProto* w = WeightDq(model, "Conv", 1, onnx::TensorProto::INT8, nth);
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(Axis(*w), 0);
    const onnx::TensorProto* zp = Initializer(model, w->input(2));
    ASSERT_NE(zp, nullptr);
    EXPECT_EQ(zp->dims_size(), 1);
    EXPECT_EQ(zp->dims(0), 4);
    ASSERT_NE(WeightDq(model, "Conv", 2, onnx::TensorProto::INT32, nth), nullptr);
  }
  const onnx::NodeProto* fc = WeightDq(model, "Gemm", 1, onnx::TensorProto::INT8);
  ASSERT_NE(fc, nullptr);
  EXPECT_EQ(Axis(*fc), 0);  // transB = 1
  // The Relu after the first Conv is quantized after it; the Conv's own output is not.
  const onnx::NodeProto* relu = Producer(model, "r1");
  ASSERT_NE(relu, nullptr);
  EXPECT_EQ(relu->op_type(), "Relu");
  EXPECT_EQ(relu->input(0), "c1");
  EXPECT_EQ(Producer(model, "y")->op_type(), "Gemm");  // the output stays float
  // Activations are uint8 with a scalar scale.
  for (const onnx::NodeProto& n : model.graph().node()) {
    if (n.op_type() != "QuantizeLinear") continue;
    const onnx::TensorProto* zp = Initializer(model, n.input(2));
    ASSERT_NE(zp, nullptr);
    EXPECT_EQ(zp->data_type(), onnx::TensorProto::UINT8);
  }
  // No float weight is left behind.
  EXPECT_EQ(Initializer(model, "w1"), nullptr);
  EXPECT_EQ(Initializer(model, "fc_w"), nullptr);
}

TEST(QuantizeStaticTest, EngineOutputsStayClose) {
  const onnx::ModelProto original = ConvNet();
  onnx::ModelProto model = original;
  ASSERT_TRUE(QuantizeStatic(model, Calibration({64, 2, 8, 8}, 7), CalibrationOptions{}).ok());
  Tensor x = Random({16, 2, 8, 8}, 99, 0.0f, 1.0f);
  ExpectClose(original, model, x, 0.05);
}

TEST(QuantizeStaticTest, MatMulWeightsAlongAxisOne) {
  const onnx::ModelProto original = MatMulNet();
  onnx::ModelProto model = original;
  CalibrationOptions options;
  options.method = CalibrationMethod::kPercentile;
  options.percentile = 99.99;
  absl::StatusOr<QuantizeReport> report = QuantizeStatic(model, Calibration({128, 8}, 3), options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->nodes["MatMul"], 1);
  EXPECT_EQ(report->nodes["Gemm"], 1);
  const onnx::NodeProto* w = WeightDq(model, "MatMul", 1, onnx::TensorProto::INT8);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(Axis(*w), 1);
  const onnx::NodeProto* g = WeightDq(model, "Gemm", 1, onnx::TensorProto::INT8);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(Axis(*g), 1);  // transB = 0: B is [K, N]
  Tensor x = Random({32, 8}, 5, 0.0f, 1.0f);
  ExpectClose(original, model, x, 1.0);
}

TEST(QuantizeStaticTest, KeepsAClipWithConstantBoundsAndQuantizesAfterIt) {
  GraphBuilder b;
  b.Input("x", {-1, 2, 6, 6});
  Weight(b, "w1", {4, 2, 3, 3}, 31);
  Weight(b, "w2", {3, 4, 1, 1}, 32);
  b.Weight("lo", {}, {0.0f}).Weight("hi", {}, {0.5f});
  b.Node("Conv", {"x", "w1"}, {"c1"});
  b.Node("Clip", {"c1", "lo", "hi"}, {"r1"});
  b.Node("Conv", {"r1", "w2"}, {"y"});
  b.Output("y", {-1, 3, 4, 4});
  const onnx::ModelProto original = b.Build();
  onnx::ModelProto model = original;
  absl::StatusOr<QuantizeReport> report =
      QuantizeStatic(model, Calibration({16, 2, 6, 6}, 9), CalibrationOptions{});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->activations, 2);  // x and the Clip's output; c1 stays float
  const onnx::NodeProto* clip = Producer(model, "r1");
  ASSERT_NE(clip, nullptr);
  EXPECT_EQ(clip->op_type(), "Clip");
  EXPECT_EQ(clip->input(0), "c1");
  ExpectClose(original, model, Random({4, 2, 6, 6}, 10, 0.0f, 1.0f), 0.02);
}

TEST(QuantizeStaticTest, RefusesOldOpsetsAndDataThatDoesNotFit) {
  onnx::ModelProto old = ConvNet(12);
  absl::Status status = QuantizeStatic(old, Calibration({4, 2, 8, 8}, 1), {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("opset 13"), std::string::npos) << status;

  onnx::ModelProto model = ConvNet();
  std::vector<dataset::NamedTensor> wrong_name;
  wrong_name.push_back({"image", Random({4, 2, 8, 8}, 1, 0, 1)});
  status = QuantizeStatic(model, wrong_name, {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("'x'"), std::string::npos) << status;

  model = ConvNet();
  std::vector<dataset::NamedTensor> empty;
  empty.push_back({"x", Tensor(DataType::kFloat, {0, 2, 8, 8})});
  EXPECT_FALSE(QuantizeStatic(model, empty, {}).ok());

  model = ConvNet();
  std::vector<dataset::NamedTensor> nan;
  nan.push_back({"x", Random({2, 2, 8, 8}, 1, 0, 1)});
  nan[0].tensor.data<float>()[3] = NAN;
  status = QuantizeStatic(model, nan, {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("not finite"), std::string::npos) << status;
}

TEST(QuantizeDynamicTest, WritesMatMulIntegerChains) {
  const onnx::ModelProto original = MatMulNet();
  onnx::ModelProto model = original;
  absl::StatusOr<QuantizeReport> report = QuantizeDynamic(model);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->nodes["MatMul"], 1);
  EXPECT_EQ(report->nodes["Gemm"], 1);
  std::map<std::string, int> ops = OpCounts(model);
  EXPECT_EQ(ops["DynamicQuantizeLinear"], 2);
  EXPECT_EQ(ops["MatMulInteger"], 2);
  EXPECT_EQ(ops["Cast"], 2);
  EXPECT_EQ(ops["Mul"], 4);  // the scale product and the rescale, per node
  EXPECT_EQ(ops["Add"], 2);  // the MatMul's own bias Add and the Gemm's C
  EXPECT_EQ(ops["Gemm"], 0);
  EXPECT_EQ(ops["MatMul"], 0);
  for (const onnx::NodeProto& n : model.graph().node()) {
    if (n.op_type() != "MatMulInteger") continue;
    const onnx::TensorProto* w = Initializer(model, n.input(1));
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->data_type(), onnx::TensorProto::INT8);
    const onnx::TensorProto* zp = Initializer(model, n.input(3));
    ASSERT_NE(zp, nullptr);
    EXPECT_EQ(zp->data_type(), onnx::TensorProto::INT8);
    EXPECT_EQ(Producer(model, n.input(0))->op_type(), "DynamicQuantizeLinear");
  }
  // The Gemm's weight [6, 3] (transB = 0) stays [K, N].
  Tensor x = Random({32, 8}, 5, 0.0f, 1.0f);
  ExpectClose(original, model, x, 0.05);
}

TEST(QuantizeDynamicTest, GemmWithTransBAlphaAndBetaIsFoldedIntoConstants) {
  GraphBuilder b;
  b.Input("x", {-1, 4});
  Weight(b, "w", {3, 4}, 21);
  Weight(b, "c", {3}, 22);
  b.Node("Gemm", {"x", "w", "c"}, {"y"}, {{"transB", 1}});
  b.Output("y", {-1, 3});
  onnx::ModelProto built = b.Build();
  SetFloat(built, 0, "alpha", 2.0f);
  SetFloat(built, 0, "beta", 0.5f);
  const onnx::ModelProto original = built;
  onnx::ModelProto model = original;
  ASSERT_TRUE(QuantizeDynamic(model).ok());
  Tensor x = Random({8, 4}, 6, -1.0f, 1.0f);
  ExpectClose(original, model, x, 1.0);
}

// An If whose branches read an initializer of the enclosing graph: the quantizers must leave
// it there.
onnx::ModelProto WithIfReadingOuterWeight() {
  GraphBuilder b;
  b.Input("x", {-1, 4});
  Weight(b, "w", {4, 3}, 41);
  Weight(b, "outer", {3}, 42);
  b.Node("MatMul", {"x", "w"}, {"y"});
  b.Output("y", {-1, 3});
  b.Output("z", {3});
  onnx::ModelProto model = b.Build();
  onnx::TensorProto* cond = model.mutable_graph()->add_initializer();
  cond->set_name("cond");
  cond->set_data_type(onnx::TensorProto::BOOL);
  cond->add_int32_data(1);
  onnx::NodeProto* node = model.mutable_graph()->add_node();
  node->set_op_type("If");
  node->set_name("if");
  node->add_input("cond");
  node->add_output("z");
  for (const char* name : {"then_branch", "else_branch"}) {
    onnx::AttributeProto* a = node->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::GRAPH);
    onnx::GraphProto* g = a->mutable_g();
    g->set_name(name);
    onnx::NodeProto* id = g->add_node();
    id->set_op_type("Identity");
    id->add_input("outer");
    id->add_output(std::string(name) + "_out");
    onnx::ValueInfoProto* out = g->add_output();
    out->set_name(std::string(name) + "_out");
    out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    out->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(3);
  }
  return model;
}

TEST(QuantizeDynamicTest, KeepsInitializersThatSubgraphsRead) {
  const onnx::ModelProto original = WithIfReadingOuterWeight();
  onnx::ModelProto model = original;
  ASSERT_TRUE(QuantizeDynamic(model).ok());
  EXPECT_NE(Initializer(model, "outer"), nullptr);
  EXPECT_EQ(Initializer(model, "w"), nullptr);  // only the MatMul read it
  ExpectClose(original, model, Random({2, 4}, 43, 0.0f, 1.0f), 0.05);
}

TEST(QuantizeDynamicTest, NothingToQuantizeIsAnError) {
  GraphBuilder b;
  b.Input("x", {-1, 4});
  b.Node("Relu", {"x"}, {"y"});
  b.Output("y", {-1, 4});
  onnx::ModelProto relu = b.Build();
  absl::Status status = QuantizeDynamic(relu).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

class HalfTest : public ::testing::TestWithParam<QuantizeMethod> {};

TEST_P(HalfTest, WeightsThroughCastOutputsClose) {
  const onnx::ModelProto original = ConvNet();
  onnx::ModelProto model = original;
  absl::StatusOr<QuantizeReport> report = ConvertWeightsToHalf(model, GetParam());
  ASSERT_TRUE(report.ok()) << report.status();
  // w1 (72), w2 (144), fc_w (20) are converted; the 4- and 5-element biases stay float.
  EXPECT_EQ(report->weights, 3);
  const int want_type = GetParam() == QuantizeMethod::kFloat16 ? onnx::TensorProto::FLOAT16
                                                               : onnx::TensorProto::BFLOAT16;
  const onnx::NodeProto* cast = Producer(model, "w1");
  ASSERT_NE(cast, nullptr);
  EXPECT_EQ(cast->op_type(), "Cast");
  ASSERT_NE(Initializer(model, cast->input(0)), nullptr);
  EXPECT_EQ(Initializer(model, cast->input(0))->data_type(), want_type);
  EXPECT_EQ(Initializer(model, "b1")->data_type(), onnx::TensorProto::FLOAT);
  EXPECT_EQ(model.graph().input(0).type().tensor_type().elem_type(), onnx::TensorProto::FLOAT);
  Tensor x = Random({4, 2, 8, 8}, 8, 0.0f, 1.0f);
  ExpectClose(original, model, x, GetParam() == QuantizeMethod::kFloat16 ? 2e-3 : 2e-2);
}

INSTANTIATE_TEST_SUITE_P(Methods, HalfTest,
                         ::testing::Values(QuantizeMethod::kFloat16, QuantizeMethod::kBFloat16));

TEST(HalfTest, ValuesBeyondFloat16StayFloat) {
  GraphBuilder b;
  b.Input("x", {-1, 16});
  std::vector<float> values = RandomValues(256, 3, 0.5f);
  values[0] = 1e6f;  // beyond float16
  b.Weight("big", {16, 16}, values);
  b.Node("MatMul", {"x", "big"}, {"y"});
  b.Output("y", {-1, 16});
  onnx::ModelProto model = b.Build();
  absl::Status status = ConvertWeightsToHalf(model, QuantizeMethod::kFloat16).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);  // nothing else to convert
  onnx::ModelProto bf = b.Build();
  EXPECT_TRUE(ConvertWeightsToHalf(bf, QuantizeMethod::kBFloat16).ok());
}

TEST(OptimizeModelTest, ChecksItsOptionsAndDescribesTheResult) {
  std::string bytes;
  ASSERT_TRUE(ConvNet().SerializeToString(&bytes));
  OptimizeOptions options;
  EXPECT_EQ(OptimizeModel(bytes, options).status().code(), absl::StatusCode::kInvalidArgument);
  options.quantize = QuantizeMethod::kInt8Static;
  absl::Status status = OptimizeModel(bytes, options).status();
  EXPECT_NE(status.message().find("calibration"), std::string::npos) << status;
  options.quantize = QuantizeMethod::kFloat16;
  options.calibration_files = {"data.npz"};
  EXPECT_EQ(OptimizeModel(bytes, options).status().code(), absl::StatusCode::kInvalidArgument);
  options.calibration_files.clear();
  EXPECT_FALSE(OptimizeModel("not a model", options).ok());
  absl::StatusOr<OptimizeResult> result = OptimizeModel(bytes, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_LT(result->bytes_after, result->bytes_before);
  std::vector<std::string> lines = DescribeResult(*result);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.front().find("3 weights"), std::string::npos) << lines.front();
}

TEST(QuantizeMethodTest, NamesRoundTrip) {
  for (QuantizeMethod m : {QuantizeMethod::kInt8Dynamic, QuantizeMethod::kInt8Static,
                           QuantizeMethod::kFloat16, QuantizeMethod::kBFloat16}) {
    absl::StatusOr<QuantizeMethod> parsed = ParseQuantizeMethod(QuantizeMethodName(m));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, m);
  }
  EXPECT_FALSE(ParseQuantizeMethod("int4").ok());
}

}  // namespace
}  // namespace berth::optimize
