#include "engine/graph/passes/optimize.h"

#include <set>

#include "engine/graph/passes/fusions.h"
#include "engine/graph/passes/graph_edit.h"
#include "engine/kernels/standalone_context.h"

namespace berth::engine {
namespace {

// Folding a node whose result is larger than this would trade file size for memory.
constexpr size_t kMaxFoldedBytes = size_t{64} << 20;

bool IsNondeterministic(const Node& node) {
  static const std::set<std::string> kRandom = {"RandomNormal", "RandomNormalLike",
                                                "RandomUniform", "RandomUniformLike",
                                                "Multinomial", "Bernoulli"};
  return node.domain.empty() && kRandom.count(node.op_type) > 0;
}

bool HasSubgraph(const Node& node) {
  for (const auto& [name, attr] : node.attributes) {
    if (attr.g || attr.type == Attribute::Type::kGraph) return true;
  }
  return false;
}

// Dropout in inference is Identity when its mask output is unused.
bool IsRemovableIdentity(const Node& node) {
  if (!node.domain.empty() || node.inputs.empty() || node.inputs[0].empty()) return false;
  if (node.op_type == "Identity") return node.outputs.size() == 1;
  if (node.op_type != "Dropout") return false;
  if (node.outputs.size() > 1 && !node.outputs[1].empty()) return false;
  // training_mode given and not a known false constant: keep the node (it will refuse).
  if (node.inputs.size() > 2 && !node.inputs[2].empty()) return false;
  const Attribute* is_test = node.FindAttribute("is_test");
  return is_test == nullptr || is_test->i != 0;
}

}  // namespace

int RemoveIdentityNodes(Graph& graph) {
  // Graph outputs must stay produced; names a subgraph reads from the outer scope cannot be
  // renamed (RenameReads does not rewrite subgraphs).
  std::set<std::string> outputs = GraphOutputNames(graph);
  for (const Node& node : graph.nodes) {
    for (const auto& [name, attr] : node.attributes) {
      if (!attr.g) continue;
      outputs.insert(attr.g->outer_scope_names.begin(), attr.g->outer_scope_names.end());
    }
  }
  std::vector<bool> dead(graph.nodes.size(), false);
  int removed = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    if (!IsRemovableIdentity(node) || outputs.count(node.outputs[0])) continue;
    std::string from = node.outputs[0];
    std::string to = node.inputs[0];
    dead[i] = true;
    RenameReads(graph, from, to);
    ++removed;
  }
  if (removed > 0) EraseNodes(graph, dead);
  return removed;
}

int FoldConstants(Graph& graph, const std::map<std::string, int64_t>& opsets,
                  const KernelRegistry& registry) {
  std::vector<bool> dead(graph.nodes.size(), false);
  int folded = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    if (IsNondeterministic(node) || HasSubgraph(node)) continue;
    std::vector<const Tensor*> inputs;
    bool all_constant = true;
    for (const std::string& in : node.inputs) {
      if (in.empty()) {
        inputs.push_back(nullptr);
        continue;
      }
      auto it = graph.initializers.find(in);
      if (it == graph.initializers.end()) {
        all_constant = false;
        break;
      }
      inputs.push_back(it->second.get());
    }
    auto opset = opsets.find(node.domain);
    if (!all_constant || opset == opsets.end()) continue;
    // RunNodeOnce refuses the sequence operators (SequenceEmpty, SequenceConstruct of
    // constants...): their sequences cannot be initializers, so they stay in the graph.
    absl::StatusOr<std::vector<Tensor>> outputs =
        RunNodeOnce(registry, node, static_cast<int>(opset->second), inputs);
    if (!outputs.ok()) continue;  // the error shows again, with context, when the plan is built
    size_t bytes = 0;
    for (const Tensor& t : *outputs) bytes += t.byte_size();
    if (bytes > kMaxFoldedBytes) continue;
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      if (node.outputs[o].empty()) continue;
      graph.initializers[node.outputs[o]] = std::make_shared<const Tensor>(std::move((*outputs)[o]));
    }
    dead[i] = true;
    ++folded;
  }
  if (folded > 0) EraseNodes(graph, dead);
  return folded;
}

int RemoveDeadNodes(Graph& graph) {
  std::set<std::string> needed = GraphOutputNames(graph);
  std::vector<bool> dead(graph.nodes.size(), false);
  int removed = 0;
  for (size_t k = graph.nodes.size(); k-- > 0;) {
    const Node& node = graph.nodes[k];
    bool used = false;
    for (const std::string& out : node.outputs) used = used || (!out.empty() && needed.count(out));
    if (!used) {
      dead[k] = true;
      ++removed;
      continue;
    }
    for (const std::string& in : node.inputs) needed.insert(in);
    for (const auto& [name, attr] : node.attributes) {
      if (attr.g) needed.insert(attr.g->outer_scope_names.begin(), attr.g->outer_scope_names.end());
    }
  }
  if (removed > 0) EraseNodes(graph, dead);
  // Initializers nothing reads any more (folded inputs, removed branches) are dropped too.
  for (auto it = graph.initializers.begin(); it != graph.initializers.end();) {
    it = needed.count(it->first) ? std::next(it) : graph.initializers.erase(it);
  }
  return removed;
}

absl::Status OptimizeGraph(ModelGraph& model, const KernelRegistry& registry,
                           const OptimizeOptions& options) {
  Graph& graph = model.graph;
  RemoveIdentityNodes(graph);
  // A model importing some other version of "berth" gets no berth operators.
  const int64_t berth = OpsetOf(model.opsets, kBerthDomain);
  const bool berth_ops = berth == -1 || berth == 1;
  // Before folding, which would turn the weights' DequantizeLinear into float constants.
  if (berth_ops && FuseQdq(graph, model.opsets, registry, options.channels_last) > 0) {
    RemoveDeadNodes(graph);
  }
  FoldConstants(graph, model.opsets, registry);
  RemoveDeadNodes(graph);
  // Fusions. Reshapes first: a constant shape makes the shape arithmetic dead. LayerNorm and
  // GELU before FusedMatMul, which takes a Gelu as its activation; Transposes after it, which
  // absorbs a last-two-dims Transpose into transA/transB before it could be composed away.
  int fused = CollapseReshapes(graph, model.opsets);
  fused += FoldConvBatchNorm(graph);
  fused += FuseLayerNorm(graph, model.opsets, registry);
  fused += FuseGelu(graph, model.opsets, registry);
  if (berth_ops) {
    fused += FuseDynamicQuantMatMul(graph, registry);
    fused += FuseMatMul(graph, registry);
    fused += FuseConv(graph, registry);
    // After FuseConv, whose patterns are written channels-first; the Transposes it adds
    // cancel in FuseTransposes.
    if (options.channels_last) fused += ConvertToChannelsLast(graph, registry);
  }
  fused += FuseTransposes(graph);
  if (fused > 0) RemoveDeadNodes(graph);
  for (const Node& node : graph.nodes) {
    if (node.domain == kBerthDomain) {
      model.opsets.emplace(kBerthDomain, 1);
      break;
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::engine
