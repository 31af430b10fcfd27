// The graph passes run at load, before kernels are built. Each pass keeps the graph's
// meaning: the same outputs for the same inputs, up to float rounding where fused kernels
// compute in a different order.
#ifndef BERTH_ENGINE_GRAPH_PASSES_OPTIMIZE_H_
#define BERTH_ENGINE_GRAPH_PASSES_OPTIMIZE_H_

#include "absl/status/status.h"
#include "engine/graph/graph.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

// The domain of berth's fused operators (FusedConv, FusedMatMul).
inline constexpr char kBerthDomain[] = "berth";

struct OptimizeOptions {
  // Runs convolution networks channels-last (ConvertToChannelsLast in fusions.h). Tests of
  // the other fusions turn it off to look at the fused graph without the layout Transposes.
  bool channels_last = true;
};

// Runs every pass in order on the main graph. Fails only on an internal error; a pass that
// cannot apply somewhere leaves that part of the graph as it was. When a fusion emits a node
// in domain "berth", adds that domain at version 1 to model.opsets (the runtime looks each
// node's domain up there, so build the plan from model.opsets after this call).
absl::Status OptimizeGraph(ModelGraph& model, const KernelRegistry& registry,
                           const OptimizeOptions& options = {});

// The individual passes, for tests. Each returns how many nodes it changed or removed.
int RemoveIdentityNodes(Graph& graph);
int FoldConstants(Graph& graph, const std::map<std::string, int64_t>& opsets,
                  const KernelRegistry& registry);
int RemoveDeadNodes(Graph& graph);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_GRAPH_PASSES_OPTIMIZE_H_
