#include "engine/graph/passes/graph_edit.h"

namespace berth::engine {

std::set<std::string> GraphOutputNames(const Graph& graph) {
  std::set<std::string> names;
  for (const ValueInfo& out : graph.outputs) names.insert(out.name);
  return names;
}

std::map<std::string, int> CountReaders(const Graph& graph) {
  std::map<std::string, int> readers;
  for (const Node& node : graph.nodes) {
    for (const std::string& in : node.inputs) {
      if (!in.empty()) ++readers[in];
    }
    for (const auto& [name, attr] : node.attributes) {
      if (!attr.g) continue;
      for (const std::string& outer : attr.g->outer_scope_names) ++readers[outer];
    }
  }
  return readers;
}

void RenameReads(Graph& graph, const std::string& from, const std::string& to) {
  for (Node& node : graph.nodes) {
    for (std::string& in : node.inputs) {
      if (in == from) in = to;
    }
  }
}

void EraseNodes(Graph& graph, const std::vector<bool>& dead) {
  std::vector<Node> kept;
  kept.reserve(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (!dead[i]) kept.push_back(std::move(graph.nodes[i]));
  }
  graph.nodes = std::move(kept);
}

}  // namespace berth::engine
