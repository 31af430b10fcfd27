// Small ONNX graphs built in memory and run through the engine, for the optimize tests
// (pruning and quantization).
#ifndef BERTH_OPTIMIZE_PRUNE_TEST_UTIL_H_
#define BERTH_OPTIMIZE_PRUNE_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/core/tensor.h"
#include "engine/runtime/model.h"
#include "onnx/onnx_pb.h"

namespace berth::optimize::testing {

// Builds a one-graph model (opset 17) node by node.
class GraphBuilder {
 public:
  GraphBuilder() {
    model_.set_ir_version(8);
    model_.set_producer_name("berth-prune-test");
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(17);
  }

  // A float graph input or output of `dims` (-1: the symbolic batch "N").
  GraphBuilder& Input(const std::string& name, const std::vector<int64_t>& dims) {
    AddValue(model_.mutable_graph()->mutable_input(), name, dims);
    return *this;
  }
  GraphBuilder& Output(const std::string& name, const std::vector<int64_t>& dims) {
    AddValue(model_.mutable_graph()->mutable_output(), name, dims);
    return *this;
  }
  // A float initializer; values are float_data (not raw) to check both are read.
  GraphBuilder& Weight(const std::string& name, const std::vector<int64_t>& dims,
                       const std::vector<float>& values) {
    onnx::TensorProto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
    return *this;
  }
  // A weight of `dims` whose element i is `scale * (i % 7 - 3) + offset` (deterministic).
  GraphBuilder& Pattern(const std::string& name, const std::vector<int64_t>& dims,
                        float scale = 0.1f, float offset = 0.01f) {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    std::vector<float> v(n);
    for (int64_t i = 0; i < n; ++i) v[i] = scale * static_cast<float>(i % 7 - 3) + offset;
    return Weight(name, dims, v);
  }
  GraphBuilder& Node(const std::string& op, const std::vector<std::string>& inputs,
                     const std::vector<std::string>& outputs,
                     const std::vector<std::pair<std::string, int64_t>>& ints = {}) {
    onnx::NodeProto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(outputs.empty() ? op : op + "_" + outputs[0]);
    for (const std::string& i : inputs) n->add_input(i);
    for (const std::string& o : outputs) n->add_output(o);
    for (const auto& [name, value] : ints) {
      onnx::AttributeProto* a = n->add_attribute();
      a->set_name(name);
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(value);
    }
    return *this;
  }
  // Sets INTS attribute `name` of the last node.
  GraphBuilder& Ints(const std::string& name, const std::vector<int64_t>& values) {
    onnx::AttributeProto* a =
        model_.mutable_graph()->mutable_node(model_.graph().node_size() - 1)->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : values) a->add_ints(v);
    return *this;
  }

  onnx::ModelProto Build() const { return model_; }

 private:
  static void AddValue(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list,
                       const std::string& name, const std::vector<int64_t>& dims) {
    onnx::ValueInfoProto* v = list->Add();
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) {
      if (d < 0) {
        t->mutable_shape()->add_dim()->set_dim_param("N");
      } else {
        t->mutable_shape()->add_dim()->set_dim_value(d);
      }
    }
  }

  onnx::ModelProto model_;
};

// A float tensor of `dims` filled with a fixed pseudo-random sequence in [-1, 1).
inline engine::Tensor RandomInput(const std::vector<int64_t>& dims, uint32_t seed = 1) {
  engine::Tensor t(engine::DataType::kFloat, engine::Shape(dims.begin(), dims.end()));
  uint32_t x = seed * 2654435761u + 1;
  for (float& v : t.span<float>()) {
    x = x * 1664525u + 1013904223u;
    v = static_cast<float>(x >> 8) / static_cast<float>(1u << 23) - 1.0f;
  }
  return t;
}

// Loads `model` in the engine (one thread) and runs it on `input`; the first output's values.
inline absl::StatusOr<std::vector<float>> RunModel(const onnx::ModelProto& model,
                                                   const engine::Tensor& input,
                                                   std::vector<int64_t>* shape = nullptr) {
  std::string bytes;
  model.SerializeToString(&bytes);
  engine::ModelOptions options;
  options.intra_op_threads = 1;
  absl::StatusOr<std::unique_ptr<engine::Model>> loaded =
      engine::Model::LoadFromBytes(bytes, options);
  if (!loaded.ok()) return loaded.status();
  std::vector<engine::Tensor> outputs;
  absl::Status st = (*loaded)->Run({&input}, &outputs);
  if (!st.ok()) return st;
  if (shape != nullptr) shape->assign(outputs[0].shape().begin(), outputs[0].shape().end());
  absl::Span<const float> v = outputs[0].span<float>();
  return std::vector<float>(v.begin(), v.end());
}

}  // namespace berth::optimize::testing

#endif  // BERTH_OPTIMIZE_PRUNE_TEST_UTIL_H_
