// QDQ fusion: the quantized operators hidden in a QDQ model (ONNX Runtime's quantize_static,
// `berth optimize --quantize int8-static`: contract C3) become 8-bit kernels, so int8 flows
// from convolution to convolution without float round trips:
//   DQ(x) -> Conv(., DQ(int8 W), [DQ(int32 B) | float B]) [-> Relu] -> Q
//       => berth::QLinearConv (kernels/nn/qlinear_conv.h); Gemm with transB likewise, as
//          the kernel's fully connected form
//   DQ(a) + DQ(b) [-> Relu] -> Q        => berth::QLinearAdd (kernels/math/qlinear_add.h)
//   DQ(x) -> MaxPool -> Q (same scale and zero point) => MaxPool on the 8-bit x
// DQ and Q here are per tensor with constant scalar parameters (weights: per tensor or per
// output channel, zero points 0). A DequantizeLinear stays only while a float reader is left;
// one of constant weights goes with it. With channels_last, the new nodes run N, spatial..., C
// with Transposes around them that FuseTransposes cancels between neighbours.
//
// The pass runs before constant folding, which would otherwise turn the weights' DQ into
// float initializers.
#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/core/channels_last.h"
#include "engine/graph/passes/fusions.h"
#include "engine/graph/passes/optimize.h"

namespace berth::engine {
namespace {

bool IsByteType(DataType t) { return t == DataType::kUint8 || t == DataType::kInt8; }

// A per-tensor quantization (inputs 1 and 2 of a QuantizeLinear or DequantizeLinear).
struct TensorQuant {
  std::string scale, zero_point;  // value names; zero_point "" when absent (uint8, 0)
  float s = 1.f;
  int32_t z = 0;
  DataType type = DataType::kUint8;
};

std::optional<TensorQuant> ReadTensorQuant(const GraphIndex& index, const Node& n) {
  if (n.inputs.size() < 2 || n.inputs.size() > 3 || n.outputs.size() != 1 || n.inputs[0].empty() ||
      IntAttrOr(n, "block_size", 0) != 0 || n.FindAttribute("output_dtype") != nullptr) {
    return std::nullopt;
  }
  TensorQuant q;
  q.scale = n.inputs[1];
  std::optional<float> s = index.ScalarFloat(q.scale);
  if (!s || !(*s > 0.f) || !std::isfinite(*s)) return std::nullopt;
  q.s = *s;
  if (n.inputs.size() == 3 && !n.inputs[2].empty()) {
    const Tensor* zp = index.Constant(n.inputs[2]);
    if (zp == nullptr || !IsByteType(zp->dtype()) || zp->num_elements() != 1) return std::nullopt;
    q.zero_point = n.inputs[2];
    q.type = zp->dtype();
    q.z = q.type == DataType::kInt8 ? zp->data<int8_t>()[0] : zp->data<uint8_t>()[0];
  }
  return q;
}

// An 8-bit activation read through DequantizeLinear.
struct Dequantized {
  std::string q;  // the 8-bit value
  TensorQuant quant;
};

// `value` when it is DequantizeLinear(q) of an activation (not a constant) with a constant
// per-tensor zero point (which gives q's type); nullopt otherwise.
std::optional<Dequantized> DequantizedInput(const GraphIndex& index, const std::string& value) {
  const int p = index.Producer(value);
  if (p < 0 || !IsOp(index.node(p), "DequantizeLinear")) return std::nullopt;
  const Node& dq = index.node(p);
  std::optional<TensorQuant> q = ReadTensorQuant(index, dq);
  if (!q || q->zero_point.empty() || index.Constant(dq.inputs[0]) != nullptr) return std::nullopt;
  return Dequantized{dq.inputs[0], *q};
}

// The QuantizeLinear that alone reads `value`, per tensor: its index, or -1.
int SoleQuantize(const GraphIndex& index, const std::string& value, TensorQuant* quant) {
  const int r = index.SoleReader(value);
  if (r < 0 || !IsOp(index.node(r), "QuantizeLinear")) return -1;
  std::optional<TensorQuant> q = ReadTensorQuant(index, index.node(r));
  if (!q) return -1;
  *quant = *q;
  return r;
}

// Constant int8 weights read through DequantizeLinear, symmetric (zero points 0), per tensor
// or per output channel (axis 0).
struct QuantWeights {
  std::string w, scale, zero_point;
  const Tensor* tensor = nullptr;
  std::vector<float> scales;  // one per output channel
};

// `min_rank` is 3 for convolutions, 2 for Gemm's [M, K] (transB).
std::optional<QuantWeights> WeightsInput(const GraphIndex& index, const std::string& value,
                                         int min_rank = 3) {
  const int p = index.Producer(value);
  if (p < 0 || !IsOp(index.node(p), "DequantizeLinear")) return std::nullopt;
  const Node& dq = index.node(p);
  if (dq.inputs.size() < 2 || dq.outputs.size() != 1 || IntAttrOr(dq, "block_size", 0) != 0) {
    return std::nullopt;
  }
  QuantWeights qw;
  qw.w = dq.inputs[0];
  qw.tensor = index.Constant(qw.w);
  if (qw.tensor == nullptr || qw.tensor->dtype() != DataType::kInt8 ||
      qw.tensor->rank() < min_rank || qw.tensor->rank() > 5) {
    return std::nullopt;
  }
  const int64_t m = qw.tensor->dim(0);
  const Tensor* scale = index.Constant(dq.inputs[1]);
  if (scale == nullptr || scale->dtype() != DataType::kFloat) return std::nullopt;
  const bool per_channel = scale->num_elements() != 1;
  if (per_channel) {
    const int64_t axis = IntAttrOr(dq, "axis", 1);
    if (scale->rank() != 1 || scale->dim(0) != m || (axis != 0 && axis != -qw.tensor->rank())) {
      return std::nullopt;
    }
  }
  for (int64_t c = 0; c < m; ++c) {
    const float s = scale->data<float>()[per_channel ? c : 0];
    if (!(s > 0.f) || !std::isfinite(s)) return std::nullopt;
    qw.scales.push_back(s);
  }
  qw.scale = dq.inputs[1];
  if (dq.inputs.size() > 2 && !dq.inputs[2].empty()) {
    const Tensor* zp = index.Constant(dq.inputs[2]);
    if (zp == nullptr || zp->dtype() != DataType::kInt8 ||
        zp->num_elements() != scale->num_elements()) {
      return std::nullopt;
    }
    for (int8_t z : zp->span<int8_t>()) {
      if (z != 0) return std::nullopt;
    }
    qw.zero_point = dq.inputs[2];
  }
  return qw;
}

// The bias as QLinearConv wants it: int32 in units of x_scale * w_scale[m]. Either the name
// of an existing initializer that already is that (ORT's DQ(int32) convention), or a new
// tensor requantized from the float bias; nullopt when the bias is not constant or does not
// fit int32.
struct QuantBias {
  std::string name;  // existing initializer, or "" with `tensor` set
  std::optional<Tensor> tensor;
};

std::optional<std::vector<double>> FloatBias(const GraphIndex& index, const std::string& value,
                                             int64_t m, const std::string** int32_name,
                                             const Tensor** int32_scale) {
  if (const Tensor* b = index.Constant(value)) {
    if (b->dtype() != DataType::kFloat || b->num_elements() != m) return std::nullopt;
    return std::vector<double>(b->data<float>(), b->data<float>() + m);
  }
  const int p = index.Producer(value);
  if (p < 0 || !IsOp(index.node(p), "DequantizeLinear")) return std::nullopt;
  const Node& dq = index.node(p);
  if (dq.inputs.size() < 2 || dq.outputs.size() != 1) return std::nullopt;
  const Tensor* b = index.Constant(dq.inputs[0]);
  const Tensor* s = index.Constant(dq.inputs[1]);
  if (b == nullptr || s == nullptr || b->dtype() != DataType::kInt32 || b->rank() != 1 ||
      b->dim(0) != m || s->dtype() != DataType::kFloat ||
      !(s->num_elements() == 1 || s->num_elements() == m)) {
    return std::nullopt;
  }
  const Tensor* zp =
      dq.inputs.size() > 2 && !dq.inputs[2].empty() ? index.Constant(dq.inputs[2]) : nullptr;
  if (dq.inputs.size() > 2 && !dq.inputs[2].empty() &&
      (zp == nullptr || zp->dtype() != DataType::kInt32)) {
    return std::nullopt;
  }
  std::vector<double> real(m);
  bool zero_zp = true;
  for (int64_t c = 0; c < m; ++c) {
    const int64_t z = zp == nullptr ? 0 : zp->data<int32_t>()[zp->num_elements() == 1 ? 0 : c];
    zero_zp = zero_zp && z == 0;
    const float sc = s->data<float>()[s->num_elements() == 1 ? 0 : c];
    real[c] = (static_cast<double>(b->data<int32_t>()[c]) - z) * sc;
  }
  if (zero_zp) {
    *int32_name = &dq.inputs[0];
    *int32_scale = s;
  }
  return real;
}

std::optional<QuantBias> BiasInput(const GraphIndex& index, const std::string& value, float xs,
                                   const std::vector<float>& ws) {
  const int64_t m = static_cast<int64_t>(ws.size());
  const std::string* int32_name = nullptr;
  const Tensor* int32_scale = nullptr;
  std::optional<std::vector<double>> real = FloatBias(index, value, m, &int32_name, &int32_scale);
  if (!real) return std::nullopt;
  if (int32_name != nullptr) {
    bool same = true;  // the stored scale is x_scale * w_scale (float rounding aside)
    for (int64_t c = 0; c < m && same; ++c) {
      const double want = static_cast<double>(xs) * ws[c];
      const double have = int32_scale->data<float>()[int32_scale->num_elements() == 1 ? 0 : c];
      same = std::abs(have - want) <= 1e-6 * want;
    }
    if (same) return QuantBias{*int32_name, std::nullopt};
  }
  Tensor t(DataType::kInt32, {m});
  for (int64_t c = 0; c < m; ++c) {
    const double q = std::nearbyint((*real)[c] / (static_cast<double>(xs) * ws[c]));
    if (!(std::abs(q) <= std::numeric_limits<int32_t>::max())) return std::nullopt;
    t.data<int32_t>()[c] = static_cast<int32_t>(q);
  }
  return QuantBias{"", std::move(t)};
}

// A Relu alone reading `value`, then the QuantizeLinear alone reading the result; or the
// QuantizeLinear alone reading `value`. Fills the chain (Relu first if any) and the
// quantization; false when neither.
bool ReluThenQuantize(const GraphIndex& index, const std::string& value, std::vector<int>* chain,
                      bool* relu, TensorQuant* quant) {
  std::string out = value;
  *relu = false;
  const int r = index.SoleReader(out);
  if (r >= 0 && IsOp(index.node(r), "Relu") && index.node(r).outputs.size() == 1) {
    *relu = true;
    chain->push_back(r);
    out = index.node(r).outputs[0];
  }
  const int q = SoleQuantize(index, out, quant);
  if (q < 0) return false;
  chain->push_back(q);
  return true;
}

// Conv or Gemm node `at` read entirely through quantization: DQ(x), DQ(int8 weights), an
// optional bias (constant, or DQ of int32), with one output that [Relu ->] QuantizeLinear
// reads. `min_rank` is WeightsInput's. The chain starts with the node itself.
struct QuantizedLinear {
  Dequantized x;
  QuantWeights w;
  std::optional<QuantBias> bias;
  std::vector<int> chain;
  bool relu = false;
  TensorQuant y;
};

std::optional<QuantizedLinear> MatchQuantizedLinear(const GraphIndex& index, int at, int min_rank) {
  const Node& node = index.node(at);
  if (node.inputs.size() < 2 || node.inputs.size() > 3 || node.outputs.size() != 1) {
    return std::nullopt;
  }
  std::optional<Dequantized> x = DequantizedInput(index, node.inputs[0]);
  std::optional<QuantWeights> w = WeightsInput(index, node.inputs[1], min_rank);
  if (!x || !w) return std::nullopt;
  QuantizedLinear m;
  m.x = std::move(*x);
  m.w = std::move(*w);
  if (node.inputs.size() == 3 && !node.inputs[2].empty()) {
    m.bias = BiasInput(index, node.inputs[2], m.x.quant.s, m.w.scales);
    if (!m.bias) return std::nullopt;
  }
  m.chain = {at};
  if (!ReluThenQuantize(index, node.outputs[0], &m.chain, &m.relu, &m.y)) return std::nullopt;
  return m;
}

class QdqFusion {
 public:
  QdqFusion(Graph& graph, const OpsetMap& opsets, const KernelRegistry& registry,
            bool channels_last)
      : graph_(graph),
        opsets_(opsets),
        registry_(registry),
        channels_last_(channels_last),
        names_(graph) {}

  int Run() {
    GraphIndex index(graph_);
    ShapeInfo shapes = ShapeInfo::Infer(graph_);
    std::vector<bool> taken(graph_.nodes.size(), false);
    std::vector<Rewrite> rewrites;
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      if (taken[i]) continue;
      std::optional<Rewrite> r;
      const Node& node = graph_.nodes[i];
      if (IsOp(node, "Conv")) r = MatchConv(index, static_cast<int>(i));
      if (IsOp(node, "Add")) r = MatchAdd(index, shapes, static_cast<int>(i));
      if (IsOp(node, "MaxPool")) r = MatchMaxPool(index, static_cast<int>(i));
      if (IsOp(node, "Gemm")) r = MatchGemm(index, shapes, static_cast<int>(i));
      if (!r) continue;
      std::vector<int> all = r->erase;
      all.push_back(r->at);
      bool free = true;
      for (int n : all) free = free && !taken[n];
      if (!free) continue;
      for (int n : all) taken[n] = true;
      rewrites.push_back(std::move(*r));
    }
    const int fused = ApplyRewrites(graph_, std::move(rewrites));
    if (fused > 0 && channels_last_) ToChannelsLast();
    return fused;
  }

 private:
  std::optional<Rewrite> MatchConv(const GraphIndex& index, int c) {
    if (!HasKernel(registry_, kBerthDomain, "QLinearConv", 1, DataType::kUint8)) {
      return std::nullopt;
    }
    const Node& conv = index.node(c);
    std::optional<QuantizedLinear> m = MatchQuantizedLinear(index, c, /*min_rank=*/3);
    if (!m) return std::nullopt;
    Rewrite r = FusedRewrite(index, conv, m->chain, "QLinearConv", m->relu, conv.attributes,
                             {m->x.q, m->x.quant.scale, m->x.quant.zero_point, m->w.w, m->w.scale,
                              m->w.zero_point, m->y.scale, m->y.zero_point});
    if (m->bias) r.node.inputs.push_back(BiasName(*m->bias, conv.inputs[2]));
    ranks_[r.node.outputs[0]] = m->w.tensor->rank();
    return r;
  }

  // Gemm(DQ(x [N, K]), DQ(int8 W [M, K]), bias, transB=1) [-> Relu] -> Q is a 1x1
  // QLinearConv on [N, K] (the kernel's fully connected form), weights reshaped [M, K, 1].
  std::optional<Rewrite> MatchGemm(const GraphIndex& index, const ShapeInfo& shapes, int g) {
    if (!HasKernel(registry_, kBerthDomain, "QLinearConv", 1, DataType::kUint8)) {
      return std::nullopt;
    }
    const Node& gemm = index.node(g);
    if (gemm.inputs.size() < 2 || IntAttrOr(gemm, "transA", 0) != 0 ||
        IntAttrOr(gemm, "transB", 0) != 1 || FloatAttrOr(gemm, "alpha", 1.f) != 1.f ||
        FloatAttrOr(gemm, "beta", 1.f) != 1.f || shapes.Rank(gemm.inputs[0]) != 2) {
      return std::nullopt;
    }
    std::optional<QuantizedLinear> m = MatchQuantizedLinear(index, g, /*min_rank=*/2);
    if (!m || m->w.tensor->rank() != 2) return std::nullopt;
    const Tensor& w = *m->w.tensor;
    Tensor w3(DataType::kInt8, {w.dim(0), w.dim(1), 1});
    std::copy_n(w.data<int8_t>(), w.num_elements(), w3.data<int8_t>());
    const std::string w_name = names_.Make(m->w.w + "_fc");
    graph_.initializers[w_name] = std::make_shared<const Tensor>(std::move(w3));
    Rewrite r = FusedRewrite(index, gemm, m->chain, "QLinearConv", m->relu, {},
                             {m->x.q, m->x.quant.scale, m->x.quant.zero_point, w_name, m->w.scale,
                              m->w.zero_point, m->y.scale, m->y.zero_point});
    if (m->bias) r.node.inputs.push_back(BiasName(*m->bias, gemm.inputs[2]));
    return r;
  }

  // The berth-domain `op` replacing `chain` (anchor first, the QuantizeLinear last): it takes
  // the QuantizeLinear's place and output.
  static Rewrite FusedRewrite(const GraphIndex& index, const Node& anchor,
                              const std::vector<int>& chain, const char* op, bool relu,
                              std::map<std::string, Attribute> attributes,
                              std::vector<std::string> inputs) {
    Rewrite r;
    r.at = chain.back();
    r.erase.assign(chain.begin(), chain.end() - 1);
    r.node.name = FusedNodeName(anchor);
    r.node.domain = kBerthDomain;
    r.node.op_type = op;
    r.node.attributes = std::move(attributes);
    if (relu) r.node.attributes["activation"] = StringAttribute("Relu");
    r.node.inputs = std::move(inputs);
    r.node.outputs = {index.node(r.at).outputs[0]};
    return r;
  }

  // The bias input's name: the existing int32 initializer, or a new one for a requantized
  // bias, named after `original`.
  std::string BiasName(QuantBias& bias, const std::string& original) {
    if (!bias.tensor) return bias.name;
    std::string name = names_.Make(original + "_int32");
    graph_.initializers[name] = std::make_shared<const Tensor>(std::move(*bias.tensor));
    return name;
  }

  std::optional<Rewrite> MatchAdd(const GraphIndex& index, const ShapeInfo& shapes, int a) {
    if (!HasKernel(registry_, kBerthDomain, "QLinearAdd", 1, DataType::kUint8)) {
      return std::nullopt;
    }
    const Node& add = index.node(a);
    if (add.inputs.size() != 2 || add.outputs.size() != 1 ||
        !shapes.SameShape(add.inputs[0], add.inputs[1])) {
      return std::nullopt;
    }
    std::optional<Dequantized> x = DequantizedInput(index, add.inputs[0]);
    std::optional<Dequantized> z = DequantizedInput(index, add.inputs[1]);
    if (!x || !z) return std::nullopt;
    std::vector<int> chain = {a};
    bool relu = false;
    TensorQuant y;
    if (!ReluThenQuantize(index, add.outputs[0], &chain, &relu, &y)) return std::nullopt;
    Rewrite r = FusedRewrite(index, add, chain, "QLinearAdd", relu, {},
                             {x->q, x->quant.scale, x->quant.zero_point, z->q, z->quant.scale,
                              z->quant.zero_point, y.scale, y.zero_point});
    ranks_[r.node.outputs[0]] = shapes.Rank(add.inputs[0]);
    return r;
  }

  // Max commutes with a monotonic requantization to the same scale and zero point: the pool
  // runs on the 8-bit values themselves.
  std::optional<Rewrite> MatchMaxPool(const GraphIndex& index, int p) {
    const Node& pool = index.node(p);
    if (pool.inputs.size() != 1 || pool.outputs.empty() ||
        (pool.outputs.size() > 1 && !pool.outputs[1].empty())) {
      return std::nullopt;
    }
    std::optional<Dequantized> x = DequantizedInput(index, pool.inputs[0]);
    if (!x) return std::nullopt;
    TensorQuant y;
    const int q = SoleQuantize(index, pool.outputs[0], &y);
    if (q < 0 || y.s != x->quant.s || y.z != x->quant.z || y.type != x->quant.type) {
      return std::nullopt;
    }
    const Attribute* kernel = pool.FindAttribute("kernel_shape");
    if (kernel == nullptr || kernel->type != Attribute::Type::kInts) return std::nullopt;
    const bool berth_form = channels_last_ && PoolRunsChannelsLast(pool) &&
                            HasKernel(registry_, kBerthDomain, "MaxPool", 1, x->quant.type);
    const int64_t opset = OpsetOf(opsets_, "");
    if (!berth_form && !HasKernel(registry_, "", "MaxPool", opset, x->quant.type)) {
      return std::nullopt;
    }
    Rewrite r;
    r.at = q;
    r.erase = {p};
    r.node.name = FusedNodeName(pool);
    r.node.domain = berth_form ? kBerthDomain : "";
    r.node.op_type = "MaxPool";
    r.node.attributes = pool.attributes;
    r.node.attributes.erase("storage_order");
    r.node.inputs = {x->q};
    r.node.outputs = {index.node(q).outputs[0]};
    if (berth_form) ranks_[r.node.outputs[0]] = static_cast<int>(kernel->ints.size()) + 2;
    return r;
  }

  // The activation inputs of a node this pass made.
  static std::vector<size_t> ActivationInputs(const Node& node) {
    if (node.op_type == "QLinearAdd") return {0, 3};
    return {0};
  }

  // Every node this pass made whose rank is known runs channels-last between Transposes.
  void ToChannelsLast() {
    std::vector<Node> nodes;
    std::map<std::string, std::string> transposed;  // value -> its channels-last copy
    for (Node& node : graph_.nodes) {
      auto it = node.outputs.empty() ? ranks_.end() : ranks_.find(node.outputs[0]);
      const int rank = it == ranks_.end() ? -1 : it->second;
      if (node.domain != kBerthDomain || rank < 3 || rank > 5) {
        nodes.push_back(std::move(node));
        continue;
      }
      for (size_t i : ActivationInputs(node)) {
        auto [t, added] = transposed.emplace(node.inputs[i], "");
        if (added) {
          t->second = names_.Make(node.inputs[i] + "_nhwc");
          nodes.push_back(MakeTranspose(FusedNodeName(node) + "_to_nhwc", node.inputs[i], t->second,
                                        ToChannelsLastPerm(rank)));
        }
        node.inputs[i] = t->second;
      }
      const std::string y = node.outputs[0];
      node.outputs[0] = names_.Make(y + "_nhwc");
      if (node.op_type != "QLinearAdd") node.attributes["channels_last"] = IntAttribute(1);
      Node back = MakeTranspose(FusedNodeName(node) + "_to_nchw", node.outputs[0], y,
                                ToChannelsFirstPerm(rank));
      nodes.push_back(std::move(node));
      nodes.push_back(std::move(back));
    }
    graph_.nodes = std::move(nodes);
  }

  Graph& graph_;
  const OpsetMap& opsets_;
  const KernelRegistry& registry_;
  bool channels_last_;
  NameGenerator names_;
  std::map<std::string, int> ranks_;  // output of a node made here -> its rank
};

}  // namespace

int FuseQdq(Graph& graph, const OpsetMap& opsets, const KernelRegistry& registry,
            bool channels_last) {
  return QdqFusion(graph, opsets, registry, channels_last).Run();
}

}  // namespace berth::engine
