// Conv [-> Add(sum)] [-> activation] -> berth::FusedConv (the contract is in
// kernels/nn/conv_primitive.h): inputs X, W, B (or ""), Sum; the Conv's attributes plus
// `activation` and its parameters (alpha, beta, min, max). The kernel computes
// act(conv + B + Sum), so the sum must come before the activation, and Sum must have exactly
// the Conv output's shape (the kernel does not broadcast it).
#include <limits>

#include "engine/graph/passes/fusions.h"

namespace berth::engine {
namespace {

// The FusedConv activation attributes equivalent to `node`, or nullopt when it is not an
// activation FusedConv can apply.
std::optional<std::map<std::string, Attribute>> ConvActivation(const GraphIndex& index,
                                                               const Node& node) {
  if (!node.domain.empty() || node.inputs.empty() || node.outputs.size() != 1) {
    return std::nullopt;
  }
  const std::string& op = node.op_type;
  std::map<std::string, Attribute> attrs;
  if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "HardSwish") {
    attrs["activation"] = StringAttribute(op);
  } else if (op == "LeakyRelu") {
    attrs["activation"] = StringAttribute(op);
    attrs["alpha"] = FloatAttribute(FloatAttrOr(node, "alpha", 0.01f));
  } else if (op == "Elu") {
    attrs["activation"] = StringAttribute(op);
    attrs["alpha"] = FloatAttribute(FloatAttrOr(node, "alpha", 1.0f));
  } else if (op == "HardSigmoid") {
    attrs["activation"] = StringAttribute(op);
    attrs["alpha"] = FloatAttribute(FloatAttrOr(node, "alpha", 0.2f));
    attrs["beta"] = FloatAttribute(FloatAttrOr(node, "beta", 0.5f));
  } else if (op == "Clip") {
    const float inf = std::numeric_limits<float>::infinity();
    float lo = -inf, hi = inf;
    if (node.inputs.size() == 1) {  // opset 1-10: bounds are attributes
      lo = FloatAttrOr(node, "min", lo);
      hi = FloatAttrOr(node, "max", hi);
    } else {  // opset 11+: optional inputs, which must be float32 constants
      if (node.inputs.size() > 3) return std::nullopt;
      for (size_t i = 1; i < node.inputs.size(); ++i) {
        if (node.inputs[i].empty()) continue;
        std::optional<float> v = index.ScalarFloat(node.inputs[i]);
        if (!v) return std::nullopt;
        (i == 1 ? lo : hi) = *v;
      }
    }
    if (!(lo <= hi)) return std::nullopt;
    attrs["activation"] = StringAttribute(op);
    attrs["min"] = FloatAttribute(lo);
    attrs["max"] = FloatAttribute(hi);
  } else {
    return std::nullopt;
  }
  return attrs;
}

}  // namespace

int FuseConv(Graph& graph, const KernelRegistry& registry) {
  if (!HasKernel(registry, "berth", "FusedConv", 1, DataType::kFloat)) return 0;
  GraphIndex index(graph);
  ShapeInfo shapes = ShapeInfo::Infer(graph);
  std::vector<bool> taken(graph.nodes.size(), false);
  std::vector<Rewrite> rewrites;
  for (size_t c = 0; c < graph.nodes.size(); ++c) {
    const Node& conv = graph.nodes[c];
    if (taken[c] || !IsOp(conv, "Conv") || conv.inputs.size() < 2 || conv.inputs.size() > 3 ||
        conv.outputs.size() != 1 || conv.inputs[0].empty()) {
      continue;
    }
    const Tensor* w = index.Constant(conv.inputs[1]);
    if (w == nullptr || w->dtype() != DataType::kFloat) continue;
    std::vector<int> chain = {static_cast<int>(c)};
    std::string out = conv.outputs[0];
    std::string sum;
    std::map<std::string, Attribute> activation;

    int next = index.SoleReader(out);
    if (next >= 0 && !taken[next] && IsOp(graph.nodes[next], "Add")) {
      const Node& add = graph.nodes[next];
      if (add.inputs.size() == 2 && add.outputs.size() == 1 && add.inputs[0] != add.inputs[1]) {
        const std::string& other = add.inputs[0] == out ? add.inputs[1] : add.inputs[0];
        if (!other.empty() && shapes.SameShape(other, out)) {
          sum = other;
          out = add.outputs[0];
          chain.push_back(next);
          next = index.SoleReader(out);
        }
      }
    }
    if (next >= 0 && !taken[next]) {
      if (auto attrs = ConvActivation(index, graph.nodes[next])) {
        activation = std::move(*attrs);
        out = graph.nodes[next].outputs[0];
        chain.push_back(next);
      }
    }
    if (chain.size() == 1) continue;

    Rewrite r;
    r.at = chain.back();
    r.node.name = FusedNodeName(conv);
    r.node.domain = "berth";
    r.node.op_type = "FusedConv";
    r.node.attributes = conv.attributes;
    for (auto& [name, attr] : activation) r.node.attributes[name] = std::move(attr);
    r.node.inputs = {conv.inputs[0], conv.inputs[1], conv.inputs.size() > 2 ? conv.inputs[2] : ""};
    if (!sum.empty()) {
      r.node.inputs.push_back(sum);
    } else if (r.node.inputs[2].empty()) {
      r.node.inputs.pop_back();
    }
    r.node.outputs = {out};
    r.erase.assign(chain.begin(), chain.end() - 1);
    for (int n : chain) taken[n] = true;
    rewrites.push_back(std::move(r));
  }
  return ApplyRewrites(graph, std::move(rewrites));
}

}  // namespace berth::engine
