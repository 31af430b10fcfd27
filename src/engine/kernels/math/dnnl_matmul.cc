#include "engine/kernels/math/dnnl_matmul.h"

#include <optional>
#include <unordered_map>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "engine/kernels/dnnl_util.h"

namespace berth::engine {
namespace {

using dims = dnnl::memory::dims;
using dnnl::memory;

// oneDNN's matmul takes at most 12 dims.
constexpr size_t kMaxDnnlRank = 12;

// Multiply-adds below which the plain loop beats oneDNN (measured on batch-1 MLP layers).
constexpr int64_t kSmallProductWork = 1 << 16;

memory::desc FloatDesc(const dims& d, const dims& strides) {
  return memory::desc(d, memory::data_type::f32, strides);
}

dims ContiguousStrides(const dims& d) {
  dims s(d.size(), 1);
  for (int i = static_cast<int>(d.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * d[i + 1];
  return s;
}

memory::desc ContiguousDesc(const dims& d) { return FloatDesc(d, ContiguousStrides(d)); }

// Strides of a row-major stack of matrices of `d`'s shape whose last two dims are stored
// transposed when `trans`.
dims MatrixStackStrides(const dims& d, bool trans) {
  const size_t r = d.size();
  const int64_t rows = d[r - 2], cols = d[r - 1];
  dims s(r);
  s[r - 1] = trans ? rows : 1;
  s[r - 2] = trans ? 1 : cols;
  int64_t stride = rows * cols;
  for (int i = static_cast<int>(r) - 3; i >= 0; --i) {
    s[i] = stride;
    stride *= d[i];
  }
  return s;
}

// An epilogue operand (dims over full_output) viewed over the folded [rows, n] output, or
// nullopt when its broadcast pattern does not survive folding.
std::optional<dims> FoldOperand(const Shape& full, const MatMulGeometry& g, int64_t rows) {
  bool leading_ones = true;
  for (size_t i = 0; i + 1 < full.size(); ++i) leading_ones = leading_ones && full[i] == 1;
  if (leading_ones) return dims{1, full.back()};
  if (full == g.full_output) return dims{rows, g.n};
  return std::nullopt;
}

bool AllOnes(const Shape& s) {
  for (int64_t d : s) {
    if (d != 1) return false;
  }
  return true;
}

dnnl::algorithm EltwiseFor(Activation act) {
  switch (act) {
    case Activation::kRelu: return dnnl::algorithm::eltwise_relu;
    case Activation::kGelu: return dnnl::algorithm::eltwise_gelu_erf;
    case Activation::kGeluTanh: return dnnl::algorithm::eltwise_gelu_tanh;
    case Activation::kTanh: return dnnl::algorithm::eltwise_tanh;
    case Activation::kSigmoid: return dnnl::algorithm::eltwise_logistic;
    case Activation::kNone: break;
  }
  return dnnl::algorithm::undef;
}

}  // namespace

struct DnnlMatMul::Layout {
  ShapeKey key;
  memory::desc src, weights, dst, bias, residual;
  bool has_bias = false;
  bool has_residual = false;
  bool can_pack = false;         // the product is one [K, N] matrix, so packed weights apply
  bool plain_available = false;  // B was passed to Run
  bool force_manual = false;     // an epilogue operand has no oneDNN form in this layout
};

DnnlMatMul::DnnlMatMul(std::string label, const Options& options)
    : label_(std::move(label)), options_(options) {}

absl::StatusOr<std::unique_ptr<DnnlMatMul>> DnnlMatMul::Create(std::string label,
                                                               const Options& options,
                                                               const Tensor* constant_b) {
  std::unique_ptr<DnnlMatMul> mm(new DnnlMatMul(std::move(label), options));
  if (constant_b != nullptr && constant_b->dtype() == DataType::kFloat && constant_b->rank() >= 2 &&
      constant_b->num_elements() > kSmallProductWork) {
    // Smaller weights stay plain: at batch 1 their products run in the loop, which reads B.
    mm->constant_b_shape_ = constant_b->shape();
    RETURN_IF_ERROR(mm->PackWeights(*constant_b));
  }
  return mm;
}

absl::Status DnnlMatMul::PackWeights(const Tensor& b) {
  const int r = b.rank();
  for (int i = 0; i + 2 < r; ++i) {
    if (b.dim(i) != 1) return absl::OkStatus();  // batched B: used as given
  }
  const int64_t k = options_.trans_b ? b.dim(r - 1) : b.dim(r - 2);
  const int64_t n = options_.trans_b ? b.dim(r - 2) : b.dim(r - 1);
  try {
    const memory::desc plain = FloatDesc({k, n}, options_.trans_b ? dims{1, k} : dims{n, 1});
    const memory::desc any({k, n}, memory::data_type::f32, memory::format_tag::any);
    // The preferred layout depends on K and N, not on M, so one probe serves every M.
    dnnl::matmul::primitive_desc pd(
        dnnl::matmul::desc(ContiguousDesc({1, k}), any, ContiguousDesc({1, n})), CpuEngine());
    const memory::desc preferred = pd.weights_desc();
    if (preferred == plain) return absl::OkStatus();
    RETURN_IF_ERROR(
        packed_.Reshape(DataType::kUint8, {static_cast<int64_t>(preferred.get_size())}));
    memory src(plain, CpuEngine(), const_cast<void*>(b.raw_data()));
    memory dst(preferred, CpuEngine(), packed_.raw_data());
    dnnl::stream stream(CpuEngine());
    dnnl::reorder(src, dst).execute(stream, src, dst);
    stream.wait();
    packed_desc_ = preferred;
    packed_k_ = k;
    packed_n_ = n;
  } catch (const dnnl::error& e) {
    return DnnlErrorToStatus(label_, "reorder the constant weights", e);
  }
  return absl::OkStatus();
}

absl::StatusOr<DnnlMatMul::Entry> DnnlMatMul::Build(const Layout& layout) const {
  const MatMulEpilogue& epi = options_.epilogue;
  const bool use_bias = layout.has_bias && epi.beta != 0.0f;
  const bool trivial = !use_bias && !layout.has_residual && epi.is_identity();
  std::optional<Entry> fallback;
  for (int attempt = 0; attempt < 4; ++attempt) {
    const bool packed = attempt % 2 == 0;
    const bool fused = attempt < 2;
    if (packed && !(layout.can_pack && packed_k_ >= 0)) continue;
    if (!packed && !layout.plain_available) continue;
    if ((fused && layout.force_manual) || (!fused && trivial)) continue;
    try {
      Entry e;
      e.src = layout.src;
      e.dst = layout.dst;
      e.weights = packed ? packed_desc_ : layout.weights;
      e.packed_weights = packed;
      e.manual_epilogue = !fused && !trivial;
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      if (fused) {
        dnnl::post_ops ops;
        float scale = epi.alpha;
        if (use_bias) {
          scale = epi.alpha / epi.beta;
          e.bias_arg = DNNL_ARG_ATTR_MULTIPLE_POST_OP(ops.len()) | DNNL_ARG_SRC_1;
          e.bias = layout.bias;
          ops.append_binary(dnnl::algorithm::binary_add, layout.bias);
          if (epi.beta != 1.0f) {
            ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, epi.beta, 0.0f);
          }
        }
        auto add_residual = [&] {
          if (!layout.has_residual) return;
          e.residual_arg = DNNL_ARG_ATTR_MULTIPLE_POST_OP(ops.len()) | DNNL_ARG_SRC_1;
          e.residual = layout.residual;
          ops.append_binary(dnnl::algorithm::binary_add, layout.residual);
        };
        if (epi.residual_before_activation) add_residual();
        if (epi.activation != Activation::kNone) {
          ops.append_eltwise(1.0f, EltwiseFor(epi.activation), 0.0f, 0.0f);
        }
        if (!epi.residual_before_activation) add_residual();
        if (scale != 1.0f) attr.set_output_scales(0, {scale});
        attr.set_post_ops(ops);
      }
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(e.src, e.weights, e.dst), attr,
                                      CpuEngine());
      e.scratchpad = pd.scratchpad_desc();
      e.scratchpad_bytes = e.scratchpad.get_size();
      e.primitive = dnnl::matmul(pd);
      if (!absl::StartsWith(pd.impl_info_str(), "ref")) return e;
      if (!fallback) fallback = std::move(e);
    } catch (const dnnl::error&) {
      // This combination is unsupported; the next attempt is less demanding.
    }
  }
  if (fallback) return std::move(*fallback);
  return absl::InternalError(label_ + ": oneDNN has no matmul for these shapes");
}

absl::Status DnnlMatMul::RunPlain(const MatMulGeometry& g, const Tensor& a, const Tensor* b,
                                  const Tensor* bias, const Tensor* residual, Tensor* out) const {
  if (b == nullptr) return NeedsB();
  PlainMatMul(a.data<float>(), b->data<float>(), out->data<float>(), g,
              options_.trans_a && !g.a_vector, options_.trans_b && !g.b_vector);
  if (bias || residual || !options_.epilogue.is_identity()) {
    ApplyEpilogue(out->data<float>(), g.output, bias, residual, options_.epilogue);
  }
  return absl::OkStatus();
}

absl::Status DnnlMatMul::NeedsB() const {
  return absl::InternalError(label_ + ": B was dropped at load but this shape needs it");
}

absl::Status DnnlMatMul::Run(KernelContext& ctx, const MatMulGeometry& g, const Tensor& a,
                             const Tensor* b, const Tensor* bias, const Tensor* residual,
                             Tensor* out) const {
  if (out->num_elements() == 0) return absl::OkStatus();
  // Tiny products finish in a serial loop before oneDNN's per-call overhead (a parallel
  // region, memory objects) would be paid.
  const int64_t work = out->num_elements() * g.k;
  if (g.k == 0 || g.full_output.size() > kMaxDnnlRank ||
      (work <= kSmallProductWork && b != nullptr)) {
    return RunPlain(g, a, b, bias, residual, out);
  }
  const bool ta = options_.trans_a && !g.a_vector;
  const bool tb = options_.trans_b && !g.b_vector;
  Layout layout;
  std::optional<Shape> bias_full, res_full;
  if (bias) bias_full = ExpandToFullOutput(bias->shape(), g);
  if (residual) res_full = ExpandToFullOutput(residual->shape(), g);
  const int64_t rows = g.batch_count * g.m;
  const bool fold = AllOnes(g.b_batch) && (!ta || AllOnes(g.a_batch));
  if (!fold && b == nullptr) return NeedsB();
  if (fold) {
    std::optional<dims> bias_fold, res_fold;
    if (bias_full) bias_fold = FoldOperand(*bias_full, g, rows);
    if (res_full) res_fold = FoldOperand(*res_full, g, rows);
    layout.src = FloatDesc({rows, g.k}, ta ? dims{1, g.m} : dims{g.k, 1});
    layout.weights = FloatDesc({g.k, g.n}, tb ? dims{1, g.k} : dims{g.n, 1});
    layout.dst = ContiguousDesc({rows, g.n});
    if (bias_fold) layout.bias = ContiguousDesc(*bias_fold);
    if (res_fold) layout.residual = ContiguousDesc(*res_fold);
    layout.force_manual = (bias_full && !bias_fold) || (res_full && !res_fold);
    layout.can_pack = g.k == packed_k_ && g.n == packed_n_;
  } else {
    dims src_dims(g.a_batch.begin(), g.a_batch.end());
    src_dims.push_back(g.m);
    src_dims.push_back(g.k);
    dims wei_dims(g.b_batch.begin(), g.b_batch.end());
    wei_dims.push_back(g.k);
    wei_dims.push_back(g.n);
    layout.src = FloatDesc(src_dims, MatrixStackStrides(src_dims, ta));
    layout.weights = FloatDesc(wei_dims, MatrixStackStrides(wei_dims, tb));
    layout.dst = ContiguousDesc(ToDnnlDims(g.full_output));
    if (bias_full) layout.bias = ContiguousDesc(ToDnnlDims(*bias_full));
    if (res_full) layout.residual = ContiguousDesc(ToDnnlDims(*res_full));
  }
  if (!layout.can_pack && b == nullptr) return NeedsB();
  layout.has_bias = bias != nullptr;
  layout.has_residual = residual != nullptr;
  layout.plain_available = b != nullptr;
  layout.key = {fold ? 1 : 0, b != nullptr ? 1 : 0};
  layout.key.insert(layout.key.end(), g.a_batch.begin(), g.a_batch.end());
  layout.key.push_back(-2);
  layout.key.insert(layout.key.end(), g.b_batch.begin(), g.b_batch.end());
  layout.key.insert(layout.key.end(), {-2, g.m, g.k, g.n, -3});
  if (bias_full) layout.key.insert(layout.key.end(), bias_full->begin(), bias_full->end());
  layout.key.push_back(-4);
  if (res_full) layout.key.insert(layout.key.end(), res_full->begin(), res_full->end());

  ASSIGN_OR_RETURN(std::shared_ptr<const Entry> entry,
                   cache_.GetOrCreate(layout.key, [&] { return Build(layout); }));
  try {
    dnnl::engine& eng = ctx.dnnl_engine();
    std::unordered_map<int, memory> args;
    args.emplace(DNNL_ARG_SRC, memory(entry->src, eng, const_cast<void*>(a.raw_data())));
    void* weights = entry->packed_weights ? const_cast<void*>(packed_.raw_data())
                                          : const_cast<void*>(b->raw_data());
    args.emplace(DNNL_ARG_WEIGHTS, memory(entry->weights, eng, weights));
    args.emplace(DNNL_ARG_DST, memory(entry->dst, eng, out->raw_data()));
    if (entry->bias_arg != 0) {
      args.emplace(entry->bias_arg, memory(entry->bias, eng, const_cast<void*>(bias->raw_data())));
    }
    if (entry->residual_arg != 0) {
      args.emplace(entry->residual_arg,
                   memory(entry->residual, eng, const_cast<void*>(residual->raw_data())));
    }
    if (entry->scratchpad_bytes > 0) {
      void* scratch = ctx.Scratch(entry->scratchpad_bytes);
      if (scratch == nullptr) return absl::ResourceExhaustedError(label_ + ": no scratch memory");
      args.emplace(DNNL_ARG_SCRATCHPAD, memory(entry->scratchpad, eng, scratch));
    }
    entry->primitive.execute(ctx.dnnl_stream(), args);
    ctx.dnnl_stream().wait();
  } catch (const dnnl::error& e) {
    return DnnlErrorToStatus(label_, "run a matmul", e);
  }
  if (entry->manual_epilogue) {
    ApplyEpilogue(out->data<float>(), g.output, bias, residual, options_.epilogue);
  }
  return absl::OkStatus();
}

}  // namespace berth::engine
