// Conv + BatchNormalization folding. In inference, BN is y = (x - mean) * s + beta with
// s = scale / sqrt(var + eps) per channel, so Conv(X, W, b) followed by BN equals
// Conv(X, W * s, (b - mean) * s + beta), with W scaled along its output channels (which is
// also right for grouped convolutions: W's first dim is the output channel whatever the
// group). Computed in double, stored as new float initializers; the old ones are dropped by
// dead-node removal once nothing reads them.
#include <cmath>

#include "engine/graph/passes/fusions.h"

namespace berth::engine {
namespace {

// A float32 initializer of shape [c], else null.
const Tensor* ChannelVector(const GraphIndex& index, const std::string& name, int64_t c) {
  const Tensor* t = index.Constant(name);
  if (t == nullptr || t->dtype() != DataType::kFloat || t->rank() != 1 || t->dim(0) != c) {
    return nullptr;
  }
  return t;
}

// BatchNormalization in inference mode with only its Y output used.
bool IsInferenceBatchNorm(const Node& bn) {
  if (!IsOp(bn, "BatchNormalization") || bn.inputs.size() != 5 || bn.outputs.empty() ||
      bn.outputs[0].empty()) {
    return false;
  }
  for (size_t i = 1; i < bn.outputs.size(); ++i) {
    if (!bn.outputs[i].empty()) return false;
  }
  for (const std::string& in : bn.inputs) {
    if (in.empty()) return false;
  }
  return IntAttrOr(bn, "training_mode", 0) == 0 && IntAttrOr(bn, "spatial", 1) == 1;
}

}  // namespace

int FoldConvBatchNorm(Graph& graph) {
  GraphIndex index(graph);
  NameGenerator names(graph);
  std::vector<Rewrite> rewrites;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& bn = graph.nodes[i];
    if (!IsInferenceBatchNorm(bn)) continue;
    const int c_index = index.Producer(bn.inputs[0]);
    if (c_index < 0 || index.SoleReader(bn.inputs[0]) != static_cast<int>(i)) continue;
    const Node& conv = graph.nodes[c_index];
    if (!IsOp(conv, "Conv") || conv.inputs.size() < 2 || conv.outputs.size() != 1) continue;
    const Tensor* w = index.Constant(conv.inputs[1]);
    if (w == nullptr || w->dtype() != DataType::kFloat || w->rank() < 3) continue;
    const int64_t channels = w->dim(0);
    const Tensor* scale = ChannelVector(index, bn.inputs[1], channels);
    const Tensor* beta = ChannelVector(index, bn.inputs[2], channels);
    const Tensor* mean = ChannelVector(index, bn.inputs[3], channels);
    const Tensor* var = ChannelVector(index, bn.inputs[4], channels);
    const bool has_bias = conv.inputs.size() > 2 && !conv.inputs[2].empty();
    const Tensor* bias = has_bias ? ChannelVector(index, conv.inputs[2], channels) : nullptr;
    if (!scale || !beta || !mean || !var || (has_bias && !bias)) continue;

    const double eps = FloatAttrOr(bn, "epsilon", 1e-5f);
    auto new_w = std::make_shared<Tensor>(DataType::kFloat, w->shape());
    auto new_b = std::make_shared<Tensor>(DataType::kFloat, Shape{channels});
    const int64_t per_channel = channels == 0 ? 0 : w->num_elements() / channels;
    bool finite = true;
    for (int64_t o = 0; o < channels; ++o) {
      const double s = scale->data<float>()[o] / std::sqrt(double{var->data<float>()[o]} + eps);
      finite = finite && std::isfinite(s);
      const float* src = w->data<float>() + o * per_channel;
      float* dst = new_w->data<float>() + o * per_channel;
      for (int64_t k = 0; k < per_channel; ++k) dst[k] = static_cast<float>(src[k] * s);
      const double b = has_bias ? bias->data<float>()[o] : 0.0;
      new_b->data<float>()[o] =
          static_cast<float>((b - mean->data<float>()[o]) * s + beta->data<float>()[o]);
    }
    if (!finite) continue;  // a zero variance without epsilon: leave the BN to compute it

    const std::string base = FusedNodeName(conv);
    const std::string w_name = names.Make(base + "_bn_weight");
    const std::string b_name = names.Make(base + "_bn_bias");
    graph.initializers[w_name] = std::move(new_w);
    graph.initializers[b_name] = std::move(new_b);
    Rewrite r;
    r.at = static_cast<int>(i);
    r.node = conv;
    r.node.inputs = {conv.inputs[0], w_name, b_name};
    r.node.outputs = {bn.outputs[0]};
    r.erase = {c_index};
    rewrites.push_back(std::move(r));
  }
  return ApplyRewrites(graph, std::move(rewrites));
}

}  // namespace berth::engine
