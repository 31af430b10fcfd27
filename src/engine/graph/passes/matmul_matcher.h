// The matcher of MatMul/Gemm patterns shared by the matmul fusions (matmul_fusion.cc for
// berth::FusedMatMul, qmatmul_fusion.cc for berth::DynamicQuantizeMatMul, which reuses its
// epilogue: bias, residual, activation). Internal to the passes.
#ifndef BERTH_ENGINE_GRAPH_PASSES_MATMUL_MATCHER_H_
#define BERTH_ENGINE_GRAPH_PASSES_MATMUL_MATCHER_H_

#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/graph/passes/fusions.h"

namespace berth::engine {

// A MatMul/Gemm and the nodes a fusion folds into it.
struct MatMulFusion {
  std::string a, b, bias, residual;
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 1.0f;
  std::string activation;
  bool residual_before_activation = false;
  std::set<int> nodes;  // every node the fused node replaces
  int last = -1;        // the one producing `out`
  std::string out;
};

// The rewrite putting `node` (the fused node) in the place of f.last and erasing f's other
// nodes; marks all of f's nodes taken.
inline Rewrite MatMulFusionRewrite(const MatMulFusion& f, Node node, std::vector<bool>& taken) {
  Rewrite r;
  r.at = f.last;
  r.node = std::move(node);
  for (int n : f.nodes) {
    taken[n] = true;
    if (n != f.last) r.erase.push_back(n);
  }
  return r;
}

// Finds FusedMatMul patterns; `taken` marks nodes already claimed by earlier matches.
class MatMulMatcher {
 public:
  MatMulMatcher(const GraphIndex& index, const ShapeInfo& shapes, const std::vector<bool>& taken)
      : index_(index), shapes_(shapes), taken_(taken) {}

  std::optional<MatMulFusion> Match(int at) {
    const Node& mm = index_.node(at);
    const bool gemm = IsOp(mm, "Gemm");
    if (!(gemm || IsOp(mm, "MatMul")) || mm.outputs.size() != 1 || mm.inputs.size() < 2 ||
        mm.inputs[0].empty() || mm.inputs[1].empty()) {
      return std::nullopt;
    }
    MatMulFusion f;
    f.a = mm.inputs[0];
    f.b = mm.inputs[1];
    if (!IsFloat(f.a) && !IsFloat(f.b)) return std::nullopt;
    f.nodes = {at};
    f.last = at;
    f.out = mm.outputs[0];
    bool changed = false;
    if (gemm) {
      f.trans_a = IntAttrOr(mm, "transA", 0) != 0;
      f.trans_b = IntAttrOr(mm, "transB", 0) != 0;
      f.alpha = FloatAttrOr(mm, "alpha", 1.0f);
      f.beta = FloatAttrOr(mm, "beta", 1.0f);
      if (mm.inputs.size() > 2) f.bias = mm.inputs[2];
    }
    changed |= AbsorbTranspose(at, &f.a, &f.trans_a, &f);
    changed |= AbsorbTranspose(at, &f.b, &f.trans_b, &f);
    if (!gemm || (f.bias.empty() && f.alpha == 1.0f)) changed |= MatchScale(&f);
    changed |= MatchEpilogue(&f);
    if (!changed) return std::nullopt;
    return f;
  }

  // Extends `f` (whose `out` is a product's float value) with what may follow it: an Add of a
  // constant bias (when f->bias is empty), then a residual Add and an activation in either
  // order. Returns true when it took any node.
  bool MatchEpilogue(MatMulFusion* f) {
    bool changed = f->bias.empty() && MatchBias(f);
    if (MatchResidual(f)) {
      changed = true;
      if (MatchActivation(f)) f->residual_before_activation = true;
    } else if (MatchActivation(f)) {
      changed = true;
      MatchResidual(f);
    }
    return changed;
  }

 private:
  bool IsFloat(const std::string& v) const {
    if (shapes_.Type(v) == DataType::kFloat) return true;
    const Tensor* t = index_.Constant(v);
    return t != nullptr && t->dtype() == DataType::kFloat;
  }

  // The node alone reading f->out, when it is free.
  int Next(const MatMulFusion& f) const {
    int r = index_.SoleReader(f.out);
    return r >= 0 && !taken_[r] ? r : -1;
  }

  void Take(MatMulFusion* f, int node) {
    f->nodes.insert(node);
    f->last = node;
    f->out = index_.node(node).outputs[0];
  }

  // operand = Transpose(v) swapping the last two dims, read only by the matmul.
  bool AbsorbTranspose(int mm, std::string* operand, bool* trans, MatMulFusion* f) {
    const int t = index_.Producer(*operand);
    if (t < 0 || taken_[t] || index_.SoleReader(*operand) != mm) return false;
    const Node& tn = index_.node(t);
    const std::optional<std::vector<int64_t>> perm = TransposePerm(tn);
    if (!perm || perm->size() < 2) return false;
    const int64_t r = static_cast<int64_t>(perm->size());
    for (int64_t i = 0; i < r - 2; ++i) {
      if ((*perm)[i] != i) return false;
    }
    if ((*perm)[r - 2] != r - 1 || (*perm)[r - 1] != r - 2) return false;
    *operand = tn.inputs[0];
    *trans = !*trans;
    f->nodes.insert(t);
    return true;
  }

  // out * c or out / c with c a float scalar that does not raise the rank.
  bool MatchScale(MatMulFusion* f) {
    const int r = Next(*f);
    if (r < 0) return false;
    const Node& n = index_.node(r);
    const bool mul = IsOp(n, "Mul"), div = IsOp(n, "Div");
    if ((!mul && !div) || n.inputs.size() != 2 || n.outputs.size() != 1) return false;
    if (div && n.inputs[0] != f->out) return false;
    const std::string& c = n.inputs[0] == f->out ? n.inputs[1] : n.inputs[0];
    std::optional<float> v = index_.ScalarFloat(c);
    if (!v || !RankKept(c, f->out)) return false;
    float s = *v;
    if (div) {
      int exp;
      if (!std::isfinite(s) || std::abs(std::frexp(s, &exp)) != 0.5f) return false;
      s = 1.0f / s;
      if (!std::isnormal(s)) return false;
    }
    f->alpha *= s;
    Take(f, r);
    return true;
  }

  // A one-element constant's rank must not exceed the value's (known) rank.
  bool RankKept(const std::string& constant, const std::string& value) const {
    const int rank = index_.Constant(constant)->rank();
    return rank == 0 || (shapes_.Rank(value) >= rank);
  }

  // The free Add alone reading f.out, of two distinct values; *other is its other operand.
  // -1 when there is none.
  int NextAdd(const MatMulFusion& f, std::string* other) const {
    const int r = Next(f);
    if (r < 0) return -1;
    const Node& n = index_.node(r);
    if (!IsOp(n, "Add") || n.inputs.size() != 2 || n.outputs.size() != 1 ||
        n.inputs[0] == n.inputs[1]) {
      return -1;
    }
    *other = n.inputs[0] == f.out ? n.inputs[1] : n.inputs[0];
    return r;
  }

  bool MatchBias(MatMulFusion* f) {
    std::string c;
    const int r = NextAdd(*f, &c);
    if (r < 0) return false;
    const Tensor* t = index_.Constant(c);
    if (t == nullptr || t->dtype() != DataType::kFloat || !BiasFits(*t, c, *f)) return false;
    f->bias = c;
    f->beta = 1.0f;  // a Gemm without C may carry any beta; it scaled nothing
    Take(f, r);
    return true;
  }

  // The bias broadcasts to Y: checked on Y's inferred shape, or, without it, a vector of
  // B's column count (which is Y's last dim whatever A is).
  bool BiasFits(const Tensor& t, const std::string& name, const MatMulFusion& f) const {
    if (shapes_.BroadcastsTo(name, f.out)) return true;
    const DimList* b = shapes_.Shape(f.b);
    if (t.rank() > 1 || b == nullptr || b->size() < 2) return false;
    const Dim& n = f.trans_b ? (*b)[b->size() - 2] : b->back();
    return t.num_elements() == 1 || (n.is_fixed() && n.value == t.num_elements());
  }

  bool MatchResidual(MatMulFusion* f) {
    if (!f->residual.empty()) return false;
    std::string v;
    const int r = NextAdd(*f, &v);
    if (r < 0) return false;
    if (v.empty() || !shapes_.BroadcastsTo(v, f->out)) return false;
    f->residual = v;
    Take(f, r);
    return true;
  }

  bool MatchActivation(MatMulFusion* f) {
    if (!f->activation.empty()) return false;
    const int r = Next(*f);
    if (r >= 0) {
      const Node& n = index_.node(r);
      if (n.inputs.size() == 1 && n.outputs.size() == 1) {
        std::string act;
        if (IsOp(n, "Relu") || IsOp(n, "Tanh") || IsOp(n, "Sigmoid")) act = n.op_type;
        if ((IsOp(n, "Gelu") || (n.domain == "berth" && n.op_type == "Gelu"))) {
          const Attribute* approx = n.FindAttribute("approximate");
          const std::string mode = approx == nullptr ? "none" : approx->s;
          if (mode == "none") act = "Gelu";
          if (mode == "tanh") act = "GeluTanh";
        }
        if (!act.empty()) {
          f->activation = act;
          Take(f, r);
          return true;
        }
      }
    }
    std::optional<GeluMatch> gelu = MatchGelu(index_, shapes_, f->out);
    if (!gelu) return false;
    for (int n : gelu->nodes) {
      if (taken_[n]) return false;
    }
    f->activation = "Gelu";
    f->nodes.insert(gelu->nodes.begin(), gelu->nodes.end());
    f->last = gelu->last;
    f->out = gelu->output;
    return true;
  }

  const GraphIndex& index_;
  const ShapeInfo& shapes_;
  const std::vector<bool>& taken_;
};

}  // namespace berth::engine

#endif  // BERTH_ENGINE_GRAPH_PASSES_MATMUL_MATCHER_H_
