// Small editing helpers shared by the passes.
#ifndef BERTH_ENGINE_GRAPH_PASSES_GRAPH_EDIT_H_
#define BERTH_ENGINE_GRAPH_PASSES_GRAPH_EDIT_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/graph/graph.h"

namespace berth::engine {

// Names of the graph's outputs.
std::set<std::string> GraphOutputNames(const Graph& graph);

// For each value name, how many node inputs read it (subgraph outer-scope reads included).
std::map<std::string, int> CountReaders(const Graph& graph);

// Replaces every node input reading `from` by `to`. Subgraphs are not rewritten: callers must
// not rename a value a subgraph reads from the outer scope.
void RenameReads(Graph& graph, const std::string& from, const std::string& to);

// Removes nodes whose index is marked in `dead`, keeping the order of the rest.
void EraseNodes(Graph& graph, const std::vector<bool>& dead);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_GRAPH_PASSES_GRAPH_EDIT_H_
