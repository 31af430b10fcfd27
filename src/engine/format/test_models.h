// Builders of small ONNX models in memory, for tests.
#ifndef BERTH_ENGINE_FORMAT_TEST_MODELS_H_
#define BERTH_ENGINE_FORMAT_TEST_MODELS_H_

#include <string>
#include <vector>

#include "onnx/onnx_pb.h"

namespace berth::engine::testing {

// Adds a float tensor value info; a dim of -1 becomes the symbol "N".
inline void AddValueInfo(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list,
                         const std::string& name, const std::vector<int64_t>& dims,
                         int elem_type = onnx::TensorProto::FLOAT) {
  onnx::ValueInfoProto* v = list->Add();
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem_type);
  for (int64_t d : dims) {
    auto* dim = t->mutable_shape()->add_dim();
    if (d < 0) {
      dim->set_dim_param("N");
    } else {
      dim->set_dim_value(d);
    }
  }
}

// y = Relu(x + b) over [N, 4] floats, with b an initializer of four values.
inline onnx::ModelProto AddReluModel(int opset = 13) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("berth-test");
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("add_relu");
  AddValueInfo(g->mutable_input(), "x", {-1, 4});
  AddValueInfo(g->mutable_output(), "y", {-1, 4});
  onnx::TensorProto* b = g->add_initializer();
  b->set_name("b");
  b->set_data_type(onnx::TensorProto::FLOAT);
  b->add_dims(4);
  for (float v : {1.0f, -1.0f, 0.5f, -3.0f}) b->add_float_data(v);
  onnx::NodeProto* add = g->add_node();
  add->set_op_type("Add");
  add->set_name("add");
  add->add_input("x");
  add->add_input("b");
  add->add_output("sum");
  onnx::NodeProto* relu = g->add_node();
  relu->set_op_type("Relu");
  relu->set_name("relu");
  relu->add_input("sum");
  relu->add_output("y");
  return m;
}

inline std::string Serialize(const onnx::ModelProto& m) {
  std::string s;
  m.SerializeToString(&s);
  return s;
}

}  // namespace berth::engine::testing

#endif  // BERTH_ENGINE_FORMAT_TEST_MODELS_H_
