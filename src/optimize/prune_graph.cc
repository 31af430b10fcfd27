#include "optimize/prune_graph.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/core/tensor.h"
#include "engine/format/tensor_proto.h"
#include "optimize/model_edit.h"

namespace berth::optimize::prune_internal {

namespace {
// Longest chain of Identity nodes followed to an initializer (a bound on a malformed graph).
constexpr int kMaxIdentityChain = 64;
}  // namespace

GraphIndex::GraphIndex(onnx::GraphProto& graph)
    : graph_(graph), subgraph_reads_(SubgraphInputs(graph)) {
  for (onnx::TensorProto& t : *graph.mutable_initializer()) initializers_[t.name()] = &t;
  for (const onnx::ValueInfoProto& v : graph.input()) graph_inputs_.insert(v.name());
  for (const onnx::ValueInfoProto& v : graph.output()) graph_outputs_.insert(v.name());
  for (int n = 0; n < graph.node_size(); ++n) {
    const onnx::NodeProto& node = graph.node(n);
    for (int i = 0; i < node.input_size(); ++i) {
      if (!node.input(i).empty()) uses_[node.input(i)].push_back(Use{n, i});
    }
    for (const std::string& out : node.output()) {
      if (!out.empty()) producers_[out] = n;
    }
  }
}

onnx::TensorProto* GraphIndex::ConstantInitializer(const std::string& name) const {
  std::string current = name;
  for (int step = 0; step < kMaxIdentityChain; ++step) {
    if (graph_inputs_.count(current) > 0) return nullptr;
    auto init = initializers_.find(current);
    if (init != initializers_.end()) return init->second;
    auto producer = producers_.find(current);
    if (producer == producers_.end()) return nullptr;
    const onnx::NodeProto& node = graph_.node(producer->second);
    if (node.op_type() != "Identity" || !node.domain().empty() || node.input_size() != 1) {
      return nullptr;
    }
    current = node.input(0);
  }
  return nullptr;
}

onnx::TensorProto* GraphIndex::NodeConstant(int node, int input) const {
  const onnx::NodeProto& n = graph_.node(node);
  if (input >= n.input_size() || n.input(input).empty()) return nullptr;
  return ConstantInitializer(n.input(input));
}

const std::vector<Use>& GraphIndex::Uses(const std::string& name) const {
  static const std::vector<Use>* const kNone = new std::vector<Use>();
  auto it = uses_.find(name);
  return it == uses_.end() ? *kNone : it->second;
}

bool GraphIndex::IsFreeName(const std::string& name) const {
  return initializers_.count(name) == 0 && producers_.count(name) == 0 &&
         graph_inputs_.count(name) == 0 && uses_.count(name) == 0 &&
         subgraph_reads_.count(name) == 0;
}

absl::StatusOr<std::vector<float>> ReadFloats(const onnx::TensorProto& tensor) {
  if (tensor.data_type() != onnx::TensorProto::FLOAT) {
    return absl::InvalidArgumentError(absl::StrCat(
        "initializer '", tensor.name(), "' is not float (ONNX type ", tensor.data_type(), ")"));
  }
  absl::StatusOr<engine::Tensor> t = engine::TensorFromProto(tensor);
  if (!t.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read initializer '", tensor.name(), "': ", t.status().message()));
  }
  absl::Span<const float> values = t->span<float>();
  return std::vector<float>(values.begin(), values.end());
}

void WriteFloats(const std::vector<int64_t>& dims, const std::vector<float>& values,
                 onnx::TensorProto* tensor) {
  tensor->clear_dims();
  for (int64_t d : dims) tensor->add_dims(d);
  tensor->set_data_type(onnx::TensorProto::FLOAT);
  tensor->clear_float_data();
  tensor->clear_external_data();
  tensor->clear_data_location();
  std::string bytes(values.size() * sizeof(float), '\0');
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  tensor->set_raw_data(std::move(bytes));
}

std::vector<int64_t> Dims(const onnx::TensorProto& tensor) {
  return std::vector<int64_t>(tensor.dims().begin(), tensor.dims().end());
}

std::string NodeLabel(const onnx::NodeProto& node) {
  if (!node.name().empty()) return node.name();
  return absl::StrCat(node.op_type(), " producing '",
                      node.output_size() > 0 ? node.output(0) : std::string(), "'");
}

}  // namespace berth::optimize::prune_internal
