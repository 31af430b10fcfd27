// Transpose cancellation. Transpose(Transpose(x, p1), p2) is Transpose(x, q) with
// q[i] = p1[p2[i]]; when q is the identity both go (readers of the result read x), otherwise
// the second becomes Transpose(x, q) and the first goes if nothing else reads it. A single
// Transpose with the identity perm goes too. Perms must be given (the default reverses the
// dims, which needs the rank).
#include <algorithm>

#include "engine/graph/passes/fusions.h"
#include "engine/graph/passes/graph_edit.h"

namespace berth::engine {
namespace {

bool IsIdentity(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

// Makes one rewrite; false when there is none left.
bool FuseOne(Graph& graph) {
  GraphIndex index(graph);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    std::optional<std::vector<int64_t>> p2 = TransposePerm(graph.nodes[i]);
    if (!p2) continue;
    const std::string input = graph.nodes[i].inputs[0];
    const int j = index.Producer(input);
    std::optional<std::vector<int64_t>> p1;
    if (j >= 0) p1 = TransposePerm(graph.nodes[j]);
    if (p1 && p1->size() != p2->size()) p1.reset();
    std::vector<int64_t> composed = *p2;
    if (p1) {
      for (size_t k = 0; k < composed.size(); ++k) composed[k] = (*p1)[(*p2)[k]];
    }
    const bool t1_only_feeds_t2 = p1 && index.SoleReader(input) == static_cast<int>(i);
    std::vector<bool> dead(graph.nodes.size(), false);
    const std::string out = graph.nodes[i].outputs[0];
    const std::vector<int>& readers = index.Readers(out);
    // Reads of a graph output or from a subgraph cannot be renamed.
    const bool renamable = !index.IsGraphOutput(out) &&
                           std::find(readers.begin(), readers.end(), -1) == readers.end();
    if (IsIdentity(composed) && renamable) {
      const std::string source = p1 ? graph.nodes[j].inputs[0] : input;
      dead[i] = true;
      if (t1_only_feeds_t2) dead[j] = true;
      RenameReads(graph, out, source);
    } else if (t1_only_feeds_t2) {
      graph.nodes[i].inputs[0] = graph.nodes[j].inputs[0];
      graph.nodes[i].attributes["perm"] = IntsAttribute(composed);
      dead[j] = true;
    } else {
      continue;
    }
    EraseNodes(graph, dead);
    return true;
  }
  return false;
}

}  // namespace

int FuseTransposes(Graph& graph) {
  int changed = 0;
  while (FuseOne(graph)) ++changed;
  return changed;
}

}  // namespace berth::engine
