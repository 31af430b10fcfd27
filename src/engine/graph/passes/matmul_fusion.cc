// MatMul/Gemm and what follows -> berth::FusedMatMul (the contract is in
// kernels/math/math_kernels.h):
//   Y = act(alpha * op(A) op(B) + beta * bias) + residual      (residual_before_activation 0)
//   Y = act(alpha * op(A) op(B) + beta * bias + residual)      (residual_before_activation 1)
// The pattern, each step optional but in this order:
//   Transpose of the last two dims of A or B  -> transA/transB
//   Mul or Div by a float scalar               -> alpha (Div only by a power of two, where
//                                                 x / c == x * (1 / c) exactly)
//   Add of a float constant                    -> bias (Gemm: its C), when it broadcasts to Y
//   Add of another value / activation          -> residual, activation in either order; the
//                                                 residual must broadcast to Y (the kernel
//                                                 does not broadcast Y up)
// Activations: Relu, Tanh, Sigmoid, Gelu (a node, or the erf subgraph).
#include "engine/graph/passes/matmul_matcher.h"

namespace berth::engine {
namespace {

Node MakeFusedMatMul(const Node& anchor, const MatMulFusion& f) {
  Node n;
  n.name = FusedNodeName(anchor);
  n.domain = "berth";
  n.op_type = "FusedMatMul";
  n.inputs = {f.a, f.b, f.bias};
  if (!f.residual.empty()) {
    n.inputs.push_back(f.residual);
  } else if (f.bias.empty()) {
    n.inputs.pop_back();
  }
  n.outputs = {f.out};
  n.attributes["transA"] = IntAttribute(f.trans_a ? 1 : 0);
  n.attributes["transB"] = IntAttribute(f.trans_b ? 1 : 0);
  n.attributes["alpha"] = FloatAttribute(f.alpha);
  n.attributes["beta"] = FloatAttribute(f.beta);
  if (!f.activation.empty()) n.attributes["activation"] = StringAttribute(f.activation);
  if (f.residual_before_activation) n.attributes["residual_before_activation"] = IntAttribute(1);
  return n;
}

}  // namespace

int FuseMatMul(Graph& graph, const KernelRegistry& registry) {
  if (!HasKernel(registry, "berth", "FusedMatMul", 1, DataType::kFloat)) return 0;
  GraphIndex index(graph);
  ShapeInfo shapes = ShapeInfo::Infer(graph);
  std::vector<bool> taken(graph.nodes.size(), false);
  std::vector<Rewrite> rewrites;
  MatMulMatcher matcher(index, shapes, taken);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (taken[i]) continue;
    std::optional<MatMulFusion> f = matcher.Match(static_cast<int>(i));
    if (!f) continue;
    rewrites.push_back(MatMulFusionRewrite(*f, MakeFusedMatMul(graph.nodes[i], *f), taken));
  }
  return ApplyRewrites(graph, std::move(rewrites));
}

}  // namespace berth::engine
