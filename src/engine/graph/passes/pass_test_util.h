// Helpers for the pass tests: build small ONNX models in C++, look at the graph the passes
// make of them, and check that optimized and unoptimized models compute the same outputs.
#ifndef BERTH_ENGINE_GRAPH_PASSES_PASS_TEST_UTIL_H_
#define BERTH_ENGINE_GRAPH_PASSES_PASS_TEST_UTIL_H_

#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/format/onnx_loader.h"
#include "engine/graph/passes/optimize.h"
#include "engine/kernels/registry.h"
#include "engine/runtime/execution_plan.h"
#include "engine/runtime/model.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"

namespace berth::engine::testing {

// ONNX element types of the integer initializers (ModelBuilder::SmallInts).
constexpr int kInt8 = onnx::TensorProto::INT8;
constexpr int kUint8 = onnx::TensorProto::UINT8;
constexpr int kInt32 = onnx::TensorProto::INT32;

// n values uniform in [lo, hi] from `seed`.
template <typename T>
std::vector<T> RandomValues(size_t n, T lo, T hi, uint32_t seed) {
  std::mt19937 rng(seed);
  using Dist = std::conditional_t<std::is_integral_v<T>, std::uniform_int_distribution<T>,
                                  std::uniform_real_distribution<T>>;
  Dist dist(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = dist(rng);
  return v;
}

class ModelBuilder {
 public:
  explicit ModelBuilder(int opset = 13) {
    model_.set_ir_version(8);
    model_.set_producer_name("berth-passes-test");
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model_.mutable_graph()->set_name("test");
  }

  // A float input; a negative dim becomes the symbol "N".
  ModelBuilder& Input(const std::string& name, const std::vector<int64_t>& dims,
                      int elem_type = onnx::TensorProto::FLOAT) {
    AddValue(model_.mutable_graph()->mutable_input(), name, &dims, elem_type);
    input_dims_.push_back(dims);
    return *this;
  }
  // An output with its type only (the shape is left undeclared).
  ModelBuilder& Output(const std::string& name, int elem_type = onnx::TensorProto::FLOAT) {
    AddValue(model_.mutable_graph()->mutable_output(), name, nullptr, elem_type);
    return *this;
  }
  ModelBuilder& Floats(const std::string& name, const std::vector<int64_t>& dims,
                       const std::vector<float>& values) {
    onnx::TensorProto* t = NewInitializer(name, dims, onnx::TensorProto::FLOAT);
    for (float v : values) t->add_float_data(v);
    return *this;
  }
  // Uniform in [lo, hi), from a fixed seed per name.
  ModelBuilder& Random(const std::string& name, const std::vector<int64_t>& dims, float lo = -1,
                       float hi = 1) {
    std::mt19937 gen(static_cast<uint32_t>(std::hash<std::string>()(name)));
    std::uniform_real_distribution<float> dist(lo, hi);
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    std::vector<float> v(n);
    for (float& x : v) x = dist(gen);
    return Floats(name, dims, v);
  }
  ModelBuilder& Scalar(const std::string& name, float v) { return Floats(name, {}, {v}); }
  // An 8-, 16- or 32-bit integer initializer of `elem_type` (INT8, UINT8, INT32, ...); the
  // values go to int32_data (ONNX's field for them when not in raw_data).
  ModelBuilder& SmallInts(const std::string& name, const std::vector<int64_t>& dims, int elem_type,
                          const std::vector<int32_t>& values) {
    onnx::TensorProto* t = NewInitializer(name, dims, elem_type);
    for (int32_t v : values) t->add_int32_data(v);
    return *this;
  }
  ModelBuilder& Ints(const std::string& name, const std::vector<int64_t>& dims,
                     const std::vector<int64_t>& values) {
    onnx::TensorProto* t = NewInitializer(name, dims, onnx::TensorProto::INT64);
    for (int64_t v : values) t->add_int64_data(v);
    return *this;
  }

  onnx::NodeProto* Node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs) {
    onnx::NodeProto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(op + "_" + outputs[0]);
    for (const std::string& in : inputs) n->add_input(in);
    for (const std::string& out : outputs) n->add_output(out);
    return n;
  }

  std::string Bytes() const {
    std::string s;
    model_.SerializeToString(&s);
    return s;
  }
  const std::vector<std::vector<int64_t>>& input_dims() const { return input_dims_; }

 private:
  static void AddValue(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list,
                       const std::string& name, const std::vector<int64_t>* dims, int elem_type) {
    onnx::ValueInfoProto* v = list->Add();
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(elem_type);
    if (dims == nullptr) return;
    auto* shape = t->mutable_shape();
    for (int64_t d : *dims) {
      auto* dim = shape->add_dim();
      if (d < 0) {
        dim->set_dim_param("N");
      } else {
        dim->set_dim_value(d);
      }
    }
  }
  onnx::TensorProto* NewInitializer(const std::string& name, const std::vector<int64_t>& dims,
                                    int type) {
    onnx::TensorProto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (int64_t d : dims) t->add_dims(d);
    return t;
  }

  onnx::ModelProto model_;
  std::vector<std::vector<int64_t>> input_dims_;
};

inline void SetAttr(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void SetAttr(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
inline void SetAttr(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}
inline void SetAttr(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

// The parsed graph before any pass.
inline ModelGraph Parse(const ModelBuilder& b) {
  absl::StatusOr<ModelGraph> g = ParseOnnxModel(b.Bytes(), "");
  EXPECT_TRUE(g.ok()) << g.status();
  return g.ok() ? std::move(*g) : ModelGraph();
}

// The graph after OptimizeGraph; channels-last off unless asked (the fusion tests read the
// fused graph without layout Transposes).
inline ModelGraph Optimized(const ModelBuilder& b,
                            OptimizeOptions options = {.channels_last = false}) {
  ModelGraph g = Parse(b);
  absl::Status st = OptimizeGraph(g, GlobalKernelRegistry(), options);
  EXPECT_TRUE(st.ok()) << st;
  return g;
}

// "Relu,berth.FusedConv,..." in node order.
inline std::string OpTypes(const Graph& g) {
  std::string s;
  for (const Node& n : g.nodes) {
    if (!s.empty()) s += ",";
    s += n.domain.empty() ? n.op_type : n.domain + "." + n.op_type;
  }
  return s;
}

inline const Node* FindOp(const Graph& g, const std::string& op) {
  for (const Node& n : g.nodes) {
    if (n.op_type == op) return &n;
  }
  return nullptr;
}

// Inputs for the model's declared inputs (symbolic dims become `batch`), uniform in [-2, 2).
inline std::vector<Tensor> RandomInputs(const ModelBuilder& b, int64_t batch = 2) {
  std::vector<Tensor> out;
  std::mt19937 gen(42);
  std::uniform_real_distribution<float> dist(-2, 2);
  for (const std::vector<int64_t>& dims : b.input_dims()) {
    Shape shape;
    for (int64_t d : dims) shape.push_back(d < 0 ? batch : d);
    Tensor t(DataType::kFloat, shape);
    for (float& v : t.span<float>()) v = dist(gen);
    out.push_back(std::move(t));
  }
  return out;
}

inline void ExpectClose(const std::vector<Tensor>& got, const std::vector<Tensor>& want,
                        const std::string& what, float tol) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].shape(), want[i].shape()) << what << " output " << i;
    ASSERT_EQ(got[i].dtype(), DataType::kFloat) << what;
    for (int64_t k = 0; k < got[i].num_elements(); ++k) {
      const float a = got[i].data<float>()[k], b = want[i].data<float>()[k];
      ASSERT_LE(std::abs(a - b), tol * std::max(1.0f, std::abs(b)))
          << what << " output " << i << " element " << k << ": " << a << " vs " << b;
    }
  }
}

inline std::vector<const Tensor*> Pointers(const std::vector<Tensor>& inputs) {
  std::vector<const Tensor*> p;
  for (const Tensor& t : inputs) p.push_back(&t);
  return p;
}

// Runs the model without passes and with them, through Model::LoadFromBytes and (to check
// the passes independently of the runtime's handling of opsets) through an ExecutionPlan
// built from OptimizeGraph's result; expects the same outputs within `tol` (relative above
// magnitude 1, absolute below).
inline void ExpectSameOutputs(const ModelBuilder& b, const std::vector<Tensor>& inputs,
                              float tol = 1e-5f) {
  ModelOptions plain;
  plain.optimize = false;
  plain.intra_op_threads = 2;
  ModelOptions optimized = plain;
  optimized.optimize = true;
  const std::string bytes = b.Bytes();
  absl::StatusOr<std::unique_ptr<Model>> reference = Model::LoadFromBytes(bytes, plain);
  ASSERT_TRUE(reference.ok()) << reference.status();
  std::vector<Tensor> want;
  absl::Status st = (*reference)->Run(Pointers(inputs), &want);
  ASSERT_TRUE(st.ok()) << st;

  ModelGraph g = Optimized(b);
  auto shared = std::make_shared<const Graph>(std::move(g.graph));
  absl::StatusOr<std::unique_ptr<ExecutionPlan>> plan =
      ExecutionPlan::Create(shared, g.opsets, GlobalKernelRegistry(), 2);
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::vector<Tensor> got_plan;
  st = (*plan)->Run(Pointers(inputs), &got_plan);
  ASSERT_TRUE(st.ok()) << st;
  ExpectClose(got_plan, want, "optimized plan", tol);

  absl::StatusOr<std::unique_ptr<Model>> model = Model::LoadFromBytes(bytes, optimized);
  ASSERT_TRUE(model.ok()) << model.status();
  std::vector<Tensor> got;
  st = (*model)->Run(Pointers(inputs), &got);
  ASSERT_TRUE(st.ok()) << st;
  ExpectClose(got, want, "optimized model", tol);
}

inline void ExpectSameOutputs(const ModelBuilder& b, float tol = 1e-5f) {
  ExpectSameOutputs(b, RandomInputs(b), tol);
}

}  // namespace berth::engine::testing

#endif  // BERTH_ENGINE_GRAPH_PASSES_PASS_TEST_UTIL_H_
