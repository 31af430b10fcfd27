// Reshape collapsing. Reshape, Squeeze, Unsqueeze and Flatten keep the elements in order and
// only change the dims, so a chain of them equals one Reshape to the chain's final shape.
// That shape must be expressible as a constant: fixed dims as themselves, a dim equal to the
// input's dim at the same index as 0 ("copy"), and at most one other as -1 ("the rest").
// The final shape comes from ShapeInfo; it also lets a lone Reshape whose shape is computed
// at run time (Shape -> Gather -> Concat, as torch exports x.view(b, s, h, d)) take a
// constant shape, after which dead-node removal drops the shape computation.
#include "engine/graph/passes/fusions.h"

namespace berth::engine {
namespace {

bool IsReshapeLike(const Node& node) {
  return (IsOp(node, "Reshape") || IsOp(node, "Squeeze") || IsOp(node, "Unsqueeze") ||
          IsOp(node, "Flatten")) &&
         !node.inputs.empty() && !node.inputs[0].empty() && node.outputs.size() == 1 &&
         !node.outputs[0].empty();
}

// The Reshape shape turning `in` into `out`, or nullopt when no constant says it.
std::optional<std::vector<int64_t>> ConstantShape(const DimList* in, const DimList& out) {
  std::vector<int64_t> shape;
  bool rest_used = false;
  for (size_t i = 0; i < out.size(); ++i) {
    const Dim& d = out[i];
    if (d.is_fixed() && d.value > 0) {
      shape.push_back(d.value);
    } else if (in != nullptr && i < in->size() && ShapeInfo::SameDim((*in)[i], d)) {
      shape.push_back(0);
    } else if (!d.is_fixed() && !rest_used) {
      shape.push_back(-1);
      rest_used = true;
    } else {
      return std::nullopt;  // a fixed 0 would read as "copy"; a second unknown is ambiguous
    }
  }
  return shape;
}

}  // namespace

int CollapseReshapes(Graph& graph, const OpsetMap& opsets) {
  if (OpsetOf(opsets, "") < 5) return 0;  // Reshape takes its shape as an input from opset 5
  GraphIndex index(graph);
  ShapeInfo shapes = ShapeInfo::Infer(graph);
  NameGenerator names(graph);
  std::vector<bool> taken(graph.nodes.size(), false);
  std::vector<Rewrite> rewrites;
  // From the back, so that the longest chain ending at a node is seen first.
  for (int i = static_cast<int>(graph.nodes.size()) - 1; i >= 0; --i) {
    const Node& last = graph.nodes[i];
    if (taken[i] || !IsReshapeLike(last)) continue;
    std::vector<int> chain = {i};
    std::string x = last.inputs[0];
    for (;;) {
      const int p = index.Producer(x);
      if (p < 0 || taken[p] || !IsReshapeLike(graph.nodes[p]) ||
          index.SoleReader(x) != chain.back()) {
        break;
      }
      chain.push_back(p);
      x = graph.nodes[p].inputs[0];
    }
    const bool computed_shape = IsOp(last, "Reshape") && last.inputs.size() == 2 &&
                                index.Constant(last.inputs[1]) == nullptr;
    if (chain.size() < 2 && !computed_shape) continue;
    const DimList* out = shapes.Shape(last.outputs[0]);
    if (out == nullptr) continue;
    std::optional<std::vector<int64_t>> shape = ConstantShape(shapes.Shape(x), *out);
    if (!shape) continue;

    const std::string shape_name = names.Make(FusedNodeName(last) + "_shape");
    auto t = std::make_shared<Tensor>(DataType::kInt64,
                                      Shape{static_cast<int64_t>(shape->size())});
    std::copy(shape->begin(), shape->end(), t->data<int64_t>());
    graph.initializers[shape_name] = std::move(t);
    Rewrite r;
    r.at = i;
    r.node.name = FusedNodeName(last);
    r.node.op_type = "Reshape";
    r.node.inputs = {x, shape_name};
    r.node.outputs = last.outputs;
    for (int n : chain) {
      taken[n] = true;
      if (n != i) r.erase.push_back(n);
    }
    rewrites.push_back(std::move(r));
  }
  return ApplyRewrites(graph, std::move(rewrites));
}

}  // namespace berth::engine
