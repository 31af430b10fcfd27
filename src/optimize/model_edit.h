// Helpers for rewriting an onnx::ModelProto in place (the quantizers and the pruner): where
// each tensor comes from and goes, initializers as engine tensors, fresh names, and the
// normalization every rewrite starts from (constants as initializers).
#ifndef BERTH_OPTIMIZE_MODEL_EDIT_H_
#define BERTH_OPTIMIZE_MODEL_EDIT_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/core/tensor.h"
#include "onnx/onnx_pb.h"

namespace berth::optimize {

// The opset version of the default ("" / "ai.onnx") domain; 0 when the model imports none.
int64_t DefaultOpset(const onnx::ModelProto& model);

// "Conv 'name'" (or "Conv #index" for an unnamed node), for messages.
std::string NodeLabel(const onnx::NodeProto& node, int index);

// An integer attribute of `node`, or `fallback` when absent.
int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback);
// A float attribute of `node`, or `fallback` when absent.
float FloatAttribute(const onnx::NodeProto& node, const std::string& name, float fallback);

// The names the nodes of `graph`'s subgraphs (If / Loop / Scan bodies, at any depth) read:
// values they may take from the enclosing scope.
std::set<std::string> SubgraphInputs(const onnx::GraphProto& graph);

// Replaces Constant nodes that hold a tensor `value` by initializers of the same name, and
// removes Identity nodes whose input is an initializer (their consumers read the initializer
// directly) unless their output is a graph output or read by a subgraph. Graphs inside
// control-flow nodes are left alone. Afterwards every constant weight is an initializer, which is
// what the quantizers look for.
absl::Status InlineConstants(onnx::ModelProto& model);

// A view of one graph being rewritten. Build it after the last structural change you want
// it to see; AddInitializer and FreshName keep it current, node edits do not.
class GraphEditor {
 public:
  explicit GraphEditor(onnx::GraphProto& graph);

  onnx::GraphProto& graph() { return graph_; }
  const onnx::GraphProto& graph() const { return graph_; }

  // The initializer named `name`, or nullptr.
  const onnx::TensorProto* Initializer(const std::string& name) const;
  bool IsInitializer(const std::string& name) const { return Initializer(name) != nullptr; }
  // A graph input that is not an initializer (a value the caller feeds).
  bool IsGraphInput(const std::string& name) const;
  bool IsGraphOutput(const std::string& name) const { return outputs_.count(name) > 0; }

  // The initializer's values (InvalidArgument naming it when it is missing or unreadable).
  absl::StatusOr<engine::Tensor> InitializerTensor(const std::string& name) const;

  // Adds `tensor` as an initializer named `name` (which must be fresh).
  absl::Status AddInitializer(const engine::Tensor& tensor, const std::string& name);

  // `base` if no tensor, node or initializer of the graph uses that name yet, else base_1,
  // base_2, ...; the name returned is reserved.
  std::string FreshName(const std::string& base);

  // Indexes of the nodes that read `tensor`, in graph order (as of construction).
  const std::vector<int>& Consumers(const std::string& tensor) const;
  // Index of the node that writes `tensor`, or -1.
  int Producer(const std::string& tensor) const;

  // Removes initializers no node input (subgraphs included) and no graph output names any
  // more; returns how many.
  int64_t RemoveUnusedInitializers();

 private:
  onnx::GraphProto& graph_;
  std::map<std::string, int> initializers_;  // name -> index in graph.initializer
  std::set<std::string> inputs_;
  std::set<std::string> outputs_;
  std::set<std::string> names_;
  std::map<std::string, std::vector<int>> consumers_;
  std::map<std::string, int> producers_;
};

// The serialized size of the initializers' data (what weights cost in the file).
int64_t InitializerBytes(const onnx::GraphProto& graph);

}  // namespace berth::optimize

#endif  // BERTH_OPTIMIZE_MODEL_EDIT_H_
