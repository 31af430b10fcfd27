// Pattern-matching and rewriting helpers shared by the fusion passes.
//
// A fusion pass indexes the graph once, finds its matches (disjoint sets of nodes), then
// applies them all: each match's last node is replaced by the fused node, which keeps that
// node's output name and position, and the match's other nodes are erased. A match may only
// swallow values that nothing outside it reads and that are not graph outputs, so erasing
// its nodes never leaves a dangling read and the topological order stays valid (the fused
// node's inputs are all produced before the match's last node).
#ifndef BERTH_ENGINE_GRAPH_PASSES_FUSION_UTIL_H_
#define BERTH_ENGINE_GRAPH_PASSES_FUSION_UTIL_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/graph/graph.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

// Who produces and who reads each value of a graph. Read-only: build a new one after editing.
class GraphIndex {
 public:
  explicit GraphIndex(const Graph& graph);

  const Graph& graph() const { return graph_; }
  const Node& node(int i) const { return graph_.nodes[i]; }

  // The index of the node producing `value`, or -1 (graph input, initializer, missing).
  int Producer(const std::string& value) const;
  // One entry per node input that reads `value` (a node reading it twice appears twice);
  // a read from inside a subgraph (outer scope) appears as -1.
  const std::vector<int>& Readers(const std::string& value) const;
  bool IsGraphOutput(const std::string& value) const { return graph_outputs_.count(value) > 0; }
  // The node reading `value` when exactly one node input reads it and it is not a graph
  // output; -1 otherwise.
  int SoleReader(const std::string& value) const;
  // True when every read of `value` is by one of `nodes` and it is not a graph output: the
  // value can disappear with those nodes.
  bool OnlyReadBy(const std::string& value, const std::set<int>& nodes) const;
  // The initializer named `value`, or null.
  const Tensor* Constant(const std::string& value) const;
  // The value of a float32 initializer with exactly one element (any rank), else nullopt.
  std::optional<float> ScalarFloat(const std::string& value) const;

 private:
  const Graph& graph_;
  std::map<std::string, int> producer_;
  std::map<std::string, std::vector<int>> readers_;
  std::set<std::string> graph_outputs_;
};

// Value names not yet used anywhere in the graph, for new initializers.
class NameGenerator {
 public:
  explicit NameGenerator(const Graph& graph);
  // `base` if free, else base_1, base_2, ...; the returned name is marked used.
  std::string Make(const std::string& base);

 private:
  std::set<std::string> used_;
};

// One rewrite: graph.nodes[at] becomes `node`; the nodes in `erase` go.
struct Rewrite {
  int at = -1;
  Node node;
  std::vector<int> erase;
};

// Applies rewrites whose node sets are disjoint. Returns how many were applied.
int ApplyRewrites(Graph& graph, std::vector<Rewrite> rewrites);

// True when `registry` has a kernel for (domain, op_type) at `opset` taking `type` inputs.
bool HasKernel(const KernelRegistry& registry, const std::string& domain,
               const std::string& op_type, int64_t opset, DataType type);

// The model's opset for `domain`, or -1 when it does not import it.
int64_t OpsetOf(const std::map<std::string, int64_t>& opsets, const std::string& domain);

// The name of a node made from `anchor` (whose name errors should keep showing).
std::string FusedNodeName(const Node& anchor);

// Attribute helpers (the passes read attributes that the kernels check again at load).
int64_t IntAttrOr(const Node& node, const std::string& name, int64_t fallback);
float FloatAttrOr(const Node& node, const std::string& name, float fallback);
Attribute FloatAttribute(float f);
Attribute IntAttribute(int64_t i);
Attribute StringAttribute(const std::string& s);
Attribute IntsAttribute(std::vector<int64_t> ints);

// A Transpose node named `name` from `in` to `out` with an explicit perm.
Node MakeTranspose(const std::string& name, const std::string& in, const std::string& out,
                   std::vector<int64_t> perm);

// True when the node is (domain "", op_type).
inline bool IsOp(const Node& node, const char* op_type) {
  return node.domain.empty() && node.op_type == op_type;
}

// The perm of a Transpose node with one input, one output and an explicit, valid perm (a
// permutation of 0..rank-1); nullopt for anything else (the default perm needs the rank).
std::optional<std::vector<int64_t>> TransposePerm(const Node& node);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_GRAPH_PASSES_FUSION_UTIL_H_
