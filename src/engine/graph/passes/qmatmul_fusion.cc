// ONNX Runtime's dynamic quantization of a matmul (contract C3's int8-dynamic form, what
// quantize_dynamic writes) and what follows -> berth::DynamicQuantizeMatMul (the contract is
// in kernels/math/math_kernels.h):
//   (xq, xs, xzp) = DynamicQuantizeLinear(x)
//   s = Mul(xs, W_scale)                          W_scale a float constant, 1 or N values
//   p = MatMulInteger(xq, W, xzp[, W_zp])         W a constant int8/uint8 [K, N], W_zp constant
//   y = Mul(Cast(p, to=float), s)                 (operands of both Muls in either order)
//   [-> Add(bias constant)] [-> residual Add and activation, in either order, as FusedMatMul]
// The fused node reads x itself; the DynamicQuantizeLinear stays while anything else reads
// its outputs (another MatMulInteger left unfused) and is removed as dead otherwise. The
// scale Mul is swallowed when only this pattern reads it.
#include "engine/graph/passes/matmul_matcher.h"
#include "engine/kernels/math/dnnl_qmatmul.h"

namespace berth::engine {
namespace {

constexpr int64_t kOnnxFloat = 1;  // TensorProto.FLOAT, Cast's `to`

// A float constant holding 1 or n values along its last dim (every other dim 1).
bool IsColumnVector(const Tensor* t, int64_t n) {
  if (t == nullptr || t->dtype() != DataType::kFloat) return false;
  if (t->num_elements() != 1 && t->num_elements() != n) return false;
  for (int i = 0; i + 1 < t->rank(); ++i) {
    if (t->dim(i) != 1) return false;
  }
  return true;
}

struct DynamicQuantMatch {
  MatMulFusion f;  // f.a is x, f.b is W
  std::string w_scale, w_zero_point;
};

class DynamicQuantMatcher {
 public:
  DynamicQuantMatcher(const GraphIndex& index, const ShapeInfo& shapes,
                      const std::vector<bool>& taken)
      : index_(index), taken_(taken), epilogue_(index, shapes, taken) {}

  std::optional<DynamicQuantMatch> Match(int at) {
    const Node& mm = index_.node(at);
    if (!IsOp(mm, "MatMulInteger") || mm.inputs.size() < 3 || mm.outputs.size() != 1) {
      return std::nullopt;
    }
    DynamicQuantMatch m;
    MatMulFusion& f = m.f;
    const int dql = index_.Producer(mm.inputs[0]);
    if (dql < 0) return std::nullopt;
    const Node& q = index_.node(dql);
    if (!IsOp(q, "DynamicQuantizeLinear") || q.inputs.size() != 1 || q.outputs.size() != 3 ||
        q.outputs[0] != mm.inputs[0] || q.outputs[2] != mm.inputs[2] || q.inputs[0].empty()) {
      return std::nullopt;
    }
    f.a = q.inputs[0];
    f.b = mm.inputs[1];
    if (mm.inputs.size() > 3) m.w_zero_point = mm.inputs[3];
    if (!WeightsFit(f.b, m.w_zero_point)) return std::nullopt;
    const int64_t n = index_.Constant(f.b)->dim(1);
    f.nodes = {at};
    f.last = at;
    f.out = mm.outputs[0];
    // Cast to float.
    const int cast = Next(f);
    if (cast < 0) return std::nullopt;
    const Node& c = index_.node(cast);
    if (!IsOp(c, "Cast") || c.outputs.size() != 1 || IntAttrOr(c, "to", 0) != kOnnxFloat) {
      return std::nullopt;
    }
    Take(&f, cast);
    // Mul by the scale product.
    const int mul = Next(f);
    if (mul < 0) return std::nullopt;
    const Node& ml = index_.node(mul);
    if (!IsOp(ml, "Mul") || ml.inputs.size() != 2 || ml.outputs.size() != 1 ||
        ml.inputs[0] == ml.inputs[1]) {
      return std::nullopt;
    }
    const std::string& s = ml.inputs[0] == f.out ? ml.inputs[1] : ml.inputs[0];
    const int scale_mul = index_.Producer(s);
    if (scale_mul < 0 || taken_[scale_mul]) return std::nullopt;
    const Node& sm = index_.node(scale_mul);
    if (!IsOp(sm, "Mul") || sm.inputs.size() != 2 || sm.outputs.size() != 1) return std::nullopt;
    if (sm.inputs[0] == q.outputs[1]) {
      m.w_scale = sm.inputs[1];
    } else if (sm.inputs[1] == q.outputs[1]) {
      m.w_scale = sm.inputs[0];
    } else {
      return std::nullopt;
    }
    if (!IsColumnVector(index_.Constant(m.w_scale), n)) return std::nullopt;
    Take(&f, mul);
    if (index_.SoleReader(s) == mul) f.nodes.insert(scale_mul);
    epilogue_.MatchEpilogue(&f);
    // The kernel takes a per-column bias only.
    if (!f.bias.empty() && !IsColumnVector(index_.Constant(f.bias), n)) return std::nullopt;
    return m;
  }

 private:
  // W is a constant 2-D 8-bit matrix whose zero point the kernel takes (see
  // DnnlQMatMul::SupportsDynamic).
  bool WeightsFit(const std::string& w, const std::string& zp) const {
    const Tensor* wt = index_.Constant(w);
    if (wt == nullptr) return false;
    const Tensor* zt = nullptr;
    if (!zp.empty()) {
      zt = index_.Constant(zp);
      if (zt == nullptr) return false;
    }
    absl::StatusOr<ShiftedWeights> shifted = ShiftWeightsToInt8("", *wt, zt, true);
    return shifted.ok() && DnnlQMatMul::SupportsDynamic(*shifted);
  }

  int Next(const MatMulFusion& f) const {
    const int r = index_.SoleReader(f.out);
    return r >= 0 && !taken_[r] ? r : -1;
  }

  void Take(MatMulFusion* f, int node) const {
    f->nodes.insert(node);
    f->last = node;
    f->out = index_.node(node).outputs[0];
  }

  const GraphIndex& index_;
  const std::vector<bool>& taken_;
  MatMulMatcher epilogue_;
};

Node MakeDynamicQuantizeMatMul(const Node& anchor, const DynamicQuantMatch& m) {
  const MatMulFusion& f = m.f;
  Node n;
  n.name = FusedNodeName(anchor);
  n.domain = "berth";
  n.op_type = "DynamicQuantizeMatMul";
  n.inputs = {f.a, f.b, m.w_scale, m.w_zero_point, f.bias, f.residual};
  while (!n.inputs.empty() && n.inputs.back().empty()) n.inputs.pop_back();
  n.outputs = {f.out};
  if (!f.activation.empty()) n.attributes["activation"] = StringAttribute(f.activation);
  if (f.residual_before_activation) n.attributes["residual_before_activation"] = IntAttribute(1);
  return n;
}

}  // namespace

int FuseDynamicQuantMatMul(Graph& graph, const KernelRegistry& registry) {
  if (!HasKernel(registry, "berth", "DynamicQuantizeMatMul", 1, DataType::kFloat)) return 0;
  GraphIndex index(graph);
  ShapeInfo shapes = ShapeInfo::Infer(graph);
  std::vector<bool> taken(graph.nodes.size(), false);
  std::vector<Rewrite> rewrites;
  DynamicQuantMatcher matcher(index, shapes, taken);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (taken[i]) continue;
    std::optional<DynamicQuantMatch> m = matcher.Match(static_cast<int>(i));
    if (!m) continue;
    rewrites.push_back(
        MatMulFusionRewrite(m->f, MakeDynamicQuantizeMatMul(graph.nodes[i], *m), taken));
  }
  return ApplyRewrites(graph, std::move(rewrites));
}

}  // namespace berth::engine
