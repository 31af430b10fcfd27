// LayerNorm subgraph -> LayerNormalization. Exporters at opsets below 17 write layer norm as
//   mean = ReduceMean(x, axes); d = x - mean; var = ReduceMean(d ^ 2, axes)   (or d * d)
//   n = d / Sqrt(var + eps); y = n * gamma + beta                            (gamma, beta optional)
// over trailing axes, with keepdims. That is LayerNormalization(x, gamma, beta, axis, eps)
// when the axes are the last k, gamma and beta are float constants that broadcast to those k
// dims, and nothing outside reads the intermediates. The kernel computes the statistics in
// double, so the fused result is, if anything, closer to exact.
#include <algorithm>

#include "engine/graph/passes/fusions.h"

namespace berth::engine {
namespace {

class LayerNormMatcher {
 public:
  LayerNormMatcher(const GraphIndex& index, const ShapeInfo& shapes, NameGenerator& names,
                   Graph& graph)
      : index_(index), shapes_(shapes), names_(names), graph_(graph) {}

  // Matches the subgraph starting at the first ReduceMean; fills the rewrite.
  bool Match(int r1_at, const std::string& domain, Rewrite* out) {
    const Node& r1 = index_.node(r1_at);
    std::optional<int64_t> k = TrailingAxes(r1);
    if (!k) return false;
    const std::string& x = r1.inputs[0];
    const DimList* x_dims = shapes_.Shape(x);
    if (x_dims == nullptr || static_cast<int64_t>(x_dims->size()) < *k) return false;
    std::set<int> nodes = {r1_at};

    int sub_at = index_.SoleReader(r1.outputs[0]);
    if (sub_at < 0 || !IsOp(index_.node(sub_at), "Sub")) return false;
    const Node& sub = index_.node(sub_at);
    if (sub.inputs.size() != 2 || sub.outputs.size() != 1 || sub.inputs[0] != x ||
        sub.inputs[1] != r1.outputs[0]) {
      return false;
    }
    nodes.insert(sub_at);
    const std::string& d = sub.outputs[0];

    // d is read by the square and by the Div.
    int sq_at = -1, div_at = -1;
    for (int r : index_.Readers(d)) {
      if (r < 0) return false;
      const Node& n = index_.node(r);
      if (IsOp(n, "Div") && n.inputs.size() == 2 && n.outputs.size() == 1 && n.inputs[0] == d) {
        div_at = r;
      } else if (IsSquare(n, d)) {
        sq_at = r;
      }
    }
    if (sq_at < 0 || div_at < 0) return false;
    nodes.insert(sq_at);
    nodes.insert(div_at);
    if (!index_.OnlyReadBy(d, nodes)) return false;

    int r2_at = index_.SoleReader(index_.node(sq_at).outputs[0]);
    if (r2_at < 0 || !IsOp(index_.node(r2_at), "ReduceMean")) return false;
    std::optional<int64_t> k2 = TrailingAxes(index_.node(r2_at));
    if (!k2 || *k2 != *k) return false;
    nodes.insert(r2_at);

    int add_at = index_.SoleReader(index_.node(r2_at).outputs[0]);
    if (add_at < 0 || !IsOp(index_.node(add_at), "Add")) return false;
    const Node& add = index_.node(add_at);
    std::optional<float> eps = ScalarOperand(add, index_.node(r2_at).outputs[0], x_dims->size());
    if (!eps || !(*eps >= 0)) return false;
    nodes.insert(add_at);

    int sqrt_at = index_.SoleReader(add.outputs[0]);
    if (sqrt_at < 0 || !IsOp(index_.node(sqrt_at), "Sqrt") ||
        index_.node(sqrt_at).outputs.size() != 1) {
      return false;
    }
    nodes.insert(sqrt_at);
    const Node& div = index_.node(div_at);
    if (div.inputs[1] != index_.node(sqrt_at).outputs[0] ||
        index_.SoleReader(div.inputs[1]) != div_at) {
      return false;
    }

    // Optional affine part.
    std::string y = div.outputs[0];
    int last = div_at;
    std::string gamma, beta;
    DimList normalized(x_dims->end() - *k, x_dims->end());
    if (int m = index_.SoleReader(y); m >= 0 && IsOp(index_.node(m), "Mul")) {
      gamma = AffineOperand(index_.node(m), y, normalized);
      if (!gamma.empty()) {
        nodes.insert(m);
        y = index_.node(m).outputs[0];
        last = m;
      }
    }
    if (int a = index_.SoleReader(y); a >= 0 && IsOp(index_.node(a), "Add")) {
      beta = AffineOperand(index_.node(a), y, normalized);
      if (!beta.empty()) {
        nodes.insert(a);
        y = index_.node(a).outputs[0];
        last = a;
      }
    }
    // Every intermediate but the result must stay inside.
    for (int n : nodes) {
      if (n == last) continue;
      if (!index_.OnlyReadBy(index_.node(n).outputs[0], nodes)) return false;
    }

    if (gamma.empty()) {
      auto ones = std::make_shared<Tensor>(DataType::kFloat, Shape{1});
      ones->data<float>()[0] = 1.0f;
      gamma = names_.Make(FusedNodeName(r1) + "_scale");
      graph_.initializers[gamma] = std::move(ones);
    }
    out->at = last;
    out->node = Node();
    out->node.name = FusedNodeName(r1);
    out->node.domain = domain;
    out->node.op_type = "LayerNormalization";
    out->node.inputs = {x, gamma};
    if (!beta.empty()) out->node.inputs.push_back(beta);
    out->node.outputs = {y};
    out->node.attributes["axis"] = IntAttribute(-*k);
    out->node.attributes["epsilon"] = FloatAttribute(*eps);
    out->erase.clear();
    for (int n : nodes) {
      if (n != last) out->erase.push_back(n);
    }
    return true;
  }

 private:
  // The number k of trailing axes a keepdims ReduceMean reduces (its axes are the last k).
  std::optional<int64_t> TrailingAxes(const Node& r) const {
    if (r.inputs.empty() || r.outputs.size() != 1 || IntAttrOr(r, "keepdims", 1) != 1) {
      return std::nullopt;
    }
    std::vector<int64_t> axes;
    if (r.inputs.size() > 1 && !r.inputs[1].empty()) {
      const Tensor* t = index_.Constant(r.inputs[1]);
      if (t == nullptr || t->dtype() != DataType::kInt64) return std::nullopt;
      axes.assign(t->data<int64_t>(), t->data<int64_t>() + t->num_elements());
    } else if (const Attribute* a = r.FindAttribute("axes")) {
      axes = a->ints;
    }
    if (axes.empty()) return std::nullopt;
    const int rank = shapes_.Rank(r.inputs[0]);
    for (int64_t& a : axes) {
      if (a >= 0) {
        if (rank < 0) return std::nullopt;
        a -= rank;
      }
    }
    std::sort(axes.begin(), axes.end());
    const int64_t k = static_cast<int64_t>(axes.size());
    for (int64_t i = 0; i < k; ++i) {
      if (axes[i] != i - k) return std::nullopt;
    }
    return k;
  }

  bool IsSquare(const Node& n, const std::string& d) const {
    if (n.inputs.size() != 2 || n.outputs.size() != 1) return false;
    if (IsOp(n, "Mul")) return n.inputs[0] == d && n.inputs[1] == d;
    if (!IsOp(n, "Pow") || n.inputs[0] != d) return false;
    const Tensor* e = index_.Constant(n.inputs[1]);
    if (e == nullptr || e->num_elements() != 1 || e->rank() > 1) return false;
    if (e->dtype() == DataType::kFloat) return e->data<float>()[0] == 2.0f;
    if (e->dtype() == DataType::kDouble) return e->data<double>()[0] == 2.0;
    if (e->dtype() == DataType::kInt64) return e->data<int64_t>()[0] == 2;
    if (e->dtype() == DataType::kInt32) return e->data<int32_t>()[0] == 2;
    return false;
  }

  // The float scalar constant `n` adds to `value`, when it does not raise the rank.
  std::optional<float> ScalarOperand(const Node& n, const std::string& value, size_t rank) const {
    if (n.inputs.size() != 2 || n.outputs.size() != 1) return std::nullopt;
    if (n.inputs[0] != value && n.inputs[1] != value) return std::nullopt;
    const std::string& c = n.inputs[0] == value ? n.inputs[1] : n.inputs[0];
    std::optional<float> v = index_.ScalarFloat(c);
    if (!v || static_cast<size_t>(index_.Constant(c)->rank()) > rank) return std::nullopt;
    return v;
  }

  // The float constant operand of Mul/Add on `value` that broadcasts to the normalized dims.
  std::string AffineOperand(const Node& n, const std::string& value,
                            const DimList& normalized) const {
    if (n.inputs.size() != 2 || n.outputs.size() != 1 || n.inputs[0] == n.inputs[1]) return "";
    if (n.inputs[0] != value && n.inputs[1] != value) return "";
    const std::string& c = n.inputs[0] == value ? n.inputs[1] : n.inputs[0];
    const Tensor* t = index_.Constant(c);
    const DimList* dims = shapes_.Shape(c);
    if (t == nullptr || t->dtype() != DataType::kFloat || dims == nullptr ||
        !ShapeInfo::BroadcastsTo(*dims, normalized)) {
      return "";
    }
    return c;
  }

  const GraphIndex& index_;
  const ShapeInfo& shapes_;
  NameGenerator& names_;
  Graph& graph_;
};

}  // namespace

int FuseLayerNorm(Graph& graph, const OpsetMap& opsets, const KernelRegistry& registry) {
  std::string domain;
  if (HasKernel(registry, "", "LayerNormalization", OpsetOf(opsets, ""), DataType::kFloat)) {
    domain = "";
  } else if (HasKernel(registry, "berth", "LayerNormalization", 1, DataType::kFloat)) {
    domain = "berth";
  } else {
    return 0;
  }
  GraphIndex index(graph);
  ShapeInfo shapes = ShapeInfo::Infer(graph);
  NameGenerator names(graph);
  LayerNormMatcher matcher(index, shapes, names, graph);
  std::vector<bool> taken(graph.nodes.size(), false);
  std::vector<Rewrite> rewrites;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (taken[i] || !IsOp(graph.nodes[i], "ReduceMean")) continue;
    Rewrite r;
    if (!matcher.Match(static_cast<int>(i), domain, &r)) continue;
    bool free = !taken[r.at];
    for (int n : r.erase) free = free && !taken[n];
    if (!free) continue;
    taken[r.at] = true;
    for (int n : r.erase) taken[n] = true;
    rewrites.push_back(std::move(r));
  }
  return ApplyRewrites(graph, std::move(rewrites));
}

}  // namespace berth::engine
