// The engine's graph IR: what the ONNX loader produces and the passes rewrite.
//
// Values are named by strings, as in ONNX; the empty name marks a missing optional input.
// A Graph is a plain value type, edited by one thread at a time.
#ifndef BERTH_ENGINE_GRAPH_GRAPH_H_
#define BERTH_ENGINE_GRAPH_GRAPH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/core/data_type.h"
#include "engine/core/tensor.h"

namespace berth::engine {

struct Graph;

// One dimension of a declared shape: a fixed size, a named symbol ("batch"), or unknown.
struct Dim {
  int64_t value = -1;  // >= 0 when fixed
  std::string symbol;  // non-empty when symbolic
  bool is_fixed() const { return value >= 0; }
};

// A declared graph input or output: name, element type and (possibly unknown) shape.
struct ValueInfo {
  std::string name;
  DataType dtype = DataType::kUndefined;
  bool has_shape = false;  // false: the rank is unknown too
  std::vector<Dim> dims;
};

// A node attribute. Exactly the member matching `type` is meaningful.
struct Attribute {
  enum class Type { kFloat, kInt, kString, kTensor, kGraph, kFloats, kInts, kStrings, kTensors };
  Type type = Type::kInt;
  float f = 0;
  int64_t i = 0;
  std::string s;
  std::shared_ptr<const Tensor> t;
  std::shared_ptr<const Graph> g;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<std::shared_ptr<const Tensor>> tensors;
};

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;  // "" is the default ONNX domain ("ai.onnx" is normalised to "")
  std::vector<std::string> inputs;   // "" = optional input left out
  std::vector<std::string> outputs;  // "" = optional output not wanted
  std::map<std::string, Attribute> attributes;

  const Attribute* FindAttribute(const std::string& attr_name) const {
    auto it = attributes.find(attr_name);
    return it == attributes.end() ? nullptr : &it->second;
  }
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;  // topologically sorted after the loader validates the graph
  std::vector<ValueInfo> inputs;   // graph inputs that are not initializers, in order
  std::vector<ValueInfo> outputs;  // in order
  // Constant tensors by value name (weights, and results of constant folding).
  std::map<std::string, std::shared_ptr<const Tensor>> initializers;
  // Declared types of intermediate values where the file gives them (value_info).
  std::map<std::string, ValueInfo> value_infos;
  // Names visible from an enclosing graph (subgraphs of If/Loop/Scan only).
  std::vector<std::string> outer_scope_names;
};

// A loaded model: the main graph plus the metadata inspect shows.
struct ModelGraph {
  Graph graph;
  int64_t ir_version = 0;
  std::map<std::string, int64_t> opsets;  // domain ("" = default) -> version
  std::string producer_name;
  std::string producer_version;
};

// Orders graph.nodes so that every node comes after the producers of its inputs. Fails with
// InvalidArgument naming the value when an input is neither produced by a node, nor a graph
// input, nor an initializer (nor an outer-scope name), or when the graph has a cycle.
absl::Status TopologicalSort(Graph& graph);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_GRAPH_GRAPH_H_
