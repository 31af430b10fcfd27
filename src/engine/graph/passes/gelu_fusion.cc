// GELU (erf form) subgraph matching and fusion.
//
// torch exports gelu(x) as Mul(Mul(x, Add(Erf(Div(x, 1.4142135)), 1)), 0.5); other exporters
// write x * 0.5 first, or multiply by 0.70710677 instead of dividing. All of these are
// 0.5 * x * (1 + erf(x / sqrt(2))). The constants must be float32 scalars of no larger rank
// than x (a [1, 1] constant would change the result's rank), and the scale must be sqrt(2)
// or its inverse to float precision: a truncated 1.4142 would change the result by ~1e-5.
#include <cmath>

#include "engine/graph/passes/fusions.h"

namespace berth::engine {
namespace {

bool Near(float v, double want) { return std::abs(v - want) <= 1e-6 * std::abs(want); }

class GeluMatcher {
 public:
  GeluMatcher(const GraphIndex& index, const ShapeInfo& shapes, const std::string& x)
      : index_(index), x_(x), x_rank_(shapes.Rank(x)) {}

  std::optional<GeluMatch> Match(bool x_only_in_match) {
    for (int start : index_.Readers(x_)) {
      if (start < 0) continue;
      std::optional<GeluMatch> m = MatchFrom(start);
      if (!m) continue;
      if (x_only_in_match && !index_.OnlyReadBy(x_, m->nodes)) continue;
      return m;
    }
    return std::nullopt;
  }

 private:
  // The constant operand of a two-input node whose other operand is `value`, when it is a
  // float32 one-element initializer that does not raise the rank.
  std::optional<float> ScalarOperand(const Node& node, const std::string& value) const {
    if (node.inputs.size() != 2 || node.outputs.size() != 1) return std::nullopt;
    const std::string& other = node.inputs[0] == value ? node.inputs[1] : node.inputs[0];
    if (node.inputs[0] != value && node.inputs[1] != value) return std::nullopt;
    std::optional<float> v = index_.ScalarFloat(other);
    if (!v) return std::nullopt;
    const int rank = index_.Constant(other)->rank();
    if (rank > 0 && (x_rank_ < 0 || rank > x_rank_)) return std::nullopt;
    return v;
  }

  // The node that alone reads `value`, when it is (domain "", op).
  const Node* Next(const std::string& value, const char* op, int* at) const {
    *at = index_.SoleReader(value);
    if (*at < 0 || !IsOp(index_.node(*at), op)) return nullptr;
    return &index_.node(*at);
  }

  static bool Reads(const Node& node, const std::string& a, const std::string& b) {
    return node.inputs.size() == 2 && node.outputs.size() == 1 &&
           ((node.inputs[0] == a && node.inputs[1] == b) ||
            (node.inputs[0] == b && node.inputs[1] == a));
  }

  std::optional<GeluMatch> MatchFrom(int start) const {
    const Node& scale = index_.node(start);
    std::optional<float> k = ScalarOperand(scale, x_);
    if (!k) return std::nullopt;
    if (IsOp(scale, "Div")) {
      if (scale.inputs[0] != x_ || !Near(*k, M_SQRT2)) return std::nullopt;
    } else if (IsOp(scale, "Mul")) {
      if (!Near(*k, M_SQRT1_2)) return std::nullopt;
    } else {
      return std::nullopt;
    }
    int erf_at, add_at;
    const Node* erf = Next(scale.outputs[0], "Erf", &erf_at);
    if (erf == nullptr || erf->outputs.size() != 1) return std::nullopt;
    const Node* add = Next(erf->outputs[0], "Add", &add_at);
    if (add == nullptr) return std::nullopt;
    std::optional<float> one = ScalarOperand(*add, erf->outputs[0]);
    if (!one || *one != 1.0f) return std::nullopt;
    const std::string& p = add->outputs[0];
    GeluMatch m;
    m.nodes = {start, erf_at, add_at};

    int r_at;
    const Node* r = Next(p, "Mul", &r_at);
    if (r == nullptr) return std::nullopt;
    m.nodes.insert(r_at);
    std::optional<float> half = ScalarOperand(*r, p);
    if (half) {
      // x * (p * 0.5)
      if (*half != 0.5f) return std::nullopt;
      int y_at;
      const Node* y = Next(r->outputs[0], "Mul", &y_at);
      if (y == nullptr || !Reads(*y, x_, r->outputs[0])) return std::nullopt;
      m.nodes.insert(y_at);
      m.last = y_at;
      m.output = y->outputs[0];
      return m;
    }
    if (Reads(*r, x_, p)) {
      // (x * p) * 0.5
      int y_at;
      const Node* y = Next(r->outputs[0], "Mul", &y_at);
      if (y == nullptr) return std::nullopt;
      std::optional<float> h = ScalarOperand(*y, r->outputs[0]);
      if (!h || *h != 0.5f) return std::nullopt;
      m.nodes.insert(y_at);
      m.last = y_at;
      m.output = y->outputs[0];
      return m;
    }
    // (x * 0.5) * p
    if (r->inputs.size() != 2 || r->outputs.size() != 1) return std::nullopt;
    const std::string& h = r->inputs[0] == p ? r->inputs[1] : r->inputs[0];
    const int h_at = index_.Producer(h);
    if (h_at < 0 || index_.SoleReader(h) != r_at || !IsOp(index_.node(h_at), "Mul")) {
      return std::nullopt;
    }
    const Node& hn = index_.node(h_at);
    std::optional<float> hv = ScalarOperand(hn, x_);
    if (!hv || *hv != 0.5f) return std::nullopt;
    m.nodes.insert(h_at);
    m.last = r_at;
    m.output = r->outputs[0];
    return m;
  }

  const GraphIndex& index_;
  const std::string& x_;
  int x_rank_;
};

}  // namespace

std::optional<GeluMatch> MatchGelu(const GraphIndex& index, const ShapeInfo& shapes,
                                   const std::string& x) {
  return GeluMatcher(index, shapes, x).Match(/*x_only_in_match=*/true);
}

std::optional<GeluMatch> MatchGeluKeepingInput(const GraphIndex& index, const ShapeInfo& shapes,
                                               const std::string& x) {
  return GeluMatcher(index, shapes, x).Match(/*x_only_in_match=*/false);
}

int FuseGelu(Graph& graph, const OpsetMap& opsets, const KernelRegistry& registry) {
  std::string domain;
  if (HasKernel(registry, "", "Gelu", OpsetOf(opsets, ""), DataType::kFloat)) {
    domain = "";
  } else if (HasKernel(registry, "berth", "Gelu", 1, DataType::kFloat)) {
    domain = "berth";
  } else {
    return 0;
  }
  GraphIndex index(graph);
  ShapeInfo shapes = ShapeInfo::Infer(graph);
  std::vector<bool> taken(graph.nodes.size(), false);
  std::vector<Rewrite> rewrites;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (!IsOp(graph.nodes[i], "Erf") || graph.nodes[i].inputs.size() != 1) continue;
    const int scale = index.Producer(graph.nodes[i].inputs[0]);
    if (scale < 0 || graph.nodes[scale].inputs.size() != 2) continue;
    std::optional<GeluMatch> m;
    for (const std::string& x : graph.nodes[scale].inputs) {
      if (index.Constant(x) != nullptr) continue;
      m = MatchGeluKeepingInput(index, shapes, x);
      if (!m || !m->nodes.count(scale)) continue;
      bool free = true;
      for (int n : m->nodes) free = free && !taken[n];
      if (!free) break;
      Rewrite r;
      r.at = m->last;
      r.node.name = FusedNodeName(graph.nodes[i]);
      r.node.domain = domain;
      r.node.op_type = "Gelu";
      r.node.inputs = {x};
      r.node.outputs = {m->output};
      for (int n : m->nodes) {
        taken[n] = true;
        if (n != m->last) r.erase.push_back(n);
      }
      rewrites.push_back(std::move(r));
      break;
    }
  }
  return ApplyRewrites(graph, std::move(rewrites));
}

}  // namespace berth::engine
