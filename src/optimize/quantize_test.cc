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

class GraphBuilder {
 public:
  explicit GraphBuilder(int64_t opset) {
    model_.set_ir_version(8);
    onnx::OperatorSetIdProto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model_.mutable_graph()->set_name("test");
  }

  void Input(const std::string& name, std::vector<int64_t> dims) {
    ValueInfo(model_.mutable_graph()->add_input(), name, dims);
  }
  void Output(const std::string& name) {
    ValueInfo(model_.mutable_graph()->add_output(), name, {});
  }

  void Weight(const std::string& name, engine::Shape shape, uint32_t seed, float scale = 0.5f) {
    Tensor t = Random(shape, seed, -scale, scale);
    ASSERT_TRUE(engine::TensorToProto(t, name, model_.mutable_graph()->add_initializer()).ok());
  }

  onnx::NodeProto& Node(const std::string& op, std::vector<std::string> inputs,
                        std::vector<std::string> outputs) {
    onnx::NodeProto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(outputs[0] + "_node");
    for (const std::string& in : inputs) n->add_input(in);
    for (const std::string& out : outputs) n->add_output(out);
    return *n;
  }

  static void Ints(onnx::NodeProto& n, const std::string& name, std::vector<int64_t> values) {
    onnx::AttributeProto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : values) a->add_ints(v);
  }
  static void Int(onnx::NodeProto& n, const std::string& name, int64_t value) {
    onnx::AttributeProto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }

  onnx::ModelProto& model() { return model_; }

 private:
  static void ValueInfo(onnx::ValueInfoProto* v, const std::string& name,
                        const std::vector<int64_t>& dims) {
    v->set_name(name);
    onnx::TypeProto::Tensor* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    if (dims.empty()) return;
    for (int64_t d : dims) {
      if (d < 0) {
        t->mutable_shape()->add_dim()->set_dim_param("batch");
      } else {
        t->mutable_shape()->add_dim()->set_dim_value(d);
      }
    }
  }

  onnx::ModelProto model_;
};

// Conv-Relu, a residual Conv and Add-Relu, MaxPool, GlobalAveragePool, Flatten, Gemm.
onnx::ModelProto ConvNet(int64_t opset = 13) {
  GraphBuilder b(opset);
  b.Input("x", {-1, 2, 8, 8});
  b.Weight("w1", {4, 2, 3, 3}, 1);
  b.Weight("b1", {4}, 2, 0.1f);
  b.Weight("w2", {4, 4, 3, 3}, 3, 0.3f);
  b.Weight("b2", {4}, 4, 0.1f);
  b.Weight("fc_w", {5, 4}, 5);
  b.Weight("fc_b", {5}, 6, 0.1f);
  onnx::NodeProto& c1 = b.Node("Conv", {"x", "w1", "b1"}, {"c1"});
  GraphBuilder::Ints(c1, "pads", {1, 1, 1, 1});
  b.Node("Relu", {"c1"}, {"r1"});
  onnx::NodeProto& pool = b.Node("MaxPool", {"r1"}, {"p1"});
  GraphBuilder::Ints(pool, "kernel_shape", {2, 2});
  GraphBuilder::Ints(pool, "strides", {2, 2});
  onnx::NodeProto& c2 = b.Node("Conv", {"p1", "w2", "b2"}, {"c2"});
  GraphBuilder::Ints(c2, "pads", {1, 1, 1, 1});
  b.Node("Add", {"c2", "p1"}, {"sum"});
  b.Node("Relu", {"sum"}, {"r2"});
  b.Node("GlobalAveragePool", {"r2"}, {"gap"});
  b.Node("Flatten", {"gap"}, {"flat"});
  onnx::NodeProto& fc = b.Node("Gemm", {"flat", "fc_w", "fc_b"}, {"y"});
  GraphBuilder::Int(fc, "transB", 1);
  b.Output("y");
  return b.model();
}

// MatMul + bias Add, Relu, Gemm (transB = 0).
onnx::ModelProto MatMulNet(int64_t opset = 13) {
  GraphBuilder b(opset);
  b.Input("x", {-1, 8});
  b.Weight("w1", {8, 6}, 11);
  b.Weight("b1", {6}, 12, 0.1f);
  b.Weight("w2", {6, 3}, 13);
  b.Weight("b2", {3}, 14, 0.1f);
  b.Node("MatMul", {"x", "w1"}, {"m1"});
  b.Node("Add", {"m1", "b1"}, {"a1"});
  b.Node("Relu", {"a1"}, {"r1"});
  b.Node("Gemm", {"r1", "w2", "b2"}, {"y"});
  b.Output("y");
  return b.model();
}

std::vector<Tensor> RunModel(const onnx::ModelProto& model, const Tensor& input) {
  std::string bytes;
  EXPECT_TRUE(model.SerializeToString(&bytes));
  absl::StatusOr<std::unique_ptr<engine::Model>> m =
      engine::Model::LoadFromBytes(bytes, engine::ModelOptions{});
  EXPECT_TRUE(m.ok()) << m.status();
  std::vector<Tensor> outputs;
  if (!m.ok()) return outputs;
  absl::Status ran = (*m)->Run({&input}, &outputs);
  EXPECT_TRUE(ran.ok()) << ran;
  return outputs;
}

double Cosine(const Tensor& a, const Tensor& b) {
  double dot = 0, na = 0, nb = 0;
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    dot += a.data<float>()[i] * b.data<float>()[i];
    na += a.data<float>()[i] * a.data<float>()[i];
    nb += b.data<float>()[i] * b.data<float>()[i];
  }
  return dot / std::sqrt(na * nb);
}

double MaxAbsDiff(const Tensor& a, const Tensor& b) {
  double worst = 0;
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    worst = std::max(worst, std::fabs(double{a.data<float>()[i]} - b.data<float>()[i]));
  }
  return worst;
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
  std::vector<Tensor> want = RunModel(original, x);
  std::vector<Tensor> got = RunModel(model, x);
  ASSERT_EQ(want.size(), 1u);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_GT(Cosine(want[0], got[0]), 0.999);
  EXPECT_LT(MaxAbsDiff(want[0], got[0]), 0.05);
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
  std::vector<Tensor> want = RunModel(original, x);
  std::vector<Tensor> got = RunModel(model, x);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_GT(Cosine(want[0], got[0]), 0.999);
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
  std::vector<Tensor> want = RunModel(original, x);
  std::vector<Tensor> got = RunModel(model, x);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_GT(Cosine(want[0], got[0]), 0.999);
  EXPECT_LT(MaxAbsDiff(want[0], got[0]), 0.05);
}

TEST(QuantizeDynamicTest, GemmWithTransBAlphaAndBetaIsFoldedIntoConstants) {
  GraphBuilder b(13);
  b.Input("x", {-1, 4});
  b.Weight("w", {3, 4}, 21);
  b.Weight("c", {3}, 22);
  onnx::NodeProto& g = b.Node("Gemm", {"x", "w", "c"}, {"y"});
  GraphBuilder::Int(g, "transB", 1);
  onnx::AttributeProto* alpha = g.add_attribute();
  alpha->set_name("alpha");
  alpha->set_type(onnx::AttributeProto::FLOAT);
  alpha->set_f(2.0f);
  onnx::AttributeProto* beta = g.add_attribute();
  beta->set_name("beta");
  beta->set_type(onnx::AttributeProto::FLOAT);
  beta->set_f(0.5f);
  b.Output("y");
  const onnx::ModelProto original = b.model();
  onnx::ModelProto model = original;
  ASSERT_TRUE(QuantizeDynamic(model).ok());
  Tensor x = Random({8, 4}, 6, -1.0f, 1.0f);
  std::vector<Tensor> want = RunModel(original, x);
  std::vector<Tensor> got = RunModel(model, x);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_GT(Cosine(want[0], got[0]), 0.999);
}

TEST(QuantizeDynamicTest, NothingToQuantizeIsAnError) {
  GraphBuilder b(13);
  b.Input("x", {-1, 4});
  b.Node("Relu", {"x"}, {"y"});
  b.Output("y");
  absl::Status status = QuantizeDynamic(b.model()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

class HalfTest : public testing::TestWithParam<QuantizeMethod> {};

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
  std::vector<Tensor> want = RunModel(original, x);
  std::vector<Tensor> got = RunModel(model, x);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_LT(MaxAbsDiff(want[0], got[0]), GetParam() == QuantizeMethod::kFloat16 ? 2e-3 : 2e-2);
}

INSTANTIATE_TEST_SUITE_P(Methods, HalfTest,
                         testing::Values(QuantizeMethod::kFloat16, QuantizeMethod::kBFloat16));

TEST(HalfTest, ValuesBeyondFloat16StayFloat) {
  GraphBuilder b(13);
  b.Input("x", {-1, 16});
  b.Weight("big", {16, 16}, 3);
  b.Node("MatMul", {"x", "big"}, {"y"});
  b.Output("y");
  onnx::ModelProto model = b.model();
  onnx::TensorProto& w = *model.mutable_graph()->mutable_initializer(0);
  std::string raw = w.raw_data();
  float huge = 1e6f;
  std::memcpy(raw.data(), &huge, sizeof(huge));
  w.set_raw_data(raw);
  absl::Status status = ConvertWeightsToHalf(model, QuantizeMethod::kFloat16).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);  // nothing else to convert
  onnx::ModelProto bf = b.model();
  *bf.mutable_graph()->mutable_initializer(0) = w;
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
