// Helpers of the pruning passes (prune.cc, channel_prune.cc) over an ONNX graph: who reads
// each value, which values are constant weights, and float initializers read and written.
#ifndef BERTH_OPTIMIZE_PRUNE_GRAPH_H_
#define BERTH_OPTIMIZE_PRUNE_GRAPH_H_

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace berth::optimize::prune_internal {

// One read of a value: node `node` of the graph reads it as its input number `input`.
struct Use {
  int node = 0;
  int input = 0;
};

// An index of one graph, valid until the graph's nodes, inputs or initializers change (then
// build a new one).
class GraphIndex {
 public:
  explicit GraphIndex(onnx::GraphProto& graph);

  // The initializer that value `name` is: directly, or through a chain of Identity nodes.
  // Null when the value is computed, or is also a graph input (a caller may override it).
  onnx::TensorProto* ConstantInitializer(const std::string& name) const;
  // The initializer node input `input` of node `node` reads (as ConstantInitializer); null
  // when the node has no such input.
  onnx::TensorProto* NodeConstant(int node, int input) const;

  // The top-level nodes that read value `name` (reads inside subgraphs: ReadBySubgraph).
  const std::vector<Use>& Uses(const std::string& name) const;
  // True when a node inside an If / Loop / Scan body (at any depth) reads a value of that
  // name: it may come from this graph, so it must neither change nor go.
  bool ReadBySubgraph(const std::string& name) const { return subgraph_reads_.count(name) > 0; }
  bool IsGraphOutput(const std::string& name) const { return graph_outputs_.count(name) > 0; }
  bool IsGraphInput(const std::string& name) const { return graph_inputs_.count(name) > 0; }
  // True when no graph input, initializer, node input or output, nor a read inside a
  // subgraph is called `name`.
  bool IsFreeName(const std::string& name) const;

  onnx::GraphProto& graph() const { return graph_; }

 private:
  onnx::GraphProto& graph_;
  std::unordered_map<std::string, onnx::TensorProto*> initializers_;
  std::unordered_map<std::string, int> producers_;  // value -> node index
  std::unordered_map<std::string, std::vector<Use>> uses_;
  std::unordered_set<std::string> graph_inputs_;
  std::unordered_set<std::string> graph_outputs_;
  std::set<std::string> subgraph_reads_;  // model_edit.h's SubgraphInputs
};

// The values of a float initializer (raw_data or float_data). InvalidArgument naming the
// tensor when it is not float, has external data, or its data does not match its dims.
absl::StatusOr<std::vector<float>> ReadFloats(const onnx::TensorProto& tensor);

// Replaces the data of `tensor` with `values` (as raw_data, little-endian) and its dims with
// `dims`; the name is kept.
void WriteFloats(const std::vector<int64_t>& dims, const std::vector<float>& values,
                 onnx::TensorProto* tensor);

// The dims of `tensor`.
std::vector<int64_t> Dims(const onnx::TensorProto& tensor);

// The name of `node` for messages: its name, else "OP_TYPE producing FIRST_OUTPUT".
std::string NodeLabel(const onnx::NodeProto& node);

}  // namespace berth::optimize::prune_internal

#endif  // BERTH_OPTIMIZE_PRUNE_GRAPH_H_
