// The fusion passes OptimizeGraph runs after constant folding. Each fires only where it
// provably keeps what the graph computes (up to float rounding): the values it swallows have
// no reader outside the pattern and are not graph outputs, the weights it needs are
// initializers, attributes and shapes fit, and a kernel for the fused node is registered.
// Each returns how many rewrites it made. See docs/ARCHITECTURE.md ("Graph passes").
#ifndef BERTH_ENGINE_GRAPH_PASSES_FUSIONS_H_
#define BERTH_ENGINE_GRAPH_PASSES_FUSIONS_H_

#include <map>
#include <optional>
#include <set>
#include <string>

#include "engine/graph/graph.h"
#include "engine/graph/passes/fusion_util.h"
#include "engine/graph/passes/shape_inference.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

using OpsetMap = std::map<std::string, int64_t>;

// Conv -> BatchNormalization (inference) becomes one Conv with the normalization folded into
// new weight and bias initializers (conv_bn_fold.cc).
int FoldConvBatchNorm(Graph& graph);

// Conv [-> Add(residual of the same shape)] [-> activation] becomes berth::FusedConv
// (conv_fusion.cc).
int FuseConv(Graph& graph, const KernelRegistry& registry);

// MatMul/Gemm [-> Mul/Div by a scalar] [-> Add(constant bias)] [-> Add(residual)]
// [-> activation, GELU included] (residual and activation in either order), with
// Transposes of the last two dims of A or B absorbed, becomes berth::FusedMatMul
// (matmul_fusion.cc).
int FuseMatMul(Graph& graph, const KernelRegistry& registry);

// DynamicQuantizeLinear -> MatMulInteger (constant 8-bit weights) -> Cast -> Mul by the scales
// [-> Add(constant bias)] [-> Add(residual)] [-> activation], ONNX Runtime's dynamic
// quantization, becomes berth::DynamicQuantizeMatMul (qmatmul_fusion.cc).
int FuseDynamicQuantMatMul(Graph& graph, const KernelRegistry& registry);

// x * 0.5 * (1 + Erf(x / sqrt(2))) in its exported orderings becomes Gelu, where a Gelu
// kernel exists at the model's opset (gelu_fusion.cc).
int FuseGelu(Graph& graph, const OpsetMap& opsets, const KernelRegistry& registry);

// The exported LayerNorm subgraph (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul,
// Add) becomes LayerNormalization, where such a kernel exists (layer_norm_fusion.cc).
int FuseLayerNorm(Graph& graph, const OpsetMap& opsets, const KernelRegistry& registry);

// Every Conv and FusedConv with constant float weights runs channels-last, with Transposes
// around it, and the Transposes to channels-first move down through pools and element-wise
// ops so that FuseTransposes can cancel them between convolutions (channels_last.cc).
int ConvertToChannelsLast(Graph& graph, const KernelRegistry& registry);

// Whether a windowed pool (MaxPool, AveragePool) runs channels-last on oneDNN for every input
// shape: no Indices output, every pad smaller than the window, and no padding-counting
// average over a window ceil_mode extends (see kernels/nn/pool.cc).
bool PoolRunsChannelsLast(const Node& node);

// The quantized operators of a QDQ model become 8-bit kernels: DQ -> Conv [-> Relu] -> Q and
// DQ -> Gemm(transB) [-> Relu] -> Q are berth::QLinearConv, DQ + DQ [-> Relu] -> Q is
// berth::QLinearAdd, DQ -> MaxPool -> Q (same
// quantization) is a MaxPool on the 8-bit values; with `channels_last` they run channels-last
// between Transposes (qdq_fusion.cc). Runs before constant folding.
int FuseQdq(Graph& graph, const OpsetMap& opsets, const KernelRegistry& registry,
            bool channels_last);

// Consecutive Transposes compose into one; a composition (or a single perm) that is the
// identity disappears (transpose_fusion.cc).
int FuseTransposes(Graph& graph);

// Chains of Reshape/Squeeze/Unsqueeze/Flatten, and Reshapes whose shape is computed at run
// time, become one Reshape with a constant shape where the final shape is known
// (reshape_fusion.cc).
int CollapseReshapes(Graph& graph, const OpsetMap& opsets);

// A GELU subgraph found by MatchGelu: its nodes and the value it computes.
struct GeluMatch {
  std::set<int> nodes;
  int last = -1;  // the node producing `output`
  std::string output;
};

// Matches the erf-form GELU subgraph computed from `x` (gelu_fusion.cc). Every read of `x`
// must be inside the match, so that x can be swallowed by a fusion that ends at x.
std::optional<GeluMatch> MatchGelu(const GraphIndex& index, const ShapeInfo& shapes,
                                   const std::string& x);
// As MatchGelu, but `x` may have readers outside the match (a standalone Gelu keeps x).
std::optional<GeluMatch> MatchGeluKeepingInput(const GraphIndex& index, const ShapeInfo& shapes,
                                               const std::string& x);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_GRAPH_PASSES_FUSIONS_H_
