#include "engine/graph/graph.h"

#include <set>
#include <unordered_map>
#include <unordered_set>

#include "absl/strings/str_cat.h"

namespace berth::engine {
namespace {

std::string NodeLabel(const Node& node) {
  return absl::StrCat(node.op_type, " node '", node.name, "'");
}

}  // namespace

absl::Status TopologicalSort(Graph& graph) {
  std::unordered_set<std::string> available;
  for (const ValueInfo& in : graph.inputs) available.insert(in.name);
  for (const auto& [name, tensor] : graph.initializers) available.insert(name);
  for (const std::string& name : graph.outer_scope_names) available.insert(name);

  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    for (const std::string& out : graph.nodes[i].outputs) {
      if (out.empty()) continue;
      if (available.count(out) || !producer.emplace(out, i).second) {
        return absl::InvalidArgumentError(absl::StrCat(
            "value '", out, "' is produced more than once (by ", NodeLabel(graph.nodes[i]), ")"));
      }
    }
  }

  // Kahn's algorithm; ties keep file order so that the result is deterministic.
  std::vector<int> pending(graph.nodes.size(), 0);
  std::unordered_map<std::string, std::vector<size_t>> consumers;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    std::set<std::string> seen;
    // A node depends on what it reads and on what its subgraphs read from this scope.
    std::vector<std::string> reads = graph.nodes[i].inputs;
    for (const auto& [attr_name, attr] : graph.nodes[i].attributes) {
      if (attr.g) reads.insert(reads.end(), attr.g->outer_scope_names.begin(),
                               attr.g->outer_scope_names.end());
    }
    for (const std::string& in : reads) {
      if (in.empty() || available.count(in) || !seen.insert(in).second) continue;
      if (!producer.count(in)) {
        return absl::InvalidArgumentError(
            absl::StrCat(NodeLabel(graph.nodes[i]), " reads '", in,
                         "', which is not a graph input, an initializer or any node's output"));
      }
      ++pending[i];
      consumers[in].push_back(i);
    }
  }
  std::set<size_t> ready;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (pending[i] == 0) ready.insert(i);
  }
  std::vector<Node> sorted;
  sorted.reserve(graph.nodes.size());
  while (!ready.empty()) {
    size_t i = *ready.begin();
    ready.erase(ready.begin());
    for (const std::string& out : graph.nodes[i].outputs) {
      if (out.empty()) continue;
      for (size_t c : consumers[out]) {
        if (--pending[c] == 0) ready.insert(c);
      }
    }
    sorted.push_back(std::move(graph.nodes[i]));
  }
  if (sorted.size() != graph.nodes.size()) {
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      if (pending[i] > 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("the graph has a cycle through ", NodeLabel(graph.nodes[i])));
      }
    }
  }
  graph.nodes = std::move(sorted);
  return absl::OkStatus();
}

}  // namespace berth::engine
